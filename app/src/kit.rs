//! The pieces every page is built from: a part that loads (with its error), an action's outcome, a
//! confirm step before money moves or something cannot be undone, and a pager.

use leptos::prelude::*;

use crate::error::{AppError, ErrorNotice};
use crate::i18n::{common, use_locale, Text};

/// A part of a page that loads: "Loading…" until its data is there, then the content; our message
/// in place of the content when it failed.
#[component]
pub fn Loaded(children: ChildrenFn) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
            <Transition fallback=move || view! { <p class="loading">{locale.t(common::LOADING)}</p> }>
                {children()}
            </Transition>
        </ErrorBoundary>
    }
}

/// What became of the last submission of a form: a line for success (`role=status`) or the refusal
/// (`role=alert`), both marked `data-test="action-outcome"`. A refusal of one field is said beside
/// that field instead (see [`Field`]).
pub fn outcome<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    ok: impl Fn(T) -> String + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    move || {
        value.get().and_then(|outcome| match outcome {
            Ok(v) => Some(view! { <p class="form-ok" role="status" data-test="action-outcome">{ok(v)}</p> }.into_any()),
            Err(e) if e.field().is_some() => None,
            Err(e) => Some(
                view! { <p class="form-error" role="alert" data-test="action-outcome">{e.message(locale)}</p> }.into_any(),
            ),
        })
    }
}

/// The refusal of a form's last submission, for its [`Field`]s.
pub fn refusal_of<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
) -> Signal<Option<AppError>> {
    Signal::derive(move || value.get().and_then(Result::err))
}

/// A labelled form field: the label, the control (the children, which carry the `id` and the
/// `name` the form sends), a hint, and, when the form's last submission refused this field, why,
/// right beside it (`role=alert`, `id="{id}-error"`, which the control names in
/// `aria-describedby`).
#[component]
pub fn Field(
    /// The control's id.
    #[prop(into)]
    id: String,
    /// The name the control is sent under, which a refusal of it names.
    #[prop(optional, into)]
    name: String,
    label: Text,
    #[prop(optional)] hint: Option<Text>,
    #[prop(optional)] refused: Option<Signal<Option<AppError>>>,
    children: Children,
) -> impl IntoView {
    let locale = use_locale();
    let error = Signal::derive(move || {
        let refusal = refused?.get()?;
        (!name.is_empty() && refusal.field() == Some(name.as_str())).then(|| refusal.message(locale))
    });
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{locale.t(label)}</label>
            {children()}
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{locale.t(hint)}</p> })}
            // Always there (empty and hidden until a refusal), so the control's aria-describedby
            // always names an element.
            <p class="form-error" role="alert" id=format!("{id}-error") data-test="field-error" hidden=move || error.with(Option::is_none)>
                {error}
            </p>
        </div>
    }
}

/// A submit button that asks first. Pressing it opens the question beside it and the button that
/// really submits; it is plain HTML (`<details>`), so it works the same without JavaScript. Use it
/// for money, approvals, rejections, reversals and anything that cannot be undone. The question is
/// the children (a view, so the values in it can be marked as data), with any field the answer
/// needs (the reason to reject).
#[component]
pub fn Confirm(
    /// The button as first seen ("Approve").
    label: Text,
    /// The button that submits ("Yes, approve").
    confirm: Text,
    #[prop(optional)] primary: bool,
    /// For an action that cannot be undone or takes money back: drawn in the danger colour.
    #[prop(optional)]
    danger: bool,
    #[prop(optional, into)] test_id: Option<String>,
    children: Children,
) -> impl IntoView {
    let locale = use_locale();
    let class = match (primary, danger) {
        (true, _) => "button primary",
        (false, true) => "button danger",
        (false, false) => "button",
    };
    view! {
        <details class="confirm" data-test=test_id>
            <summary class=class>{locale.t(label)}</summary>
            <div class="confirm-panel" role="group" aria-label=locale.t(label)>
                {children()}
                <button type="submit" class="button primary">{locale.t(confirm)}</button>
            </div>
        </details>
    }
}

/// Links to the previous and next page of a list, and where this page stands in it.
#[component]
pub fn Pager(
    /// The link to the page before this one, if any.
    previous: Option<String>,
    /// The link to the page after this one, if any.
    next: Option<String>,
    /// "21–40 of 312", when the list knows its total.
    #[prop(optional)]
    position: Option<(u64, u64, u64)>,
) -> impl IntoView {
    let locale = use_locale();
    let previous_link = previous.map(|href| {
        view! { <a href=href rel="prev" data-test="previous-page">{locale.t(common::PREVIOUS_PAGE)}</a> }
    });
    let next_link = next.map(
        |href| view! { <a href=href rel="next" data-test="next-page">{locale.t(common::NEXT_PAGE)}</a> },
    );
    view! {
        <nav class="pager" aria-label=locale.t(common::PAGES)>
            {position.map(|(first, last, total)| view! {
                <span class="muted" data-test="list-position">{locale.f(common::SHOWING_OF, &[&first, &last, &total])}</span>
            })}
            {previous_link}
            {next_link}
        </nav>
    }
}

/// A table that may be wider than its card: it scrolls sideways inside it instead of widening the
/// page, and is focusable so that a keyboard can scroll it too. `label` names it (uniquely on the
/// page: it is a region).
#[component]
pub fn TableWrap(
    #[prop(into)] label: String,
    /// Kept in the page but not shown (an empty list says so in words instead).
    #[prop(optional)]
    hidden: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" hidden=hidden aria-label=use_locale().f(common::TABLE_OF, &[&label])>
            {children()}
        </div>
    }
}

/// A card as pages show it: its last four digits behind dots, or a dash when none could be read
/// (an unreadable record), never a bare row of dots.
pub fn masked_card(last4: &str) -> String {
    if last4.trim().is_empty() {
        "\u{2014}".to_owned()
    } else {
        format!("\u{2022}\u{2022}\u{2022}\u{2022} {last4}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_card_with_no_digits_read_is_a_dash_not_bare_dots() {
        assert_eq!(super::masked_card("4242"), "•••• 4242");
        assert_eq!(super::masked_card(""), "—");
        assert_eq!(super::masked_card("  "), "—");
    }
}
