//! Alerts on the health counters, evaluated after every job (for its source) and on the
//! planner tick (for everyone): a failure streak, a source that succeeded but moved nothing
//! where it usually moves some (CUSUM on daily records per run), a source that got slower
//! (Hampel on daily mean duration), and a high failure share of all syncs in the last day.
//! An alert stays open until its condition clears; the database allows one open alert per
//! kind and source, so a condition that holds tick after tick raises it — and its desktop
//! notification — once.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::stats::{cusum_drop, hampel_jump, CUSUM_H, HAMPEL_WINDOW};
use super::Granularity;
use crate::clock::Millis;
use crate::error::{InputError, Result};
use crate::store::health::{AlertRow, DayRow, Filter};
use crate::{Engine, EngineEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AlertKind {
    /// A source failed this many syncs in a row.
    FailingStreak,
    /// A source succeeded but moved no records, where it usually moves some.
    NoRecords,
    /// A source's mean sync duration jumped.
    Slower,
    /// Too many of all syncs in the last 24 hours failed.
    FailureShare,
}

impl AlertKind {
    pub const ALL: [AlertKind; 4] = [
        Self::FailingStreak,
        Self::NoRecords,
        Self::Slower,
        Self::FailureShare,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FailingStreak => "failing_streak",
            Self::NoRecords => "no_records",
            Self::Slower => "slower",
            Self::FailureShare => "failure_share",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Alert {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: AlertKind,
    /// The source it is about; `None` for the failure share of everything.
    #[ts(type = "number | null")]
    pub source_id: Option<i64>,
    #[ts(type = "number")]
    pub opened_at: Millis,
    #[ts(type = "number | null")]
    pub cleared_at: Option<Millis>,
    /// What happened and what to do, in words.
    pub message: String,
}

impl Alert {
    fn from_row(row: AlertRow) -> Option<Self> {
        Some(Self {
            id: row.id,
            kind: AlertKind::parse(&row.kind)?,
            source_id: row.source_id,
            opened_at: row.opened_at,
            cleared_at: row.cleared_at,
            message: row.message,
        })
    }
}

/// Each alert a person can change or turn off (`None` or `false` is off).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct AlertSettings {
    /// Failed syncs in a row before a source alerts.
    pub failing_streak: Option<u32>,
    pub no_records: bool,
    pub slower: bool,
    /// The share of failed syncs in the last 24 hours that alerts (0 to 1)…
    pub failure_share: Option<f64>,
    /// …once at least this many syncs did work.
    pub failure_share_min_runs: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            failing_streak: Some(3),
            no_records: true,
            slower: true,
            failure_share: Some(0.25),
            failure_share_min_runs: 4,
        }
    }
}

impl AlertSettings {
    fn check(&self) -> Result<()> {
        let bad = |field: &'static str, what: &'static str, allowed: &'static str, got: String| {
            Err(InputError::BadAlertSetting {
                what,
                allowed,
                got,
                field,
            }
            .into())
        };
        if let Some(n) = self.failing_streak {
            if !(1..=100).contains(&n) {
                return bad(
                    "failingStreak",
                    "The failure streak",
                    "1 to 100 syncs",
                    n.to_string(),
                );
            }
        }
        if let Some(share) = self.failure_share {
            if !(share > 0.0 && share <= 1.0) {
                let got = format!("{:.0}%", share * 100.0);
                return bad(
                    "failureShare",
                    "The failure share",
                    "above 0% and at most 100%",
                    got,
                );
            }
        }
        if !(1..=10_000).contains(&self.failure_share_min_runs) {
            let got = self.failure_share_min_runs.to_string();
            return bad("failureShareMinRuns", "The fewest syncs", "1 to 10,000", got);
        }
        Ok(())
    }
}

const SETTINGS_KEY: &str = "alert_settings";
const DAY_MS: Millis = 86_400_000;
/// The planner's full pass runs at most this often (after-job passes are not held back).
const FULL_PASS_EVERY: Duration = Duration::from_secs(60);
/// Days of daily rows the detectors read.
const LOOKBACK_DAYS: i64 = 35;
/// A slowdown smaller than this is not worth a notification, however unusual.
const MIN_SLOWDOWN_MS: f64 = 5_000.0;
/// Days of runs the CUSUM accumulates over, after the baseline.
const RECENT_DAYS: usize = 3;

