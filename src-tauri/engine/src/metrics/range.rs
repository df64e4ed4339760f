//! Date ranges a widget can show, resolved against today (UTC days, like the rollups).

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::InputError;

/// The longest range a widget may cover: ten years of days.
pub const MAX_RANGE_DAYS: i64 = 3660;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum DateRange {
    /// The last `days` days, today included.
    LastDays {
        days: u32,
    },
    MonthToDate,
    PreviousMonth,
    /// Inclusive `YYYY-MM-DD` dates.
    Custom {
        from: String,
        to: String,
    },
}

/// Inclusive first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Span {
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

pub fn parse_day(text: &str) -> Result<NaiveDate, InputError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| InputError::BadDate(text.trim().to_owned()))
}

impl DateRange {
    /// Refuses ranges that are empty, reversed or absurdly long, with what is wrong.
    pub fn validate(&self) -> Result<(), InputError> {
        match self {
            DateRange::LastDays { days } if *days == 0 || i64::from(*days) > MAX_RANGE_DAYS => {
                Err(InputError::BadRangeLength {
                    max: MAX_RANGE_DAYS,
                    got: i64::from(*days),
                })
            }
            DateRange::Custom { from, to } => {
                let (from, to) = (parse_day(from)?, parse_day(to)?);
                if from > to {
                    return Err(InputError::ReversedRange);
                }
                let days = (to - from).num_days() + 1;
                if days > MAX_RANGE_DAYS {
                    return Err(InputError::BadRangeLength {
                        max: MAX_RANGE_DAYS,
                        got: days,
                    });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The days this range covers when today is `today`. Call `validate` first.
    pub fn span(&self, today: NaiveDate) -> Span {
        match self {
            DateRange::LastDays { days } => Span {
                from: today - Days::new(u64::from(days.saturating_sub(1))),
                to: today,
            },
            DateRange::MonthToDate => Span {
                from: today.with_day(1).expect("day 1 exists"),
                to: today,
            },
            DateRange::PreviousMonth => {
                let first = today.with_day(1).expect("day 1 exists") - Months::new(1);
                Span {
                    from: first,
                    to: today.with_day(1).expect("day 1 exists") - Days::new(1),
                }
            }
            DateRange::Custom { from, to } => Span {
                from: parse_day(from).unwrap_or(today),
                to: parse_day(to).unwrap_or(today),
            },
        }
    }

    /// The period a range is compared with: the same number of days just before it, or
    /// for calendar ranges the same part of the month before.
    pub fn previous(&self, today: NaiveDate) -> Span {
        let span = self.span(today);
        match self {
            DateRange::MonthToDate | DateRange::PreviousMonth => {
                let from = span.from - Months::new(1);
                // The month before may be shorter (31 March → 28 February).
                let to = (span.to - Months::new(1)).max(from);
                let to = if matches!(self, DateRange::PreviousMonth) {
                    span.from - Days::new(1)
                } else {
                    to
                };
                Span { from, to }
            }
            _ => {
                let to = span.from - Days::new(1);
                Span {
                    from: to - Days::new(span.days() as u64 - 1),
                    to,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_day(s).unwrap()
    }

    #[test]
    fn last_days_end_today_and_compare_with_the_days_before() {
        let r = DateRange::LastDays { days: 7 };
        assert_eq!(
            r.span(d("2026-03-10")),
            Span {
                from: d("2026-03-04"),
                to: d("2026-03-10")
            }
        );
        assert_eq!(
            r.previous(d("2026-03-10")),
            Span {
                from: d("2026-02-25"),
                to: d("2026-03-03")
            }
        );
    }

    #[test]
    fn calendar_ranges_compare_with_the_month_before() {
        let today = d("2026-03-31");
        assert_eq!(
            DateRange::MonthToDate.span(today),
            Span {
                from: d("2026-03-01"),
                to: today
            }
        );
        assert_eq!(
            DateRange::MonthToDate.previous(today),
            Span {
                from: d("2026-02-01"),
                to: d("2026-02-28")
            }
        );
        assert_eq!(
            DateRange::PreviousMonth.span(today),
            Span {
                from: d("2026-02-01"),
                to: d("2026-02-28")
            }
        );
        assert_eq!(
            DateRange::PreviousMonth.previous(today),
            Span {
                from: d("2026-01-01"),
                to: d("2026-01-31")
            }
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(DateRange::LastDays { days: 0 }.validate().is_err());
        assert!(DateRange::LastDays { days: 4000 }.validate().is_err());
        let custom = |a: &str, b: &str| DateRange::Custom {
            from: a.into(),
            to: b.into(),
        };
        assert_eq!(
            custom("2026-03-02", "2026-03-01").validate(),
            Err(InputError::ReversedRange)
        );
        assert!(matches!(
            custom("2026-13-01", "2026-03-01").validate(),
            Err(InputError::BadDate(_))
        ));
        assert!(custom("2026-03-01", "2026-03-01").validate().is_ok());
    }
}
