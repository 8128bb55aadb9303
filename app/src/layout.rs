//! The frame around every page: header, main navigation and footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{fetch_session_view, SessionView};
use crate::i18n::{use_locale, Text};
use crate::routes::{PREFERENCES, ROUTES};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Effects run only in the browser, so this flips once the WebAssembly has hydrated the page.
    // Tests and styles can rely on `data-hydrated` to know the page is interactive.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let nav_open = RwSignal::new(false);

    // Who is signed in and which sections they may open; the server decided both.
    let session = Resource::new_blocking(|| (), |_| fetch_session_view());
    let locale = use_locale();

    view! {
        <div
            class="app"
            class:nav-open=move || nav_open.get()
            data-hydrated=move || hydrated.get().to_string()
        >
            <a class="skip-link" href="#main">{locale.t(text::SKIP)}</a>
            <header class="topbar">
                // On a phone the navigation is a drawer, closed on every load. The toggle is a link
                // to the navigation, so without JavaScript it opens it too (`:target`); with
                // JavaScript it opens and closes it in place. Wider screens always show it.
                <a
                    href="#main-nav"
                    role="button"
                    class="nav-toggle"
                    aria-controls="main-nav"
                    aria-expanded=move || nav_open.get().to_string()
                    on:click=move |event| {
                        event.prevent_default();
                        nav_open.update(|open| *open = !*open);
                    }
                >
                    <span class="visually-hidden">{locale.t(text::TOGGLE_NAVIGATION)}</span>
                    <svg aria-hidden="true" viewBox="0 0 20 20" width="20" height="20">
                        <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" stroke-width="2" fill="none"/>
                    </svg>
                </a>
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"SD"</span>
                    <span class="brand-name">"SettleDesk"</span>
                </a>
                <span class="brand-tagline">{locale.t(text::TAGLINE)}</span>
                <div class="user-slot" data-test="user-slot">
                    <Suspense>
                        {move || Suspend::new(async move {
                            session.await.ok().map(|s| view! { <SignedInAs session=s/> })
                        })}
                    </Suspense>
                </div>
            </header>
            <div class="frame">
                <nav
                    id="main-nav"
                    class="sidenav"
                    aria-label=locale.t(text::MAIN_NAVIGATION)
                    // Following one of its links closes the drawer.
                    on:click=move |_| nav_open.set(false)
                >
                    <Suspense>
                        {move || Suspend::new(async move {
                            let sections = session.await.map(|s| s.sections).unwrap_or_default();
                            view! { <NavList sections/> }
                        })}
                    </Suspense>
                </nav>
                <main id="main" tabindex="-1">{children()}</main>
            </div>
            <footer class="footer">
                <span>"SettleDesk " {env!("CARGO_PKG_VERSION")}</span>
                <a href="/preferences">{locale.t(PREFERENCES)}</a>
            </footer>
        </div>
    }
}

/// The main navigation, limited to the sections the person may open.
#[component]
fn NavList(sections: Vec<String>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ul>
            {ROUTES
                .iter()
                .filter(|entry| entry.in_navigation && sections.iter().any(|s| s == entry.path))
                .map(|entry| view! { <li><A href=entry.path exact=true>{locale.t(entry.title)}</A></li> })
                .collect_view()}
        </ul>
    }
}

/// The signed-in person and the way out. Signing out is a plain form post, so it works without
/// JavaScript and carries the browser's Origin for the cross-site check.
#[component]
fn SignedInAs(session: SessionView) -> impl IntoView {
    let locale = use_locale();
    view! {
        <span class="user-name" data-test="user-name" translate="no">{session.display_name}</span>
        <span class="user-roles">{session.roles.iter().map(|code| crate::labels::label(crate::labels::Kind::Role, code, locale)).collect::<Vec<_>>().join(", ")}</span>
        <form method="post" action="/auth/logout" class="sign-out">
            <button type="submit" class="button small">{locale.t(text::SIGN_OUT)}</button>
        </form>
    }
}

/// The heading block at the top of a page.
#[component]
pub fn PageHeader(title: Text, #[prop(optional)] lede: Option<Text>) -> impl IntoView {
    let locale = use_locale();
    let (title, lede) = (locale.t(title), lede.map(|l| locale.t(l)));
    view! {
        <leptos_meta::Title text=title/>
        <div class="page-header">
            <h1>{title}</h1>
            {lede.map(|lede| view! { <p class="lede">{lede}</p> })}
        </div>
    }
}

mod text {
    crate::texts! {
        SKIP = "Skip to main content", "跳到主要内容";
        TOGGLE_NAVIGATION = "Show or hide navigation", "显示或隐藏导航";
        TAGLINE = "Card settlement reconciliation", "银行卡清算对账";
        SIGN_OUT = "Sign out", "退出登录";
        MAIN_NAVIGATION = "Main", "主导航";
    }
}
