//! Display preferences: the time zone a person reads times in.
//!
//! Kept in a cookie for now, so it works before sign-in exists and without JavaScript. Times are
//! stored in UTC and converted only when shown.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Zones offered in the picker; any IANA zone name is accepted by the server.
pub const SUGGESTED_TIME_ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayPreferences {
    pub time_zone: String,
    /// True when the person has not chosen a zone and sees the bank's operating zone.
    pub is_default: bool,
}

#[server(endpoint = "preferences")]
pub async fn fetch_display_preferences() -> Result<DisplayPreferences, AppError> {
    crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let state = crate::state::AppState::from_context()?;
    let (zone, is_default) = viewer::time_zone(&state.pool).await?;
    Ok(DisplayPreferences { time_zone: zone.name().to_owned(), is_default })
}

#[server(endpoint = "preferences/time-zone")]
pub async fn set_time_zone(time_zone: String) -> Result<(), AppError> {
    crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let zone = domain::calendar::parse_time_zone(&time_zone).map_err(|e| AppError::Invalid(e.to_string()))?;
    let cookie = format!(
        "{}={}; Path=/; Max-Age={}; SameSite=Lax; HttpOnly",
        viewer::TIME_ZONE_COOKIE,
        zone.name(),
        60 * 60 * 24 * 365
    );
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let value = http::HeaderValue::from_str(&cookie).map_err(AppError::internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// Chooses the portal's language for this browser (a cookie, like the time zone).
#[server(endpoint = "preferences/language")]
pub async fn set_language(language: String) -> Result<(), AppError> {
    use crate::i18n::{Locale, LANGUAGE_COOKIE};
    crate::auth::server::require(domain::access::Permission::ViewDashboard).await?;
    let locale = Locale::from_tag(&language)
        .ok_or_else(|| AppError::Invalid(format!("'{language}' is not a language SettleDesk speaks")))?;
    let cookie = format!(
        "{LANGUAGE_COOKIE}={}; Path=/; Max-Age={}; SameSite=Lax; HttpOnly",
        locale.tag(),
        60 * 60 * 24 * 365
    );
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let value = http::HeaderValue::from_str(&cookie).map_err(AppError::internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
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
