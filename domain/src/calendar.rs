//! Business dates: which date the bank is collecting now, and the instant each date closes.
//!
//! A business date D closes at the cutoff wall-clock time on D in the bank's operating time zone;
//! a payment made after the cutoff belongs to D + 1. Times are kept in UTC everywhere else, and are
//! converted to a person's zone only for display.

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
pub use chrono_tz::Tz;
use sqlx::PgPool;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("'{0}' is not an IANA time zone name (for example America/New_York)")]
    UnknownTimeZone(String),
}

/// Parses an IANA time zone name such as `America/New_York`.
pub fn parse_time_zone(name: &str) -> Result<Tz, CalendarError> {
    name.trim().parse::<Tz>().map_err(|_| CalendarError::UnknownTimeZone(name.to_owned()))
}

/// When business dates close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessDaySchedule {
    pub time_zone: Tz,
    pub cutoff: NaiveTime,
}

impl BusinessDaySchedule {
    /// The calendar date in the bank's time zone at `now` (not the business date: that moves on at
    /// the cutoff, see [`Self::open_business_date`]).
    pub fn calendar_date(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.time_zone).date_naive()
    }

    /// The business date that payments made at `now` belong to (the date still open).
    pub fn open_business_date(&self, now: DateTime<Utc>) -> NaiveDate {
        let local = now.with_timezone(&self.time_zone);
        if local.time() < self.cutoff {
            local.date_naive()
        } else {
            local.date_naive() + Days::new(1)
        }
    }

    /// The instant `date` closes: its cutoff wall time, read as [`local_instant`] reads it.
    pub fn cutoff_instant(&self, date: NaiveDate) -> DateTime<Utc> {
        local_instant(date.and_time(self.cutoff), self.time_zone)
    }
}

/// The bank's holidays (table `bank_holiday`, migration 0020): with Saturdays and Sundays, the
/// days that are not business days. Every business-day count goes through here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(std::collections::BTreeSet<NaiveDate>);

impl Holidays {
    /// No holidays: only weekends are not business days.
    pub fn none() -> Holidays {
        Holidays::default()
    }

    pub fn from_days(days: impl IntoIterator<Item = NaiveDate>) -> Holidays {
        Holidays(days.into_iter().collect())
    }

    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) && !self.0.contains(&day)
    }

    /// `n` business days after `date`.
    pub fn add_business_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day + Days::new(1);
            if self.is_business_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// How many business days after `from` `to` is; 0 when `to` is not later.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = day + Days::new(1);
            if self.is_business_day(day) {
                count += 1;
            }
        }
        count
    }
}

/// A holiday as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub day: NaiveDate,
    pub name: String,
    pub updated_by: String,
}

