//! A stream's pages: fetched from its cursor (one after another, or its slices at once) and
//! committed in batches with the cursor that follows them, while the next pages are fetched.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::slices::{Sliced, Slices};
use super::{Job, Lead, StreamError, StreamReport, SyncProgress};
use crate::connector::{ConnectorError, Page};
use crate::error::Result;
use crate::http::Meter;
use crate::store::Segment;

impl Job<'_> {
    /// Settles whether the other streams go, once.
    pub(super) fn lead(&self, lead: Lead) {
        self.lead.send_if_modified(|now| {
            let open = *now == Lead::Pending;
            if open {
                *now = lead;
            }
            open
        });
    }

    async fn fetch(
        &self,
        stream: &str,
        cursor: Option<serde_json::Value>,
        meter: &Meter,
    ) -> Result<Page, ConnectorError> {
        let reach = self.reach.lock().expect("reach").clone();
        let ctx = self.engine.context(self.source, &reach, self.pacing, Some(meter));
        self.source
            .provider
            .connector()
            .api
            .next_page(&ctx, stream, cursor)
            .await
    }

    /// Commits a batch on its own task, so fetching goes on meanwhile.
    fn spawn_commit(&self, stream: &str, batch: Batch) -> InFlight {
        let store = self.engine.store.clone();
        let (job_id, stream) = (self.job_id, stream.to_owned());
        let source = (self.source.id, self.source.client_id);
        let now = self.engine.clock.now_millis();
        let (records, pages) = (batch.records(), batch.pages);
        let task = tokio::spawn(async move {
            let started = Instant::now();
            store
                .commit_pages(
                    job_id,
                    source,
                    &stream,
                    &batch.segments,
                    &batch.cursor,
                    batch.pages,
                    now,
                )
                .await?;
            Ok(started.elapsed())
        });
        InFlight { task, records, pages }
    }

    /// Waits for a commit and counts what it stored.
    async fn land(&self, stream: &str, in_flight: InFlight, tally: &mut Tally) -> Result<()> {
        let spent = in_flight.task.await.expect("commit task ran to completion")?;
        tally.storing += spent;
        tally.counts.pages += in_flight.pages;
        tally.counts.records += in_flight.records;
        let progress = SyncProgress {
            source_id: self.source.id,
            stream: stream.to_owned(),
            records: self.records.fetch_add(in_flight.records, Ordering::Relaxed) + in_flight.records,
            pages: self.pages.fetch_add(in_flight.pages, Ordering::Relaxed) + in_flight.pages,
        };
        if let Some(listener) = self.progress {
            let _ = listener.send(progress.clone());
        }
        self.engine.emit(crate::EngineEvent::Progress(progress));
        Ok(())
    }

    /// Adds a fetched page to the batch with the cursor that follows it; a full batch is
    /// committed while the next pages are fetched. At most one commit is in flight and they
    /// land in order, so a crash loses only uncommitted batches, which the stored cursor
    /// fetches again.
    async fn add(
        &self,
        stream: &str,
        commits: &mut Commits,
        page: Page,
        cursor: serde_json::Value,
        tally: &mut Tally,
    ) -> Result<()> {
        commits.batch.get_or_insert_with(Batch::default).add(page, cursor);
        if commits
            .batch
            .as_ref()
            .is_some_and(|b| b.records() >= BATCH_ROWS as u64)
        {
            if let Some(previous) = commits.in_flight.take() {
                self.land(stream, previous, tally).await?;
            }
            let full = commits.batch.take().expect("a full batch");
            commits.in_flight = Some(self.spawn_commit(stream, full));
        }
        Ok(())
    }

    /// Commits whatever is left, in order.
    async fn flush(&self, stream: &str, mut commits: Commits, tally: &mut Tally) -> Result<()> {
        if let Some(previous) = commits.in_flight.take() {
            self.land(stream, previous, tally).await?;
        }
        if let Some(rest) = commits.batch.take() {
            let last = self.spawn_commit(stream, rest);
            self.land(stream, last, tally).await?;
        }
        Ok(())
    }

    /// Pages through one stream, in batches committed with their cursor; a failure keeps
    /// every page before it. A walk the connector hands over as slices goes on in
    /// `walk_slices` and, once they are done, here again.
    pub(super) async fn sync_stream(
        &self,
        stream: &str,
        tally: &mut Tally,
        meter: &Meter,
    ) -> Result<StreamEnd> {
        let mut commits = Commits::default();
        let mut cursor = self.engine.store.stream_cursor(self.source.id, stream).await?;
        let mut pages_fetched = 0;
        let outcome = loop {
            if let Some(sliced) = cursor.as_ref().and_then(Sliced::read) {
                match self
                    .walk_slices(stream, sliced, meter, &mut commits, tally, &mut pages_fetched)
                    .await?
                {
                    Ok(then) => {
                        cursor = Some(then);
                        continue;
                    }
                    Err(end) => break end,
                }
            }
            if self.engine.cancel_requested(self.job_id) {
                break StreamEnd::Cancelled;
            }
            let asked = Instant::now();
            let fetched = self.fetch(stream, cursor.take(), meter).await;
            tally.fetching += asked.elapsed();
            let page = match fetched {
                Ok(page) => {
                    self.lead(Lead::Go);
                    page
                }
                Err(error) => break self.failed(stream, pages_fetched + 1, error),
            };
            pages_fetched += 1;
            let ends = page.done && page.slices.is_empty();
            let next = if page.slices.is_empty() {
                page.cursor.clone()
            } else {
                serde_json::to_value(Sliced {
                    slices: page.slices.clone(),
                    then: page.cursor.clone(),
                    done: page.done,
                })
                .expect("cursor serializes")
            };
            cursor = Some(next.clone());
            self.add(stream, &mut commits, page, next, tally).await?;
            if ends {
                break StreamEnd::Done;
            }
        };
        self.flush(stream, commits, tally).await?;
        Ok(outcome)
    }

    /// Walks the slices of a stream at once, as many as the gate may have in flight; every
    /// page lands in the batch with the cursor of all slices after it. `Ok(then)`: every
    /// slice is done and the stream goes on from `then` (or ends there: `Err(Done)`).
    async fn walk_slices(
        &self,
        stream: &str,
        sliced: Sliced,
        meter: &Meter,
        commits: &mut Commits,
        tally: &mut Tally,
        pages_fetched: &mut u64,
    ) -> Result<std::result::Result<serde_json::Value, StreamEnd>> {
        let api = self.source.provider.connector().api;
        let width = self.engine.http.in_flight(self.pacing);
        let mut slices = Slices::new(sliced);
        let mut pending = FuturesUnordered::new();
        loop {
            if self.engine.cancel_requested(self.job_id) {
                return Ok(Err(StreamEnd::Cancelled));
            }
            for (id, cursor) in slices.dispatch(api, stream, width) {
                pending.push(async move { (id, self.fetch(stream, Some(cursor), meter).await) });
            }
            let asked = Instant::now();
            let next = pending.next().await;
            tally.fetching += asked.elapsed();
            let Some((id, fetched)) = next else {
                debug_assert!(slices.is_empty());
                return Ok(match slices.then() {
                    (_, true) => Err(StreamEnd::Done),
                    (then, false) => Ok(then),
                });
            };
            *pages_fetched += 1;
            match fetched {
                Ok(page) => {
                    slices.landed(api, stream, id, &page);
                    self.add(stream, commits, page, slices.cursor(), tally).await?;
                }
                // The pages in flight are dropped: their slices' cursors have not moved.
                Err(error) => return Ok(Err(self.failed(stream, *pages_fetched, error))),
            }
        }
    }

    fn failed(&self, stream: &str, page: u64, error: ConnectorError) -> StreamEnd {
        StreamEnd::Failed(StreamError {
            provider: self.source.provider,
            stream: stream.to_owned(),
            page,
            error,
        })
    }
}

