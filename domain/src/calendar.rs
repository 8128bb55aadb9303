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

/// `n` business days after `date`, counting Monday to Friday (no holiday calendar yet).
pub fn add_business_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day + Days::new(1);
        if !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// How many business days (Monday to Friday) after `from` `to` is; 0 when `to` is not later.
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut count = 0;
    let mut day = from;
    while day < to {
        day = day + Days::new(1);
        if !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            count += 1;
        }
    }
    count
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
        assert_eq!(add_business_days(date("2026-11-20"), 2), date("2026-11-24"), "Friday + 2 is Tuesday");
        assert_eq!(add_business_days(date("2026-11-23"), 2), date("2026-11-25"));
        assert_eq!(add_business_days(date("2026-11-21"), 1), date("2026-11-23"), "Saturday + 1 is Monday");
        assert_eq!(add_business_days(date("2026-11-23"), 0), date("2026-11-23"));
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
