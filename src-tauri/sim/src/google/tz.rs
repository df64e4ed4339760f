//! The few time-zone rules the sim needs to turn the sim clock into each account's calendar
//! date. Only UTC → local is ever needed (which day is "today" there, when a day starts), so
//! a table of standard offsets and DST rules (the ones in force since 2007) is enough and
//! keeps the crate free of a tz database. An unknown zone is refused when the sim starts.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dst {
    None,
    /// Second Sunday of March 02:00 local → first Sunday of November 02:00 local.
    Us,
    /// Last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC.
    Eu,
    /// First Sunday of October 02:00 standard → first Sunday of April 03:00 daylight.
    AuSouth,
    /// Last Sunday of September 02:00 standard → first Sunday of April 03:00 daylight.
    Nz,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    /// Standard offset east of UTC, in seconds.
    std: i64,
    dst: Dst,
}

const H: i64 = 3600;

/// (name, standard offset in minutes, rule).
const ZONES: &[(&str, i64, Dst)] = &[
    ("UTC", 0, Dst::None),
    ("Etc/UTC", 0, Dst::None),
    ("GMT", 0, Dst::None),
    ("America/New_York", -300, Dst::Us),
    ("America/Detroit", -300, Dst::Us),
    ("America/Toronto", -300, Dst::Us),
    ("America/Chicago", -360, Dst::Us),
    ("America/Mexico_City", -360, Dst::None),
    ("America/Denver", -420, Dst::Us),
    ("America/Phoenix", -420, Dst::None),
    ("America/Los_Angeles", -480, Dst::Us),
    ("America/Vancouver", -480, Dst::Us),
    ("America/Anchorage", -540, Dst::Us),
    ("Pacific/Honolulu", -600, Dst::None),
    ("America/Sao_Paulo", -180, Dst::None),
    ("America/Argentina/Buenos_Aires", -180, Dst::None),
    ("America/Bogota", -300, Dst::None),
    ("Europe/London", 0, Dst::Eu),
    ("Europe/Dublin", 0, Dst::Eu),
    ("Europe/Lisbon", 0, Dst::Eu),
    ("Europe/Berlin", 60, Dst::Eu),
    ("Europe/Paris", 60, Dst::Eu),
    ("Europe/Madrid", 60, Dst::Eu),
    ("Europe/Amsterdam", 60, Dst::Eu),
    ("Europe/Brussels", 60, Dst::Eu),
    ("Europe/Rome", 60, Dst::Eu),
    ("Europe/Vienna", 60, Dst::Eu),
    ("Europe/Zurich", 60, Dst::Eu),
    ("Europe/Stockholm", 60, Dst::Eu),
    ("Europe/Oslo", 60, Dst::Eu),
    ("Europe/Copenhagen", 60, Dst::Eu),
    ("Europe/Warsaw", 60, Dst::Eu),
    ("Europe/Prague", 60, Dst::Eu),
    ("Europe/Helsinki", 120, Dst::Eu),
    ("Europe/Athens", 120, Dst::Eu),
    ("Europe/Istanbul", 180, Dst::None),
    ("Asia/Dubai", 240, Dst::None),
    ("Asia/Kolkata", 330, Dst::None),
    ("Asia/Bangkok", 420, Dst::None),
    ("Asia/Singapore", 480, Dst::None),
    ("Asia/Shanghai", 480, Dst::None),
    ("Asia/Hong_Kong", 480, Dst::None),
    ("Asia/Taipei", 480, Dst::None),
    ("Asia/Tokyo", 540, Dst::None),
    ("Asia/Seoul", 540, Dst::None),
    ("Australia/Brisbane", 600, Dst::None),
    ("Australia/Sydney", 600, Dst::AuSouth),
    ("Australia/Melbourne", 600, Dst::AuSouth),
    ("Pacific/Auckland", 720, Dst::Nz),
];

/// Search Console reports in Pacific Time whatever the site; GA4 daily quotas reset at
/// midnight Pacific too.
pub const PACIFIC: Zone = Zone {
    std: -8 * H,
    dst: Dst::Us,
};

pub fn zone(name: &str) -> Option<Zone> {
    ZONES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, minutes, dst)| Zone {
            std: minutes * 60,
            dst,
        })
}

pub fn known_zones() -> impl Iterator<Item = &'static str> {
    ZONES.iter().map(|(n, _, _)| *n)
}

