//! The frame around every page: header, main navigation and footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{fetch_session_view, SessionView};
use crate::i18n::use_locale;

/// One entry of the main navigation.
struct NavItem {
    href: &'static str,
    label: &'static str,
}

const NAV_ITEMS: &[NavItem] = &[
    NavItem { href: "/", label: "Dashboard" },
    NavItem { href: "/lookup", label: "Payment lookup" },
    NavItem { href: "/reports", label: "Reports" },
    NavItem { href: "/exceptions", label: "Exceptions" },
    NavItem { href: "/feeds", label: "Feeds" },
    NavItem { href: "/ledger", label: "Ledger" },
    NavItem { href: "/audit", label: "Audit" },
    NavItem { href: "/admin", label: "Admin" },
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Effects run only in the browser, so this flips once the WebAssembly has hydrated the page.
    // Tests and styles can rely on `data-hydrated` to know the page is interactive.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let nav_open = RwSignal::new(true);
    // Who is signed in and which sections they may open; the server decided both.
    let session = Resource::new_blocking(|| (), |_| fetch_session_view());
    let locale = use_locale();

    view! {
        <div
            class="app"
            class:nav-collapsed=move || !nav_open.get()
            data-hydrated=move || hydrated.get().to_string()
        >
            <a class="skip-link" href="#main">{locale.tr("Skip to main content")}</a>
            <header class="topbar">
                <button
                    type="button"
                    class="nav-toggle"
                    aria-controls="main-nav"
                    aria-expanded=move || nav_open.get().to_string()
                    on:click=move |_| nav_open.update(|open| *open = !*open)
                >
                    <span class="visually-hidden">"Show or hide navigation"</span>
                    <svg aria-hidden="true" viewBox="0 0 20 20" width="20" height="20">
                        <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" stroke-width="2" fill="none"/>
                    </svg>
                </button>
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"SD"</span>
                    <span class="brand-name">"SettleDesk"</span>
                </a>
                <span class="brand-tagline">{locale.tr("Card settlement reconciliation")}</span>
                <div class="user-slot" data-test="user-slot">
                    <Suspense>
                        {move || Suspend::new(async move {
                            session.await.ok().map(|s| view! { <SignedInAs session=s/> })
                        })}
                    </Suspense>
                </div>
            </header>
            <div class="frame">
                <nav id="main-nav" class="sidenav" aria-label="Main">
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
                <a href="/preferences">{locale.tr("Display preferences")}</a>
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
            {NAV_ITEMS
                .iter()
                .filter(|item| sections.iter().any(|s| s == item.href))
                .map(|item| view! { <li><A href=item.href exact=true>{locale.tr(item.label)}</A></li> })
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
        <span class="user-name" data-test="user-name">{session.display_name}</span>
        <span class="user-roles">{session.roles.join(", ")}</span>
        <form method="post" action="/auth/logout" class="sign-out">
            <button type="submit" class="button small">{locale.tr("Sign out")}</button>
        </form>
    }
}

/// The heading block at the top of a page.
#[component]
pub fn PageHeader(title: &'static str, #[prop(optional)] lede: Option<&'static str>) -> impl IntoView {
    let locale = use_locale();
    let (title, lede) = (locale.tr(title), lede.map(|l| locale.tr(l)));
    view! {
        <leptos_meta::Title text=title/>
        <div class="page-header">
            <h1>{title}</h1>
            {lede.map(|lede| view! { <p class="lede">{lede}</p> })}
        </div>
    }
}
