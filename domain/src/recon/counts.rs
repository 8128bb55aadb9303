//! What a run's items add up to, as pages show it: items per class (read from the counts a run
//! stores per `class` or `class/reason`), the match rate of a date (one figure, one rounding, for
//! every place that shows it), and the dates a match-rate trend covers.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::calendar::Holidays;

/// A run's items per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassCounts {
    pub matches: u64,
    pub mismatches: u64,
    pub resettlements: u64,
}

impl ClassCounts {
    /// From a run's stored counts (`recon_run.counts`): items per `class` or `class/reason`. A key
    /// of a class it does not know is left out.
    pub fn from_stored(counts: &BTreeMap<String, u64>) -> ClassCounts {
        let mut classes = ClassCounts::default();
        for (key, n) in counts {
            let class = key.split_once('/').map_or(key.as_str(), |(class, _)| class);
            match class {
                "match" => classes.matches += n,
                "mismatch" => classes.mismatches += n,
                "resettlement" => classes.resettlements += n,
                _ => {}
            }
        }
        classes
    }

    /// Mismatches and resettlements: the items someone works.
    pub fn exceptions(&self) -> u64 {
        self.mismatches + self.resettlements
    }

    /// The share of the run's `records` (network records) that matched.
    pub fn match_rate(&self, records: i64) -> Option<MatchRate> {
        MatchRate::of(self.matches, u64::try_from(records).unwrap_or(0))
    }
}

/// Matches as a share of the network records, in tenths of a per cent rounded down (97.66 % is
/// 976, 99.96 % is 999: a control never reads better than it is): the one figure the dashboard's
/// card, chart and table all show for a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MatchRate(u32);

impl MatchRate {
    /// `matches` of `records`; none when there were no records.
    pub fn of(matches: u64, records: u64) -> Option<MatchRate> {
        if records == 0 {
            return None;
        }
        let (matches, records) = (u128::from(matches.min(records)), u128::from(records));
        // Rounded down: 9,996 of 10,000 is 99.9 %, never 100.0 % while a record is unmatched.
        let permille = matches * 1000 / records;
        Some(MatchRate(permille as u32))
    }

    /// Tenths of a per cent, 0 to 1000.
    pub fn permille(self) -> u32 {
        self.0
    }
}

/// The dates a trend of the last `business_days` business dates up to `last` shows, oldest first:
/// every business date (whether it was reconciled or not, so a date with no run shows as such),
/// and any other date of that span that was reconciled (a weekend's files run too).
pub fn trend_dates(
    holidays: &Holidays,
    last: NaiveDate,
    business_days: usize,
    reconciled: &[NaiveDate],
) -> Vec<NaiveDate> {
    let mut dates = Vec::with_capacity(business_days);
    let mut day = last;
    while dates.len() < business_days {
        if holidays.is_business_day(day) {
            dates.push(day);
        }
        match day.checked_sub_days(Days::new(1)) {
            Some(before) => day = before,
            None => break,
        }
    }
    let first = dates.last().copied().unwrap_or(last);
    dates.extend(
        reconciled.iter().copied().filter(|d| *d >= first && *d <= last && !holidays.is_business_day(*d)),
    );
    dates.sort_unstable();
    dates.dedup();
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn counts_per_class_add_up_their_reasons() {
        let stored: BTreeMap<String, u64> = [
            ("match", 970),
            ("mismatch/amount_differs", 7),
            ("mismatch/zelle_only", 3),
            ("resettlement/chargeback", 2),
            ("someday/new", 5),
        ]
        .into_iter()
        .map(|(k, n)| (k.to_owned(), n))
        .collect();
        let classes = ClassCounts::from_stored(&stored);
        assert_eq!(classes, ClassCounts { matches: 970, mismatches: 10, resettlements: 2 });
        assert_eq!(classes.exceptions(), 12);
    }

    #[test]
    fn the_match_rate_is_computed_once_and_rounded_down() {
        // One figure everywhere (it used to be 98.2 on the card and 98.1 in the chart), rounded
        // down so that a control never reads better than it is.
        assert_eq!(MatchRate::of(9820, 10_000).map(MatchRate::permille), Some(982));
        assert_eq!(MatchRate::of(9814, 10_000).map(MatchRate::permille), Some(981));
        assert_eq!(MatchRate::of(9819, 10_000).map(MatchRate::permille), Some(981));
        assert_eq!(
            MatchRate::of(9_996, 10_000).map(MatchRate::permille),
            Some(999),
            "never 100 % short of it"
        );
        assert_eq!(MatchRate::of(0, 10).map(MatchRate::permille), Some(0));
        assert_eq!(MatchRate::of(10, 10).map(MatchRate::permille), Some(1000));
        assert_eq!(MatchRate::of(0, 0), None);
        let classes = ClassCounts { matches: 2, ..ClassCounts::default() };
        assert_eq!(classes.match_rate(3).map(MatchRate::permille), Some(666));
        assert_eq!(classes.match_rate(0), None);
    }

    #[test]
    fn a_trend_shows_every_business_date_and_weekend_runs() {
        // Five business dates back from Saturday 28 November 2026, over Thursday 26 November (a
        // holiday) and a weekend whose Sunday was reconciled.
        let holidays = Holidays::from_days([day("2026-11-26")]);
        let dates = trend_dates(&holidays, day("2026-11-28"), 5, &[day("2026-11-22"), day("2026-11-01")]);
        let expected = ["2026-11-20", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"];
        assert_eq!(dates, expected.map(day).to_vec());
    }
}
