//! Where a person chooses how times are shown to them, and the portal's language.

use leptos::prelude::*;

use crate::i18n::{common, use_locale, Locale};
use crate::kit::{outcome, refusal_of, Field, Loaded};
use crate::layout::PageHeader;
use crate::preferences::{fetch_display_preferences, DisplayPreferences, SetLanguage, SetTimeZone};

#[component]
pub fn PreferencesPage() -> impl IntoView {
    let save = ServerAction::<SetTimeZone>::new();
    let saved = crate::forms::successes(save);
    let current = Resource::new(move || saved.get(), |_| fetch_display_preferences());
    view! {
        <PageHeader title=crate::routes::PREFERENCES lede=text::LEDE/>
        <Loaded>
            {move || Suspend::new(async move {
                current.await.map(|preferences| view! { <TimeZoneForm preferences save/> })
            })}
        </Loaded>
        <LanguageForm/>
    }
}

#[component]
fn LanguageForm() -> impl IntoView {
    let save = ServerAction::<SetLanguage>::new();
    let locale = use_locale();
    // With JavaScript the choice is saved in place: show the page again, now in that language.
    // (Without it, the form post comes back to this page, already in the new language.)
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            let _ = window().location().reload();
        }
    });
    view! {
        <section class="card narrow" aria-labelledby="language-heading">
            <h2 id="language-heading">{locale.t(text::LANGUAGE)}</h2>
            <ActionForm action=save attr:class="form">
                <Field id="language" name="language" label=text::SHOW_PORTAL_IN refused=refusal_of(save.value())>
                    // A language's name is written in that language: never translated.
                    <select id="language" name="language" aria-describedby="language-error">
                        {Locale::ALL
                            .into_iter()
                            .map(|l| view! {
                                <option value=l.tag() lang=l.tag() translate="no" selected=l == locale>{l.name()}</option>
                            })
                            .collect_view()}
                    </select>
                </Field>
                {outcome(save.value(), move |_| locale.t(common::SAVED).to_owned())}
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {locale.t(text::USE_THIS_LANGUAGE)}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn TimeZoneForm(preferences: DisplayPreferences, save: ServerAction<SetTimeZone>) -> impl IntoView {
    let locale = use_locale();
    let current = preferences.time_zone.clone();
    let ending = if preferences.is_default { text::SHOWN_IN_END_DEFAULT } else { text::SHOWN_IN_END };
    view! {
        <section class="card narrow" aria-labelledby="time-zone-heading">
            <h2 id="time-zone-heading">{locale.t(text::TIME_ZONE)}</h2>
            <p data-test="current-time-zone">
                {locale.t(text::SHOWN_IN)}" "
                <strong>{current.label(locale)}</strong>" "
                <code translate="no">{current.name.clone()}</code>
                {locale.t(ending)}
            </p>
            <ActionForm action=save attr:class="form">
                <Field id="time-zone" name="time_zone" label=text::SHOW_TIMES_IN hint=text::OFFSET_HINT refused=refusal_of(save.value())>
                    <select id="time-zone" name="time_zone" aria-describedby="time-zone-hint time-zone-error">
                        {preferences
                            .zones
                            .into_iter()
                            .map(|zone| {
                                let selected = zone.name == current.name;
                                // A zone without a name in our languages is shown by its IANA name.
                                let foreign = zone.localized_name(locale).is_none().then_some("no");
                                view! {
                                    <option value=zone.name.clone() selected=selected translate=foreign>
                                        {zone.label(locale)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </Field>
                {outcome(save.value(), move |_| locale.t(common::SAVED).to_owned())}
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {locale.t(common::SAVE)}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

mod text {
    crate::texts! {
        LEDE = "Times are stored in UTC and shown to you in the zone you choose here.", "时间以 UTC 存储，并按您在此选择的时区显示。";
        TIME_ZONE = "Time zone", "时区";
        SHOWN_IN = "Times are shown in", "时间按";
        SHOWN_IN_END = ".", "显示。";
        SHOWN_IN_END_DEFAULT = ", the bank's operating time zone, until you choose another.", "显示，即银行的营业时区，除非您另选时区。";
        SHOW_TIMES_IN = "Show times in", "时间显示时区";
        OFFSET_HINT = "Each zone is shown with its offset from UTC today; it changes with daylight saving time.", "各时区后为其今天与 UTC 的时差；实行夏令时的时区，时差会随之变化。";
        LANGUAGE = "Language", "语言";
        SHOW_PORTAL_IN = "Show the portal in", "门户显示语言";
        USE_THIS_LANGUAGE = "Use this language", "使用此语言";
    }
}
