//! How fresh each source and client is, in the words the UI shows: computed from stream
//! state, live jobs, the connection and whether the engine is offline.

use serde::Serialize;
use sqlx::FromRow;
use ts_rs::TS;

use crate::clock::Millis;
use crate::error::Result;
use crate::Engine;

/// Ordered from the state that matters most to a person to the least: a client shows the
/// first state any of its sources is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FreshnessState {
    NeedsReauth,
    Offline,
    Failed,
    Refreshing,
    NeverSynced,
    Stale,
    Fresh,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SourceFreshness {
    #[ts(type = "number")]
    pub source_id: i64,
    pub state: FreshnessState,
    /// The oldest of its streams' last successes: the data is at least this fresh.
    #[ts(type = "number | null")]
    pub last_synced_at: Option<Millis>,
    #[ts(type = "number | null")]
    pub last_attempt_at: Option<Millis>,
    /// The last error, in words, when a stream failed.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientFreshness {
    #[ts(type = "number")]
    pub client_id: i64,
    /// `None` when the client has no sources yet.
    pub state: Option<FreshnessState>,
    #[ts(type = "number | null")]
    pub last_synced_at: Option<Millis>,
    pub sources: Vec<SourceFreshness>,
}

#[derive(FromRow)]
struct Row {
    source_id: i64,
    staleness_minutes: i64,
    connection_status: Option<String>,
    live_jobs: i64,
    streams: i64,
    never_synced_streams: i64,
    failed_streams: i64,
    oldest_synced: Option<Millis>,
    last_attempt: Option<Millis>,
    last_error: Option<String>,
}

impl Engine {
    pub async fn client_freshness(&self, client_id: i64) -> Result<ClientFreshness> {
        self.client(client_id).await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT s.id AS source_id, s.staleness_minutes, c.status AS connection_status, \
               (SELECT COUNT(*) FROM jobs j WHERE j.source_id = s.id AND j.state IN ('queued', 'running')) AS live_jobs, \
               (SELECT COUNT(*) FROM stream_state st WHERE st.source_id = s.id) AS streams, \
               (SELECT COUNT(*) FROM stream_state st WHERE st.source_id = s.id AND st.last_synced_at IS NULL) AS never_synced_streams, \
               (SELECT COUNT(*) FROM stream_state st WHERE st.source_id = s.id AND st.refresh_status = 'failed') AS failed_streams, \
               (SELECT MIN(st.last_synced_at) FROM stream_state st WHERE st.source_id = s.id) AS oldest_synced, \
               (SELECT MAX(st.last_attempt_at) FROM stream_state st WHERE st.source_id = s.id) AS last_attempt, \
               (SELECT st.last_error FROM stream_state st WHERE st.source_id = s.id AND st.refresh_status = 'failed' \
                  ORDER BY st.last_attempt_at DESC LIMIT 1) AS last_error \
             FROM sources s LEFT JOIN connections c ON c.id = s.connection_id \
             WHERE s.client_id = ? AND s.enabled = 1 ORDER BY s.id",
        )
        .bind(client_id)
        .fetch_all(self.store.reader())
        .await?;
        let now = self.clock.now_millis();
        let offline = self.is_offline();
        let sources: Vec<SourceFreshness> = rows
            .into_iter()
            .map(|r| {
                let never = r.streams == 0 || r.never_synced_streams == r.streams;
                // A source being retried shows as refreshing rather than failed; offline
                // says why nothing refreshes.
                let state = if matches!(r.connection_status.as_deref(), Some("needs_reauth" | "revoked")) {
                    FreshnessState::NeedsReauth
                } else if offline {
                    FreshnessState::Offline
                } else if r.live_jobs > 0 {
                    FreshnessState::Refreshing
                } else if r.failed_streams > 0 {
                    FreshnessState::Failed
                } else if never {
                    FreshnessState::NeverSynced
                } else if r.never_synced_streams > 0
                    || r.oldest_synced.unwrap_or(0) < now - r.staleness_minutes * 60_000
                {
                    FreshnessState::Stale
                } else {
                    FreshnessState::Fresh
                };
                SourceFreshness {
                    source_id: r.source_id,
                    state,
                    last_synced_at: if r.never_synced_streams > 0 {
                        None
                    } else {
                        r.oldest_synced
                    },
                    last_attempt_at: r.last_attempt,
                    error: r.last_error,
                }
            })
            .collect();
        Ok(ClientFreshness {
            client_id,
            state: sources.iter().map(|s| s.state).min(),
            last_synced_at: sources.iter().map(|s| s.last_synced_at).min().flatten(),
            sources,
        })
    }
}
