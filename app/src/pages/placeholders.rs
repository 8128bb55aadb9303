//! Sections of the portal whose features are still being built. Each page says plainly what it
//! will hold, so nobody mistakes an empty page for missing data.

use leptos::prelude::*;

use crate::layout::PageHeader;

#[component]
fn ComingSoon(title: &'static str, lede: &'static str, items: &'static [&'static str]) -> impl IntoView {
    view! {
        <PageHeader title lede/>
        <section class="card coming-soon" aria-labelledby="coming-heading">
            <h2 id="coming-heading">"Coming to this page"</h2>
            <ul>{items.iter().map(|item| view! { <li>{*item}</li> }).collect_view()}</ul>
        </section>
    }
}

#[component]
pub fn LedgerPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Ledger"
            lede="The double-entry books behind every manual action."
            items=&[
                "Accounts with balances, statements and the trial balance",
                "Funds transfers, write-offs and reversals, posted after a second person approves",
                "Day-end close of a business date",
            ]
        />
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Admin"
            lede="Feeds, runs and settings."
            items=&[
                "Re-run a business date and release quarantined files",
                "System health",
                "The daily cutoff, matching rules and other settings",
            ]
        />
    }
}
