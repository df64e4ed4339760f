//! The body of `googleAds:searchStream`: ONE JSON array of batches,
//! `[{"results":[…],"fieldMask","requestId"}, …]`, at most 10,000 results a batch, written
//! as the rows are generated (chunked), so a year of 500 campaigns streams in constant
//! memory. The last batch carries `queryResourceConsumption`. A `stream_cut` fault ends
//! the body after N complete batches, in the middle of the array, by failing the body:
//! hyper then drops the connection without the final chunk, as a reset stream would.
//! With latency on, each batch after the first waits its rows' per-row latency, as a
//! server producing rows at a finite speed would.

use std::future::Future;
use std::iter::Peekable;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Bytes, HttpBody};
use hyper::body::Frame;
use serde_json::{json, Value};
use tokio::time::Sleep;

pub const BATCH: usize = 10_000;

pub type Rows = Box<dyn Iterator<Item = Value> + Send>;

#[derive(Debug)]
pub struct StreamCut;

impl std::fmt::Display for StreamCut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("searchStream cut by a stream_cut fault")
    }
}

impl std::error::Error for StreamCut {}

pub struct Batches {
    rows: Peekable<Rows>,
    field_mask: String,
    request_id: String,
    /// Complete batches to send before cutting (a `stream_cut` fault), if any.
    cut_after: Option<u64>,
    sent: u64,
    rows_sent: u64,
    done: bool,
    /// Set once the partial batch is out: the body fails when it fires, after hyper
    /// has had time to flush what was written.
    cutting: Option<Pin<Box<Sleep>>>,
    /// Latency per row (None = none); `pacing` is the wait before the next batch.
    per_row: Option<Duration>,
    pacing: Option<Pin<Box<Sleep>>>,
}

impl Batches {
    pub fn new(rows: Rows, field_mask: String, request_id: String, cut_after: Option<u64>) -> Batches {
        Batches {
            rows: rows.peekable(),
            field_mask,
            request_id,
            cut_after,
            sent: 0,
            rows_sent: 0,
            done: false,
            cutting: None,
            per_row: None,
            pacing: None,
        }
    }

    /// Paces batches: each waits its rows × `per_row` before the next is sent.
    pub fn paced(mut self, per_row: Option<Duration>) -> Batches {
        self.per_row = per_row.filter(|d| !d.is_zero());
        self
    }

    fn next_chunk(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        if let Some(n) = self.cut_after {
            let exhausted = self.sent > 0 && self.rows.peek().is_none();
            if self.sent >= n || exhausted {
                // Half a batch, then the connection goes.
                let open = if self.sent == 0 { "[" } else { "," };
                self.cutting = Some(Box::pin(tokio::time::sleep(Duration::from_millis(20))));
                return Some(Bytes::from(format!(
                    "{open}{{\"results\":[{{\"customer\":{{\"resourceName\":\"customers/"
                )));
            }
        }
        // Each row is written out as it is generated: a batch of 10,000 rows as one JSON tree
        // would cost the simulator a hundred megabytes.
        let mut results = String::new();
        let mut n = 0u32;
        for row in self.rows.by_ref().take(BATCH) {
            results.push(if n == 0 { '[' } else { ',' });
            results.push_str(&row.to_string());
            n += 1;
        }
        let last = self.rows.peek().is_none();
        self.rows_sent += u64::from(n);
        if let (Some(per_row), false) = (self.per_row, last) {
            let wait = per_row.saturating_mul(n);
            self.pacing = Some(Box::pin(tokio::time::sleep(wait)));
        }
        let mut obj = json!({});
        obj["fieldMask"] = json!(self.field_mask);
        obj["requestId"] = json!(self.request_id);
        if last {
            obj["queryResourceConsumption"] = json!((10 + self.rows_sent * 3).to_string());
        }
        let mut out = String::from(if self.sent == 0 { "[" } else { "," });
        let rest = obj.to_string();
        if n > 0 {
            // `{"results":[…],` then the other fields (without the object's own `{`).
            out.push_str("{\"results\":");
            out.push_str(&results);
            out.push_str("],");
            out.push_str(&rest[1..]);
        } else {
            out.push_str(&rest);
        }
        self.sent += 1;
        if last && self.cut_after.is_none() {
            out.push(']');
            self.done = true;
        }
        Some(Bytes::from(out))
    }
}

impl HttpBody for Batches {
    type Data = Bytes;
    type Error = StreamCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamCut>>> {
        let this = self.get_mut();
        if let Some(sleep) = this.pacing.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.pacing = None;
        }
        if let Some(sleep) = this.cutting.as_mut() {
            return match sleep.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => {
                    this.cutting = None;
                    this.done = true;
                    Poll::Ready(Some(Err(StreamCut)))
                }
            };
        }
        Poll::Ready(this.next_chunk().map(|b| Ok(Frame::data(b))))
    }
}