/// What one pass concluded: for each (kind, source), open with this message, or clear.
type Verdicts = Vec<(AlertKind, Option<i64>, Option<String>)>;

impl Engine {
    /// Alerts, newest first: the open ones, or the last 200 of all.
    pub async fn alerts(&self, open_only: bool) -> Result<Vec<Alert>> {
        Ok(self
            .store
            .alerts(open_only)
            .await?
            .into_iter()
            .filter_map(Alert::from_row)
            .collect())
    }

    /// Open alerts no desktop notification has told yet (one raised while the app was closed,
    /// by the CLI, or before the window was up).
    pub async fn unnotified_alerts(&self) -> Result<Vec<Alert>> {
        let rows = self.store.alerts(true).await?;
        Ok(rows
            .into_iter()
            .filter(|r| !r.notified)
            .filter_map(Alert::from_row)
            .collect())
    }

    pub async fn mark_alert_notified(&self, id: i64) -> Result<()> {
        self.store.mark_alert_notified(id).await
    }

    pub async fn alert_settings(&self) -> Result<AlertSettings> {
        Ok(match self.store.setting(SETTINGS_KEY).await? {
            // A value from an older or newer build that does not parse: the defaults.
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => AlertSettings::default(),
        })
    }

    /// Saves the settings (nothing is saved when one is out of range) and re-evaluates, so an
    /// alert turned off clears at once.
    pub async fn set_alert_settings(&self, settings: &AlertSettings) -> Result<AlertSettings> {
        settings.check()?;
        let json = serde_json::to_string(settings).expect("settings serialize");
        self.store.put_setting(SETTINGS_KEY, &json).await?;
        self.evaluate_alerts(None).await?;
        Ok(settings.clone())
    }

    /// The planner tick's pass: every source, at most once a minute.
    pub(crate) async fn alerts_on_tick(&self) -> Result<()> {
        {
            let mut last = self.health_chores.lock().expect("health chores");
            if last
                .alerts
                .is_some_and(|at| self.clock.elapsed(at) < FULL_PASS_EVERY)
            {
                return Ok(());
            }
            last.alerts = Some(self.clock.monotonic());
        }
        self.evaluate_alerts(None).await.map(drop)
    }

    /// Evaluates the alerts of one source (after its job) and the failure share, or of every
    /// source; opens and clears them. Returns the alerts it opened.
    pub async fn evaluate_alerts(&self, source: Option<i64>) -> Result<Vec<Alert>> {
        let settings = self.alert_settings().await?;
        let now = self.clock.now_millis();
        let sources = self.store.sources(None).await?;
        let clients: HashMap<i64, String> = self
            .list_clients(true)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let streaks: HashMap<i64, _> = self
            .store
            .source_health()
            .await?
            .into_iter()
            .map(|h| (h.source_id, h))
            .collect();
        let mut days: HashMap<i64, Vec<DayRow>> = HashMap::new();
        for row in self
            .store
            .daily_source_rows(source, Granularity::Day.start(now) - LOOKBACK_DAYS * DAY_MS)
            .await?
        {
            days.entry(row.source_id).or_default().push(row);
        }
        let mut verdicts: Verdicts = Vec::new();
        for s in sources.iter().filter(|s| source.is_none_or(|id| id == s.id)) {
            let name = format!(
                "{} for {}",
                s.label,
                clients.get(&s.client_id).map_or("a client", String::as_str)
            );
            let streak = streaks.get(&s.id);
            let failing = settings.failing_streak.zip(streak).and_then(|(n, h)| {
                (h.failure_streak >= i64::from(n)).then(|| {
                    format!(
                        "{name} failed {} syncs in a row{}. Open its health for the errors; fix the cause (reconnect, check the account), then refresh it.",
                        h.failure_streak,
                        h.last_error.as_deref().map(|e| format!(" (last: {e})")).unwrap_or_default()
                    )
                })
            });
            verdicts.push((AlertKind::FailingStreak, Some(s.id), failing));
            let rows = days.get(&s.id).map(Vec::as_slice).unwrap_or_default();
            let silent = settings.no_records.then(|| no_records(rows)).flatten().map(|usual| {
                format!(
                    "{name} synced without errors but moved no records, where it usually moves about {usual:.0} a sync. Check that the account still has activity and that the key or connection still sees it."
                )
            });
            verdicts.push((AlertKind::NoRecords, Some(s.id), silent));
            let slower = settings.slower.then(|| slower(rows)).flatten().map(|(now_ms, usual_ms)| {
                format!(
                    "{name} took {} a sync on average today, against {} usually. The provider may be slow or rate limiting; its health shows where the time went.",
                    seconds(now_ms),
                    seconds(usual_ms)
                )
            });
            verdicts.push((AlertKind::Slower, Some(s.id), slower));
        }
        let share = match settings.failure_share {
            Some(threshold) => {
                self.failure_share(now, threshold, settings.failure_share_min_runs)
                    .await?
            }
            None => None,
        };
        verdicts.push((AlertKind::FailureShare, None, share));
        if source.is_none() {
            // Alerts about sources since removed have nothing left to clear them.
            for alert in self.alerts(true).await? {
                if alert
                    .source_id
                    .is_some_and(|id| !sources.iter().any(|s| s.id == id))
                {
                    verdicts.push((alert.kind, alert.source_id, None));
                }
            }
        }
        self.apply_verdicts(verdicts, now).await
    }