/// Every holiday (a few a year): what business-day counts read.
pub async fn load_holidays(pool: &PgPool) -> Result<Holidays, sqlx::Error> {
    let days =
        sqlx::query_scalar!(r#"SELECT day AS "day: NaiveDate" FROM bank_holiday"#).fetch_all(pool).await?;
    Ok(Holidays::from_days(days))
}

/// The holidays from `from` to `to`, by date.
pub async fn list_holidays(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Holiday>, sqlx::Error> {
    sqlx::query_as!(
        Holiday,
        r#"SELECT day AS "day: NaiveDate", name, updated_by FROM bank_holiday WHERE day BETWEEN $1 AND $2 ORDER BY day"#,
        from as _,
        to as _
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum HolidayError {
    #[error("{0} is a {1}: weekends are never business days")]
    Weekend(NaiveDate, &'static str),
    #[error("{0} is already a holiday")]
    AlreadyHoliday(NaiveDate),
    #[error("{0} is not a holiday")]
    NotHoliday(NaiveDate),
    #[error("holidays can be set from {1} to {2}; {0} is outside")]
    OutOfRange(NaiveDate, NaiveDate, NaiveDate),
    #[error("give the holiday a name of 1 to 100 characters, without control characters")]
    BadName,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// How far from `today` a holiday may be set: a year back (a correction of a recent SLA age or
/// grace period) to five years ahead. Beyond that a change would rewrite history long settled, or
/// plan a calendar nobody has published.
pub fn holiday_range(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today - Days::new(366), today + Days::new(5 * 366))
}

fn check_holiday_day(day: NaiveDate, today: NaiveDate) -> Result<(), HolidayError> {
    let (first, last) = holiday_range(today);
    if day < first || day > last {
        return Err(HolidayError::OutOfRange(day, first, last));
    }
    match day.weekday() {
        chrono::Weekday::Sat => Err(HolidayError::Weekend(day, "Saturday")),
        chrono::Weekday::Sun => Err(HolidayError::Weekend(day, "Sunday")),
        _ => Ok(()),
    }
}

/// Makes `day` a holiday, recorded in the audit trail (`event`: who, from where).
pub async fn add_holiday(
    pool: &PgPool,
    event: crate::audit::NewAuditEvent,
    day: NaiveDate,
    name: &str,
    today: NaiveDate,
) -> Result<(), HolidayError> {
    check_holiday_day(day, today)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(HolidayError::BadName);
    }
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query!(
        "INSERT INTO bank_holiday (day, name, updated_by) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING",
        day as _,
        name,
        event.actor
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(HolidayError::AlreadyHoliday(day));
    }
    let event = crate::audit::NewAuditEvent {
        target: Some(format!("bank_holiday:{day}")),
        after: Some(serde_json::json!({ "day": day, "name": name })),
        ..event
    };
    crate::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes `day` a business day again, recorded in the audit trail with the name it had.
pub async fn remove_holiday(
    pool: &PgPool,
    event: crate::audit::NewAuditEvent,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<(), HolidayError> {
    check_holiday_day(day, today)?;
    let mut tx = pool.begin().await?;
    let removed = sqlx::query_scalar!("DELETE FROM bank_holiday WHERE day = $1 RETURNING name", day as _)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(HolidayError::NotHoliday(day))?;
    let event = crate::audit::NewAuditEvent {
        target: Some(format!("bank_holiday:{day}")),
        before: Some(serde_json::json!({ "day": day, "name": removed })),
        ..event
    };
    crate::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Midnight starting `date` in `zone`, as an instant.
pub fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_instant(date.and_time(NaiveTime::MIN), zone)
}

/// The instant a wall-clock time in `zone` names.
///
/// On a daylight-saving change a wall time can occur twice or not at all; like most calendars we
/// take the earlier of two, and a time that falls into a gap is read with the offset in force
/// before the gap (so 02:30 on a spring-forward night is 03:30 new time).
pub fn local_instant(wall: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // Twelve hours before is safely before any gap, and no zone changes offset twice a day.
            let before_gap = wall - chrono::Duration::hours(12);
            let offset = zone
                .offset_from_local_datetime(&before_gap)
                .earliest()
                .map(|o| o.fix())
                .unwrap_or_else(|| Utc.fix());
            (wall - offset).and_utc()
        }
    }
}

impl BusinessDaySchedule {
    /// The closed business dates of the last `days` days, oldest first: those a scheduler should
    /// have reconciled by `now`.
    pub fn closed_dates(&self, now: DateTime<Utc>, days: u64) -> Vec<NaiveDate> {
        let last_closed = self.open_business_date(now) - Days::new(1);
        (0..days).rev().map(|back| last_closed - Days::new(back)).collect()
    }
}

/// Reads the cutoff schedule from the database.
pub async fn load_schedule(pool: &PgPool) -> Result<BusinessDaySchedule, ScheduleError> {
    let row = sqlx::query!(
        r#"SELECT time_zone, cutoff_local AS "cutoff_local: NaiveTime" FROM business_day_schedule"#
    )
    .fetch_one(pool)
    .await?;
    Ok(BusinessDaySchedule { time_zone: parse_time_zone(&row.time_zone)?, cutoff: row.cutoff_local })
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("could not read the business day schedule")]
    Database(#[from] sqlx::Error),
    #[error("the stored business day schedule is invalid: {0}")]
    Invalid(#[from] CalendarError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_york_at(cutoff: &str) -> BusinessDaySchedule {
        BusinessDaySchedule {
            time_zone: chrono_tz::America::New_York,
            cutoff: NaiveTime::parse_from_str(cutoff, "%H:%M").unwrap(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn before_the_cutoff_the_local_date_is_open() {
        // 17:59 in New York (EST, UTC-5).
        let open = new_york_at("18:00").open_business_date(utc("2026-11-23T22:59:00Z"));
        assert_eq!(open, date("2026-11-23"));
    }

    #[test]
    fn at_the_cutoff_the_next_date_opens() {
        let open = new_york_at("18:00").open_business_date(utc("2026-11-23T23:00:00Z"));
        assert_eq!(open, date("2026-11-24"));
    }

    #[test]
    fn the_local_date_not_the_utc_date_decides() {
        // 01:00 UTC on the 24th is still 20:00 on the 23rd in New York, after the cutoff.
        let open = new_york_at("18:00").open_business_date(utc("2026-11-24T01:00:00Z"));
        assert_eq!(open, date("2026-11-24"));
        // 03:00 UTC on the 24th in a zone ahead of UTC is already the 24th, before a 18:00 cutoff.
        let shanghai = BusinessDaySchedule { time_zone: chrono_tz::Asia::Shanghai, ..new_york_at("18:00") };
        assert_eq!(shanghai.open_business_date(utc("2026-11-24T03:00:00Z")), date("2026-11-24"));
    }

    #[test]
    fn cutoff_instant_follows_the_zone_offset_across_seasons() {
        let schedule = new_york_at("18:00");
        assert_eq!(schedule.cutoff_instant(date("2026-07-01")), utc("2026-07-01T22:00:00Z")); // EDT
        assert_eq!(schedule.cutoff_instant(date("2026-12-01")), utc("2026-12-01T23:00:00Z"));
        // EST
    }

    #[test]
    fn a_cutoff_inside_the_spring_forward_gap_closes_just_after_it() {
        // 2026-03-08 02:30 does not exist in New York: read with EST it is 07:30 UTC (03:30 EDT).
        let closes = new_york_at("02:30").cutoff_instant(date("2026-03-08"));
        assert_eq!(closes, utc("2026-03-08T07:30:00Z"));
    }

    #[test]
    fn a_cutoff_in_the_repeated_autumn_hour_takes_the_first_occurrence() {
        // 2026-11-01 01:30 happens twice in New York; the first is EDT (UTC-4).
        let closes = new_york_at("01:30").cutoff_instant(date("2026-11-01"));
        assert_eq!(closes, utc("2026-11-01T05:30:00Z"));
    }

    #[test]
    fn a_date_is_open_until_its_own_cutoff_instant() {
        let schedule = new_york_at("18:00");
        let d = date("2026-11-23");
        let closes = schedule.cutoff_instant(d);
        assert_eq!(schedule.open_business_date(closes - chrono::Duration::seconds(1)), d);
        assert_eq!(schedule.open_business_date(closes), date("2026-11-24"));
    }

    #[test]
    fn closed_dates_end_with_the_last_date_whose_cutoff_has_passed() {
        let schedule = new_york_at("18:00");
        // 17:00 in New York on the 23rd: the 23rd is still open.
        let before = schedule.closed_dates(utc("2026-11-23T22:00:00Z"), 3);
        assert_eq!(before, vec![date("2026-11-20"), date("2026-11-21"), date("2026-11-22")]);
        // 18:30: the 23rd has closed.
        let after = schedule.closed_dates(utc("2026-11-23T23:30:00Z"), 1);
        assert_eq!(after, vec![date("2026-11-23")]);
    }

    #[test]
    fn business_days_skip_weekends() {
        let none = Holidays::none();
        assert_eq!(
            none.add_business_days(date("2026-11-20"), 2),
            date("2026-11-24"),
            "Friday + 2 is Tuesday"
        );
        assert_eq!(none.add_business_days(date("2026-11-23"), 2), date("2026-11-25"));
        assert_eq!(
            none.add_business_days(date("2026-11-21"), 1),
            date("2026-11-23"),
            "Saturday + 1 is Monday"
        );
        assert_eq!(none.add_business_days(date("2026-11-23"), 0), date("2026-11-23"));
    }

    #[test]
    fn business_days_skip_holidays() {
        // Thanksgiving, Thursday 26 November 2026.
        let holidays = Holidays::from_days([date("2026-11-26")]);
        assert_eq!(holidays.add_business_days(date("2026-11-25"), 1), date("2026-11-27"));
        assert_eq!(holidays.add_business_days(date("2026-11-24"), 2), date("2026-11-27"));
        assert_eq!(holidays.business_days_between(date("2026-11-25"), date("2026-11-30")), 2, "Fri and Mon");
        assert_eq!(Holidays::none().business_days_between(date("2026-11-25"), date("2026-11-30")), 3);
        assert!(!holidays.is_business_day(date("2026-11-26")));
        assert!(!holidays.is_business_day(date("2026-11-28")), "a Saturday");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn the_federal_reserve_holidays_are_seeded_as_the_fed_observes_them(pool: PgPool) {
        let holidays = load_holidays(&pool).await.unwrap();
        for (day, holiday) in [
            ("2026-11-26", true),  // Thanksgiving
            ("2026-12-25", true),  // Christmas, a Friday
            ("2026-07-03", false), // Independence Day falls on a Saturday: the Fed is open the Friday
            ("2027-07-05", true),  // on a Sunday: observed the Monday
            ("2026-11-27", false),
        ] {
            assert_eq!(!holidays.is_business_day(date(day)), holiday, "{day}");
        }
        let year = list_holidays(&pool, date("2026-01-01"), date("2026-12-31")).await.unwrap();
        assert_eq!(year.len(), 10, "{year:?}");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_admin_adds_and_removes_holidays_within_bounds_and_each_change_is_audited(pool: PgPool) {
        let today = date("2026-12-03");
        let event = || crate::audit::NewAuditEvent::new("ada", crate::audit::AuditAction::SettingChanged);
        add_holiday(&pool, event(), date("2026-12-24"), " Christmas Eve ", today).await.unwrap();
        assert!(!load_holidays(&pool).await.unwrap().is_business_day(date("2026-12-24")));
        // An insider stretching grace periods and SLA ages, or a typo.
        for (day, name, expected) in [
            ("2026-12-24", "again", "already a holiday"),
            ("2026-12-26", "a Saturday", "weekends are never business days"),
            ("9999-12-31", "far", "outside"),
            ("2024-12-24", "long ago", "outside"),
            ("2026-12-28", "", "give the holiday a name"),
            ("2026-12-28", "tab\there", "give the holiday a name"),
        ] {
            let err = add_holiday(&pool, event(), date(day), name, today).await.unwrap_err();
            assert!(err.to_string().contains(expected), "{day} {name:?}: {err}");
        }
        remove_holiday(&pool, event(), date("2026-12-24"), today).await.unwrap();
        let err = remove_holiday(&pool, event(), date("2026-12-24"), today).await.unwrap_err();
        assert!(matches!(err, HolidayError::NotHoliday(_)), "{err}");
        let err = remove_holiday(&pool, event(), date("2021-12-24"), today).await.unwrap_err();
        assert!(matches!(err, HolidayError::OutOfRange(..)), "{err}");
        let trail: Vec<(String, String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT actor, target, before_state, after_state FROM audit_event ORDER BY seq")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(trail.len(), 2, "{trail:?}");
        assert_eq!(trail[0].1, "bank_holiday:2026-12-24");
        assert!(trail[0].3.as_deref().unwrap().contains("Christmas Eve"), "{trail:?}");
        assert!(
            trail[1].2.as_deref().unwrap().contains("Christmas Eve"),
            "the removal says what was removed"
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let shanghai = chrono_tz::Asia::Shanghai;
        assert_eq!(start_of_day(date("2026-11-23"), shanghai), utc("2026-11-22T16:00:00Z"));
        assert_eq!(
            start_of_day(date("2026-11-23"), chrono_tz::America::New_York),
            utc("2026-11-23T05:00:00Z")
        );
    }

    #[test]
    fn time_zone_names_are_checked() {
        assert_eq!(parse_time_zone("Asia/Shanghai"), Ok(chrono_tz::Asia::Shanghai));
        assert_eq!(
            parse_time_zone("Mars/Olympus_Mons"),
            Err(CalendarError::UnknownTimeZone("Mars/Olympus_Mons".into()))
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn the_seeded_schedule_is_new_york_at_six_pm(pool: PgPool) {
        let schedule = load_schedule(&pool).await.unwrap();
        assert_eq!(schedule, new_york_at("18:00"));
    }
}
