//! What the portal's server-function forms share.
//!
//! A page reads its data again only after a form *succeeded*: a refused form keeps what the person
//! typed beside its error (reading the data again would draw the form anew, empty or refilled).

use leptos::html::Form;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::AppError;

/// How many times `action` has succeeded on this page: a resource keyed on it reloads after each
/// success and never after a refusal.
pub fn successes<A>(action: ServerAction<A>) -> ReadSignal<usize>
where
    A: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    let (count, set) = signal(0usize);
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            set.update(|n| *n += 1);
        }
    });
    count
}

/// Empties `form` once `action` succeeds, so a second press cannot repeat it under a new key.
pub fn reset_on_success<A>(action: ServerAction<A>, form: NodeRef<Form>)
where
    A: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (action.value().get(), form.get()) {
            form.reset();
        }
    });
}
