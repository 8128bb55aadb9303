use leptos::prelude::*;

use crate::layout::PageHeader;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <PageHeader title=text::TITLE/>
        <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
        <p><a href="/">"Go to the dashboard"</a></p>
    }
}

mod text {
    crate::texts! {
        TITLE = "Page not found", "找不到页面";
    }
}