    /// The failure share of every sync in the last 24 hours, when it is above `threshold`.
    async fn failure_share(&self, now: Millis, threshold: f64, min_runs: u32) -> Result<Option<String>> {
        let everyone = Filter::everyone();
        let hours = self
            .store
            .health_buckets(&everyone, Granularity::Hour, now - DAY_MS + 1, now)
            .await?;
        let failed: i64 = hours.iter().map(|h| h.failed).sum();
        let worked = failed + hours.iter().map(|h| h.succeeded).sum::<i64>();
        let share = if worked > 0 {
            failed as f64 / worked as f64
        } else {
            0.0
        };
        Ok((worked >= i64::from(min_runs) && share > threshold).then(|| {
            format!(
                "{:.0}% of syncs in the last 24 hours failed ({failed} of {worked}). The Health view shows which sources and why.",
                share * 100.0
            )
        }))
    }

    /// Opens what is not open yet, keeps an open alert's words current (a streak that grew,
    /// a share that moved) without raising it again, and clears what no longer holds; a pass
    /// where nothing changed writes nothing.
    async fn apply_verdicts(&self, verdicts: Verdicts, now: Millis) -> Result<Vec<Alert>> {
        let open: HashMap<(AlertKind, Option<i64>), (i64, String)> = self
            .alerts(true)
            .await?
            .into_iter()
            .map(|a| ((a.kind, a.source_id), (a.id, a.message)))
            .collect();
        let mut opened = Vec::new();
        for (kind, source, message) in verdicts {
            let current = open.get(&(kind, source));
            match message {
                Some(message) if current.is_some_and(|(_, was)| *was != message) => {
                    let (id, _) = current.expect("an open alert");
                    self.store.update_alert_message(*id, &message).await?;
                }
                Some(message) if current.is_none() => {
                    if let Some(row) = self
                        .store
                        .open_alert(kind.as_str(), source, &message, now)
                        .await?
                    {
                        if let Some(alert) = Alert::from_row(row) {
                            tracing::info!(kind = kind.as_str(), source, "alert raised");
                            self.emit(EngineEvent::AlertRaised(alert.clone()));
                            opened.push(alert);
                        }
                    }
                }
                None if current.is_some() => {
                    if let Some(id) = self.store.clear_alert(kind.as_str(), source, now).await? {
                        tracing::info!(kind = kind.as_str(), source, "alert cleared");
                        self.emit(EngineEvent::AlertCleared { id });
                    }
                }
                _ => {}
            }
        }
        Ok(opened)
    }
}

/// A source whose latest day of syncs succeeded but moved nothing, where the days before it
/// made that unusual: the CUSUM of records per sync over the last few days of syncs against
/// the baseline before them. Returns the usual records per sync (the baseline's median).
fn no_records(rows: &[DayRow]) -> Option<f64> {
    let worked: Vec<&DayRow> = rows.iter().filter(|r| r.succeeded + r.failed > 0).collect();
    let latest = worked.last()?;
    if latest.records > 0 || latest.succeeded == 0 {
        return None;
    }
    let per_run = |r: &&DayRow| r.records as f64 / (r.succeeded + r.failed) as f64;
    let split = worked.len().saturating_sub(RECENT_DAYS);
    let baseline: Vec<f64> = worked[..split].iter().map(per_run).collect();
    let recent: Vec<f64> = worked[split..].iter().map(per_run).collect();
    (cusum_drop(&baseline, &recent)? > CUSUM_H).then(|| {
        let mut usual = baseline;
        usual.sort_by(f64::total_cmp);
        usual[usual.len() / 2]
    })
}

