use leptos::prelude::*;

use crate::i18n::use_locale;
use crate::layout::PageHeader;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    let locale = use_locale();
    view! {
        <PageHeader title=text::TITLE/>
        <p>{locale.t(text::EXPLANATION)}</p>
        <p><a href="/">{locale.t(text::TO_DASHBOARD)}</a></p>
    }
}

mod text {
    crate::texts! {
        TITLE = "Page not found", "找不到页面";
        EXPLANATION = "There is no page at this address. It may have moved, or the link may be mistyped.", "此地址没有页面。页面可能已移动，或链接有误。";
        TO_DASHBOARD = "Go to the dashboard", "返回仪表板";
    }
}
