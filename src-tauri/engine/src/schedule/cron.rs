//! Cron schedules in a time zone, with the daylight-saving rules people expect: a run in the
//! hour that spring-forward skips happens when the clocks jump (02:30 → 03:00). In the hour
//! that fall-back repeats, a time of day (a daily 01:30) runs once, at its first occurrence,
//! while a schedule that runs every hour (its hour field `*`) runs in each real hour — at
//! 01:00 EDT and again at 01:00 EST — so neither leaves an hour without a run.
//!
//! croner evaluates the 5-field expression on the wall-clock timeline (computed as if it were
//! UTC, which has no DST); each wall-clock match is then placed in the zone here.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How often, as people say it; each becomes a 5-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Preset {
    Hourly,
    EveryNHours {
        hours: u32,
    },
    DailyAt {
        hour: u32,
        minute: u32,
    },
    WeekdaysAt {
        hour: u32,
        minute: u32,
    },
    /// `day`: 0 = Sunday … 6 = Saturday, as in cron.
    WeeklyAt {
        day: u32,
        hour: u32,
        minute: u32,
    },
    Custom {
        cron: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("“{expression}” is not a valid cron expression: {reason}. Use 5 fields: minute hour day-of-month month day-of-week, e.g. “0 9 * * 1-5” for 09:00 on weekdays.")]
    BadCron { expression: String, reason: String },
    #[error("“{0}” is not a time zone Freshboard knows. Use an IANA name such as Europe/Paris or America/New_York.")]
    UnknownTimeZone(String),
    #[error("Every N hours takes N from 1 to 24 (got {0}).")]
    BadInterval(u32),
    #[error("{0} is not a time of day: use hours 0–23 and minutes 0–59.")]
    BadTime(String),
    #[error("The day of the week is 0 (Sunday) to 6 (Saturday), not {0}.")]
    BadDay(u32),
    #[error("“{0}” never runs (no date matches it).")]
    NeverRuns(String),
}

impl Preset {
    pub fn to_cron(&self) -> Result<String, ScheduleError> {
        let time = |hour: u32, minute: u32| {
            if hour > 23 || minute > 59 {
                Err(ScheduleError::BadTime(format!("{hour:02}:{minute:02}")))
            } else {
                Ok((hour, minute))
            }
        };
        Ok(match self {
            Preset::Hourly => "0 * * * *".to_owned(),
            Preset::EveryNHours { hours } if (1..=24).contains(hours) => match hours {
                24 => "0 0 * * *".to_owned(),
                n => format!("0 */{n} * * *"),
            },
            Preset::EveryNHours { hours } => return Err(ScheduleError::BadInterval(*hours)),
            Preset::DailyAt { hour, minute } => {
                let (h, m) = time(*hour, *minute)?;
                format!("{m} {h} * * *")
            }
            Preset::WeekdaysAt { hour, minute } => {
                let (h, m) = time(*hour, *minute)?;
                format!("{m} {h} * * 1-5")
            }
            Preset::WeeklyAt { day, .. } if *day > 6 => return Err(ScheduleError::BadDay(*day)),
            Preset::WeeklyAt { day, hour, minute } => {
                let (h, m) = time(*hour, *minute)?;
                format!("{m} {h} * * {day}")
            }
            Preset::Custom { cron } => cron.trim().to_owned(),
        })
    }
}

/// A parsed schedule: when it runs, in which zone.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    cron: Cron,
    tz: Tz,
    expression: String,
    /// The hour field is `*`: the schedule runs in every real hour, the repeated one too.
    every_hour: bool,
}

impl CronSchedule {
    /// Parses, refusing an expression that never runs after `now`.
    pub fn parse(expression: &str, time_zone: &str, now: DateTime<Utc>) -> Result<Self, ScheduleError> {
        let expression = expression.split_whitespace().collect::<Vec<_>>().join(" ");
        let bad = |reason: String| ScheduleError::BadCron {
            expression: expression.clone(),
            reason,
        };
        let fields = expression.split(' ').filter(|f| !f.is_empty()).count();
        if fields != 5 {
            return Err(bad(format!("it has {fields} fields, not 5")));
        }
        let tz: Tz = time_zone
            .trim()
            .parse()
            .map_err(|_| ScheduleError::UnknownTimeZone(time_zone.trim().to_owned()))?;
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(&expression).map_err(|e| bad(e.to_string()))?;
        let every_hour = expression.split(' ').nth(1) == Some("*");
        let schedule = Self {
            cron,
            tz,
            expression: expression.clone(),
            every_hour,
        };
        // "0 0 30 2 *" parses but never runs: refuse it rather than store a dead schedule.
        if schedule.next_after(now).is_none() {
            return Err(ScheduleError::NeverRuns(expression));
        }
        Ok(schedule)
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The first run strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Start one hour of wall clock early: after a fall-back, the same wall-clock time
        // comes twice and the candidate we want may sit "behind" `after`'s local reading.
        let mut wall = after.with_timezone(&self.tz).naive_local() - Duration::hours(1);
        // A few hundred steps covers any real expression; bounded so a pathological one
        // cannot spin.
        for _ in 0..1000 {
            let candidate = self
                .cron
                .find_next_occurrence(&wall.and_utc(), false)
                .ok()?
                .naive_utc();
            if let Some(at) = self.place(candidate).into_iter().find(|at| *at > after) {
                return Some(at);
            }
            wall = candidate;
        }
        None
    }

    /// The next `n` runs after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut runs = Vec::with_capacity(n);
        let mut from = after;
        while runs.len() < n {
            match self.next_after(from) {
                Some(at) => {
                    runs.push(at);
                    from = at;
                }
                None => break,
            }
        }
        runs
    }

    /// Places a wall-clock time in the zone, earliest first: a repeated time (fall-back) runs
    /// at its first occurrence — and its second too for an every-hour schedule, that being
    /// another real hour; a skipped one (spring-forward) runs when the clocks jump past it.
    fn place(&self, wall: NaiveDateTime) -> Vec<DateTime<Utc>> {
        match self.tz.from_local_datetime(&wall) {
            LocalResult::Single(at) => vec![at.with_timezone(&Utc)],
            LocalResult::Ambiguous(first, second) if self.every_hour => {
                vec![first.with_timezone(&Utc), second.with_timezone(&Utc)]
            }
            LocalResult::Ambiguous(first, _) => vec![first.with_timezone(&Utc)],
            LocalResult::None => {
                // Inside a gap: the first minute that exists is when the clocks jumped.
                let mut probe = wall;
                for _ in 0..(24 * 60) {
                    probe += Duration::minutes(1);
                    if let Some(at) = self.tz.from_local_datetime(&probe).earliest() {
                        return vec![at.with_timezone(&Utc)];
                    }
                }
                Vec::new()
            }
        }
    }
}