/// A source whose latest day's mean duration jumps above the days before it (Hampel). Returns
/// that mean and the usual one (the median of the window), ms.
fn slower(rows: &[DayRow]) -> Option<(f64, f64)> {
    let means: Vec<f64> = rows.iter().filter_map(|r| r.mean_ms).collect();
    let (latest, window) = means.split_last()?;
    if !hampel_jump(window, *latest)? {
        return None;
    }
    let mut usual = window[window.len() - HAMPEL_WINDOW..].to_vec();
    usual.sort_by(f64::total_cmp);
    let usual = (usual[HAMPEL_WINDOW / 2 - 1] + usual[HAMPEL_WINDOW / 2]) / 2.0;
    (latest - usual >= MIN_SLOWDOWN_MS).then_some((*latest, usual))
}

fn seconds(ms: f64) -> String {
    if ms < 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{:.0} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(records: i64, succeeded: i64, mean_ms: Option<f64>) -> DayRow {
        DayRow {
            source_id: 1,
            bucket: 0,
            records,
            succeeded,
            failed: 0,
            mean_ms,
        }
    }

    #[test]
    fn a_quiet_day_alerts_only_where_days_usually_move_records() {
        let mut rows: Vec<DayRow> = (0..8).map(|i| day(100 + i * 3, 2, None)).collect();
        assert_eq!(no_records(&rows), None, "ordinary days");
        rows.push(day(0, 2, None));
        let usual = no_records(&rows).expect("a day of nothing after busy days");
        // The baseline's middle day of records per sync (days 0–5 of 2 syncs each: 50 … 57.5).
        assert_eq!(usual, 109.0 / 2.0);
        rows.push(day(40, 1, None));
        assert_eq!(no_records(&rows), None, "records again clear it");
        let sporadic: Vec<DayRow> = [0, 30, 0, 0, 50, 0, 0].iter().map(|r| day(*r, 1, None)).collect();
        assert_eq!(
            no_records(&sporadic),
            None,
            "a source that is often quiet is not alarming when quiet"
        );
    }

    #[test]
    fn a_slower_day_alerts_against_the_median_of_the_days_before() {
        let mut rows: Vec<DayRow> = [10_000.0, 11_000.0, 9500.0, 10_500.0, 10_000.0, 9800.0]
            .iter()
            .map(|ms| day(10, 1, Some(*ms)))
            .collect();
        assert_eq!(slower(&rows), None, "the window is not full before a 7th day");
        rows.push(day(10, 1, Some(10_400.0)));
        assert_eq!(slower(&rows), None);
        rows.push(day(10, 1, Some(60_000.0)));
        let (latest, usual) = slower(&rows).expect("a jump");
        assert_eq!(latest, 60_000.0);
        assert_eq!(
            usual, 10_200.0,
            "the median of the six days before: 10,000 and 10,400 → 10,200"
        );
        let fast: Vec<DayRow> = [200.0, 210.0, 190.0, 200.0, 205.0, 195.0, 2000.0]
            .iter()
            .map(|ms| day(10, 1, Some(*ms)))
            .collect();
        assert_eq!(
            slower(&fast),
            None,
            "ten times slower, but under a few seconds: no alert"
        );
    }

    #[test]
    fn settings_out_of_range_are_refused_and_missing_fields_take_defaults() {
        assert!(AlertSettings::default().check().is_ok());
        let bad = AlertSettings {
            failure_share: Some(1.5),
            ..AlertSettings::default()
        };
        assert!(bad.check().is_err());
        let bad = AlertSettings {
            failing_streak: Some(0),
            ..AlertSettings::default()
        };
        assert!(bad.check().is_err());
        let partial: AlertSettings = serde_json::from_str(r#"{"slower": false}"#).unwrap();
        assert_eq!(
            partial,
            AlertSettings {
                slower: false,
                ..AlertSettings::default()
            }
        );
    }
}
