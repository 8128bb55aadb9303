//! Display preferences: the time zone a person reads times in, and the portal's language.
//!
//! Kept with the person (so they follow them to any browser: sign-in restores them) and in
//! cookies, which every request reads, also before sign-in and without JavaScript. Times are stored
//! in UTC and converted only when shown.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{Locale, Text};

/// Zones offered in the picker, with their names in each language; the server accepts any IANA
/// zone name.
pub const SUGGESTED_TIME_ZONES: &[(&str, Text)] = &[
    ("America/New_York", text::NEW_YORK),
    ("America/Chicago", text::CHICAGO),
    ("America/Denver", text::DENVER),
    ("America/Phoenix", text::PHOENIX),
    ("America/Los_Angeles", text::LOS_ANGELES),
    ("America/Anchorage", text::ANCHORAGE),
    ("Pacific/Honolulu", text::HONOLULU),
    ("UTC", text::UTC),
    ("Europe/London", text::LONDON),
    ("Europe/Dublin", text::DUBLIN),
    ("Asia/Kolkata", text::KOLKATA),
    ("Asia/Singapore", text::SINGAPORE),
    ("Asia/Shanghai", text::SHANGHAI),
    ("Asia/Hong_Kong", text::HONG_KONG),
    ("Asia/Tokyo", text::TOKYO),
    ("Australia/Sydney", text::SYDNEY),
];

/// A zone as the picker offers it: its IANA name and its offset from UTC today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneChoice {
    /// The IANA name, e.g. `America/New_York`: the form's value.
    pub name: String,
    /// The offset now, e.g. `−05:00` (with a true minus sign).
    pub offset: String,
}

impl ZoneChoice {
    /// The zone's name in `locale`, if it is one of the suggested zones.
    pub fn localized_name(&self, locale: Locale) -> Option<&'static str> {
        SUGGESTED_TIME_ZONES.iter().find(|(name, _)| *name == self.name).map(|(_, text)| locale.t(*text))
    }

    /// `New York (UTC−05:00)`, `纽约（UTC−05:00）`; a zone without a name here is shown by its IANA
    /// name.
    pub fn label(&self, locale: Locale) -> String {
        let name = self.localized_name(locale).unwrap_or(&self.name);
        locale.f(text::ZONE_WITH_OFFSET, &[&name, &format!("UTC{}", self.offset)])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayPreferences {
    /// The zone times are shown in.
    pub time_zone: ZoneChoice,
    /// True when the person has not chosen a zone and sees the bank's operating zone.
    pub is_default: bool,
    /// The zones the picker offers: the suggested ones, and the person's own first when it is not
    /// among them (so saving the form unchanged keeps it).
    pub zones: Vec<ZoneChoice>,
}

#[server(endpoint = "preferences")]
pub async fn fetch_display_preferences() -> Result<DisplayPreferences, AppError> {
    crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, is_default) = viewer::time_zone(&state.pool).await?;
    let now = chrono::Utc::now();
    let choice = |zone: domain::calendar::Tz| ZoneChoice {
        name: zone.name().to_owned(),
        offset: now.with_timezone(&zone).format("%:z").to_string().replace('-', "\u{2212}"),
    };
    let mut zones: Vec<ZoneChoice> = SUGGESTED_TIME_ZONES
        .iter()
        .filter_map(|(name, _)| domain::calendar::parse_time_zone(name).ok())
        .map(choice)
        .collect();
    let current = choice(zone);
    if !zones.contains(&current) {
        zones.insert(0, current.clone());
    }
    Ok(DisplayPreferences { time_zone: current, is_default, zones })
}

/// Chooses the zone the person reads times in: kept with them, and in this browser.
#[server(endpoint = "preferences/time-zone")]
pub async fn set_time_zone(time_zone: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let zone = domain::calendar::parse_time_zone(&time_zone).map_err(|_| {
        AppError::refused_text(text::NOT_A_TIME_ZONE, &[&time_zone.trim()]).beside("time_zone")
    })?;
    let state = crate::state::AppState::from_context()?;
    domain::people::choose_time_zone(&state.pool, user.person, zone.name()).await?;
    set_cookie(viewer::TIME_ZONE_COOKIE, zone.name())
}

