//! Where a person chooses how times are shown to them.

use leptos::prelude::*;

use crate::error::ErrorNotice;
use crate::i18n::{use_locale, Locale};
use crate::layout::PageHeader;
use crate::preferences::{
    fetch_display_preferences, DisplayPreferences, SetLanguage, SetTimeZone, SUGGESTED_TIME_ZONES,
};

#[component]
pub fn PreferencesPage() -> impl IntoView {
    let save = ServerAction::<SetTimeZone>::new();
    let current = Resource::new(move || save.version().get(), |_| fetch_display_preferences());
    view! {
    <PageHeader title=crate::routes::PREFERENCES lede=text::LEDE/>
            <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        current.await.map(|preferences| view! { <TimeZoneForm preferences save/> })
                    })}
                </Transition>
            </ErrorBoundary>
            <LanguageForm/>
        }
}

#[component]
fn LanguageForm() -> impl IntoView {
    let save = ServerAction::<SetLanguage>::new();
    let locale = use_locale();
    view! {
        <section class="card narrow" aria-labelledby="language-heading">
            <h2 id="language-heading">{locale.tr("Language")}</h2>
            <ActionForm action=save attr:class="form">
                <div class="field">
                    <label for="language">{locale.tr("Show the portal in")}</label>
                    <select id="language" name="language">
                        {Locale::ALL
                            .into_iter()
                            .map(|l| view! { <option value=l.tag() lang=l.tag() selected=l == locale>{l.name()}</option> })
                            .collect_view()}
                    </select>
                </div>
                {move || {
                    save.value().get().map(|outcome| match outcome {
                        Ok(()) => view! { <p class="form-ok" role="status">{locale.tr("Saved.")}" "<a href="/preferences">"↻"</a></p> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
                }}
                <div class="actions">
                    <button type="submit" class="button primary">{locale.tr("Use this language")}</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn TimeZoneForm(preferences: DisplayPreferences, save: ServerAction<SetTimeZone>) -> impl IntoView {
    // A zone chosen elsewhere (any IANA name is accepted) is still offered, so saving the form
    // unchanged keeps it.
    let mut zones: Vec<String> = SUGGESTED_TIME_ZONES.iter().map(|z| z.to_string()).collect();
    if !zones.contains(&preferences.time_zone) {
        zones.insert(0, preferences.time_zone.clone());
    }
    let current = preferences.time_zone.clone();
    view! {
        <section class="card narrow" aria-labelledby="time-zone-heading">
            <h2 id="time-zone-heading">"Time zone"</h2>
            <p data-test="current-time-zone">
                "Times are shown in " <strong>{preferences.time_zone.clone()}</strong>
                {preferences.is_default.then_some(", the bank's operating time zone, until you choose another")}
                "."
            </p>
            <ActionForm action=save attr:class="form">
                <div class="field">
                    <label for="time-zone">"Show times in"</label>
                    <select id="time-zone" name="time_zone">
                        {zones
                            .into_iter()
                            .map(|zone| {
                                let selected = zone == current;
                                view! { <option value=zone.clone() selected=selected>{zone.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                {move || {
                    save.value()
                        .get()
                        .map(|outcome| match outcome {
                            Ok(()) => view! { <p class="form-ok" role="status">"Saved."</p> }.into_any(),
                            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        })
                }}
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        "Save"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

mod text {
    crate::texts! {
        LEDE = "Times are stored in UTC and shown to you in the zone you choose here.", "时间以 UTC 存储，并按您在此选择的时区显示。";
    }
}