/// The `n`th (1-based) `weekday` of a month, or the last one for `n == 0`.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u32) -> NaiveDate {
    if n == 0 {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .expect("valid month");
        let mut d = next - Duration::days(1);
        while d.weekday() != weekday {
            d -= Duration::days(1);
        }
        return d;
    }
    let mut d = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    while d.weekday() != weekday {
        d += Duration::days(1);
    }
    d + Duration::weeks(n as i64 - 1)
}

/// Unix seconds of `date` at `hour`:00 in a zone `offset` seconds east of UTC.
fn at(date: NaiveDate, hour: i64, offset: i64) -> i64 {
    date.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp() + hour * H - offset
}

impl Zone {
    /// Seconds east of UTC at the instant `utc`.
    pub fn offset_at(&self, utc: i64) -> i64 {
        let std = self.std;
        let year = chrono::DateTime::from_timestamp(utc + std, 0)
            .map(|t| t.year())
            .unwrap_or(1970);
        let sun = Weekday::Sun;
        let summer = match self.dst {
            Dst::None => false,
            Dst::Us => {
                let start = at(nth_weekday(year, 3, sun, 2), 2, std);
                let end = at(nth_weekday(year, 11, sun, 1), 2, std + H);
                (start..end).contains(&utc)
            }
            Dst::Eu => {
                let start = at(nth_weekday(year, 3, sun, 0), 1, 0);
                let end = at(nth_weekday(year, 10, sun, 0), 1, 0);
                (start..end).contains(&utc)
            }
            Dst::AuSouth => {
                let end = at(nth_weekday(year, 4, sun, 1), 3, std + H);
                let start = at(nth_weekday(year, 10, sun, 1), 2, std);
                utc < end || utc >= start
            }
            Dst::Nz => {
                let end = at(nth_weekday(year, 4, sun, 1), 3, std + H);
                let start = at(nth_weekday(year, 9, sun, 0), 2, std);
                utc < end || utc >= start
            }
        };
        std + if summer { H } else { 0 }
    }

    /// The calendar date in this zone at the instant `utc`.
    pub fn date_at(&self, utc: i64) -> NaiveDate {
        chrono::DateTime::from_timestamp(utc + self.offset_at(utc), 0)
            .map(|t| t.date_naive())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn offsets_follow_dst() {
        let ny = zone("America/New_York").unwrap();
        assert_eq!(ny.offset_at(utc("2026-01-15T12:00:00Z")), -5 * H);
        assert_eq!(ny.offset_at(utc("2026-07-15T12:00:00Z")), -4 * H);
        // 2026-03-08 02:00 EST = 07:00Z; 2026-11-01 02:00 EDT = 06:00Z.
        assert_eq!(ny.offset_at(utc("2026-03-08T06:59:59Z")), -5 * H);
        assert_eq!(ny.offset_at(utc("2026-03-08T07:00:00Z")), -4 * H);
        assert_eq!(ny.offset_at(utc("2026-11-01T05:59:59Z")), -4 * H);
        assert_eq!(ny.offset_at(utc("2026-11-01T06:00:00Z")), -5 * H);
        let berlin = zone("Europe/Berlin").unwrap();
        assert_eq!(berlin.offset_at(utc("2026-03-29T00:59:59Z")), H);
        assert_eq!(berlin.offset_at(utc("2026-03-29T01:00:00Z")), 2 * H);
        assert_eq!(berlin.offset_at(utc("2026-10-25T01:00:00Z")), H);
        let sydney = zone("Australia/Sydney").unwrap();
        assert_eq!(sydney.offset_at(utc("2026-01-10T00:00:00Z")), 11 * H);
        assert_eq!(sydney.offset_at(utc("2026-07-10T00:00:00Z")), 10 * H);
        assert_eq!(zone("Asia/Tokyo").unwrap().offset_at(0), 9 * H);
        assert!(zone("Mars/Olympus").is_none());
    }

    #[test]
    fn local_dates() {
        let tokyo = zone("Asia/Tokyo").unwrap();
        let t = utc("2026-11-20T16:00:00Z");
        assert_eq!(tokyo.date_at(t).to_string(), "2026-11-21");
        assert_eq!(PACIFIC.date_at(t).to_string(), "2026-11-20");
        assert_eq!(
            PACIFIC.date_at(utc("2026-11-21T07:59:59Z")).to_string(),
            "2026-11-20"
        );
        assert_eq!(
            PACIFIC.date_at(utc("2026-11-21T08:00:00Z")).to_string(),
            "2026-11-21"
        );
    }
}