/// Chooses the portal's language: kept with the person, and in this browser.
#[server(endpoint = "preferences/language")]
pub async fn set_language(language: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let locale = Locale::from_tag(&language).ok_or_else(|| {
        AppError::refused_text(text::NOT_A_LANGUAGE, &[&language.trim()]).beside("language")
    })?;
    let state = crate::state::AppState::from_context()?;
    domain::people::choose_language(&state.pool, user.person, locale.tag()).await?;
    set_cookie(crate::i18n::LANGUAGE_COOKIE, locale.tag())
}

/// Remembers a display choice in this browser.
#[cfg(feature = "ssr")]
fn set_cookie(name: &str, value: &str) -> Result<(), AppError> {
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let value = http::HeaderValue::from_str(&choice_cookie(name, value)).map_err(AppError::internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// The `Set-Cookie` value that keeps a display choice in a browser for a year (the edge adds
/// `Secure` under https). Sign-in sets the person's stored choices with it too.
#[cfg(feature = "ssr")]
pub fn choice_cookie(name: &str, value: &str) -> String {
    cookie_for(name, value, 60 * 60 * 24 * 365)
}

/// A display choice's `Set-Cookie` value, kept for `max_age` seconds (0 removes it).
#[cfg(feature = "ssr")]
fn cookie_for(name: &str, value: &str, max_age: u32) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax; HttpOnly")
}

/// The cookies that carry a person's stored display choices into a browser, at sign-in, with only
/// values the portal would itself accept. A choice they never made removes the browser's cookie:
/// on a shared desk the next person must not read in the last one's language or zone (nor save
/// that zone as their own).
#[cfg(feature = "ssr")]
pub fn cookies_for(choices: &domain::people::DisplayChoices) -> [String; 2] {
    let language =
        (choices.language.as_deref()).and_then(Locale::from_tag).map(|locale| locale.tag().to_owned());
    let zone = (choices.time_zone.as_deref())
        .and_then(|name| domain::calendar::parse_time_zone(name).ok())
        .map(|zone| zone.name().to_owned());
    let cookie = |name: &str, value: Option<String>| match value {
        Some(value) => choice_cookie(name, &value),
        None => cookie_for(name, "", 0),
    };
    [cookie(crate::i18n::LANGUAGE_COOKIE, language), cookie(viewer::TIME_ZONE_COOKIE, zone)]
}

/// Who is looking, as far as display goes (server side only).
#[cfg(feature = "ssr")]
pub mod viewer {
    use chrono::{DateTime, Datelike, NaiveDate, Utc};
    use domain::calendar::Tz;
    use sqlx::PgPool;

    use crate::error::AppError;
    use crate::i18n::Locale;

    pub const TIME_ZONE_COOKIE: &str = "sd_time_zone";

    /// The viewer's chosen zone, or the bank's operating zone when none (or an invalid one) is set.
    /// The flag says whether the default was used.
    pub async fn time_zone(pool: &PgPool) -> Result<(Tz, bool), AppError> {
        let chosen = crate::request::cookie(TIME_ZONE_COOKIE)
            .and_then(|name| domain::calendar::parse_time_zone(&name).ok());
        match chosen {
            Some(zone) => Ok((zone, false)),
            None => Ok((operating_schedule(pool).await?.time_zone, true)),
        }
    }

    pub async fn operating_schedule(
        pool: &PgPool,
    ) -> Result<domain::calendar::BusinessDaySchedule, AppError> {
        domain::calendar::load_schedule(pool).await.map_err(|e| match e {
            domain::calendar::ScheduleError::Database(db) => AppError::database(&db),
            invalid => AppError::internal(invalid),
        })
    }

    /// An instant as the viewer reads it, in their language: `2026-11-23 18:00 EST (UTC-05:00)`,
    /// or `2026-11-23 18:00（UTC-05:00）` in Chinese. The offset is always shown, because a zone's
    /// abbreviation alone is ambiguous (CST is both China and US Central).
    pub fn format_instant(instant: DateTime<Utc>, zone: Tz) -> String {
        let local = instant.with_timezone(&zone);
        match crate::i18n::request_locale() {
            Locale::En => local.format("%Y-%m-%d %H:%M %Z (UTC%:z)").to_string(),
            Locale::ZhCn => local.format("%Y-%m-%d %H:%M（UTC%:z）").to_string(),
        }
    }

    /// A business date with its weekday, in the viewer's language: `Thursday 3 December 2026`, or
    /// `2026年12月3日 星期四`.
    pub fn long_date(date: NaiveDate) -> String {
        long_date_in(crate::i18n::request_locale(), date)
    }

    pub fn long_date_in(locale: Locale, date: NaiveDate) -> String {
        match locale {
            Locale::En => date.format("%A %-d %B %Y").to_string(),
            Locale::ZhCn => {
                const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
                let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
                format!("{}年{}月{}日 星期{weekday}", date.year(), date.month(), date.day())
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn dates_read_naturally_in_each_language() {
            let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
            assert_eq!(long_date_in(Locale::En, date), "Thursday 3 December 2026");
            assert_eq!(long_date_in(Locale::ZhCn, date), "2026年12月3日 星期四");
            let sunday = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
            assert_eq!(long_date_in(Locale::ZhCn, sunday), "2026年12月6日 星期日");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str, offset: &str) -> ZoneChoice {
        ZoneChoice { name: name.into(), offset: offset.into() }
    }

    #[test]
    fn a_zone_reads_with_its_name_and_offset_in_each_language() {
        let new_york = zone("America/New_York", "\u{2212}05:00");
        assert_eq!(new_york.label(Locale::En), "New York (UTC\u{2212}05:00)");
        assert_eq!(new_york.label(Locale::ZhCn), "纽约（UTC\u{2212}05:00）");
        assert_eq!(zone("Europe/Paris", "+01:00").label(Locale::ZhCn), "Europe/Paris（UTC+01:00）");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn sign_in_sets_the_person_s_choices_and_clears_anyone_else_s() {
        use domain::people::DisplayChoices;
        let chosen =
            DisplayChoices { language: Some("zh-CN".into()), time_zone: Some("Asia/Shanghai".into()) };
        let [language, zone] = cookies_for(&chosen);
        assert!(
            language.starts_with("sd_lang=zh-CN; ") && language.contains("Max-Age=31536000"),
            "{language}"
        );
        assert!(zone.starts_with(&format!("{}=Asia/Shanghai; ", viewer::TIME_ZONE_COOKIE)), "{zone}");
        // Never chosen, or a stored value the portal would not accept (never copied into a
        // header): the browser's cookie is removed.
        let forged = DisplayChoices {
            language: Some("en\r\nSet-Cookie: x=1".into()),
            time_zone: Some("Mars/Base; Path=/x".into()),
        };
        for choices in [DisplayChoices::default(), forged] {
            for cookie in cookies_for(&choices) {
                assert!(cookie.contains("=; Path=/; Max-Age=0;"), "{cookie}");
                assert!(!cookie.contains('\n') && !cookie.contains("Mars"), "{cookie}");
            }
        }
    }

    #[test]
    fn every_suggested_zone_is_a_zone_once() {
        let mut names: Vec<&str> = SUGGESTED_TIME_ZONES.iter().map(|(name, _)| *name).collect();
        #[cfg(feature = "ssr")]
        for name in &names {
            assert!(domain::calendar::parse_time_zone(name).is_ok(), "{name}");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SUGGESTED_TIME_ZONES.len());
    }
}

// Refusals are written on the server only; the server build checks every text is used.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
mod text {
    crate::texts! {
        ZONE_WITH_OFFSET = "{} ({})", "{}（{}）";
        NOT_A_TIME_ZONE = "'{}' is not an IANA time zone name: choose a zone from the list.", "“{}”不是有效的 IANA 时区名称，请从列表中选择时区。";
        NOT_A_LANGUAGE = "'{}' is not a language SettleDesk speaks: choose one from the list.", "SettleDesk 不支持“{}”这种语言，请从列表中选择。";
        NEW_YORK = "New York", "纽约";
        CHICAGO = "Chicago", "芝加哥";
        DENVER = "Denver", "丹佛";
        PHOENIX = "Phoenix", "菲尼克斯";
        LOS_ANGELES = "Los Angeles", "洛杉矶";
        ANCHORAGE = "Anchorage", "安克雷奇";
        HONOLULU = "Honolulu", "檀香山";
        UTC = "Coordinated Universal Time", "协调世界时";
        LONDON = "London", "伦敦";
        DUBLIN = "Dublin", "都柏林";
        KOLKATA = "Kolkata", "加尔各答";
        SINGAPORE = "Singapore", "新加坡";
        SHANGHAI = "Shanghai", "上海";
        HONG_KONG = "Hong Kong", "香港";
        TOKYO = "Tokyo", "东京";
        SYDNEY = "Sydney", "悉尼";
    }
}