/// What one stream stored and the time it spent waiting for pages and for commits.
pub(super) struct Tally {
    pub counts: StreamReport,
    pub fetching: Duration,
    pub storing: Duration,
}

/// A stream's batch being filled and the commit in flight before it.
#[derive(Default)]
pub(super) struct Commits {
    batch: Option<Batch>,
    in_flight: Option<InFlight>,
}

/// How a stream's walk ended. Pages fetched before a failure or a cancel are committed.
pub(super) enum StreamEnd {
    Done,
    Failed(StreamError),
    Cancelled,
}

pub(super) struct InFlight {
    task: tokio::task::JoinHandle<Result<Duration>>,
    records: u64,
    pages: u64,
}

/// Pages of a stream fetched but not yet committed, with the cursor that follows them.
#[derive(Default)]
pub(super) struct Batch {
    segments: Vec<Segment>,
    cursor: serde_json::Value,
    pages: u64,
}

impl Batch {
    fn add(&mut self, page: Page, cursor: serde_json::Value) {
        match self.segments.last_mut() {
            // Rows that replace nothing join the previous page's rows.
            Some(last) if page.replace.is_none() && std::ptr::eq(last.rows.table, page.rows.table) => {
                last.rows.rows.extend(page.rows.rows)
            }
            _ => self.segments.push(Segment {
                replace: page.replace,
                rows: page.rows,
            }),
        }
        self.cursor = cursor;
        self.pages += 1;
    }

    fn records(&self) -> u64 {
        self.segments.iter().map(|s| s.rows.len() as u64).sum()
    }
}

/// Rows per transaction: large enough that per-commit work (index pages rewritten, WAL
/// frames) is small next to the rows, small enough that a crash re-fetches little.
const BATCH_ROWS: usize = 1000;
