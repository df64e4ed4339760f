//! The one HTTP client every connector uses: GET and POST with a JSON body and extra headers,
//! timeouts, retries with exponential backoff and full jitter that honour what the provider
//! says, per-connection pacing, concurrency caps and pauses, and errors that never carry a
//! secret. How to read a provider's answer — which failures are rate limits, quotas, fatal or
//! worth a retry — belongs to the provider: each request carries its connector's `Classify`.
//! Every wait is a sleep on the engine's `Clock`, so tests sleep through them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::clock::{Clock, Millis};

mod pace;

pub use pace::Pacing;
use pace::{Slots, Slowdown};

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest a request waits in place for a rate limit to lift; past it the job ends
    /// as rate-limited and the scheduler comes back later instead of holding a worker.
    pub max_wait: Duration,
    /// Concurrent requests per connection.
    pub per_connection_concurrency: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_wait: Duration::from_secs(90),
            per_connection_concurrency: 4,
        }
    }
}

/// What a rate limit or an exhausted quota holds back: the one account (a GA4 property's
/// tokens), everything on the connection, or every account of the provider (Google Ads'
/// developer-token limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseScope {
    Source,
    Connection,
    Provider,
}

impl PauseScope {
    pub fn as_str(self) -> &'static str {
        match self {
            PauseScope::Source => "source",
            PauseScope::Connection => "connection",
            PauseScope::Provider => "provider",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("cannot reach {host} ({detail}); check the network connection")]
    Offline { host: String, detail: String },
    #[error("{host} did not answer within {secs} s, {attempts} times")]
    Timeout { host: String, secs: u64, attempts: u32 },
    #[error("{host} is rate limiting requests ({message}); Freshboard will try again later")]
    RateLimited {
        host: String,
        retry_at: Option<Millis>,
        scope: PauseScope,
        message: String,
    },
    #[error("{host} rejected the credentials: {message}")]
    Unauthorized { host: String, message: String },
    #[error("{host} refused the request ({status}): {message}")]
    Rejected {
        host: String,
        status: u16,
        message: String,
    },
    #[error("{host} kept failing ({status}) after {attempts} attempts: {message}")]
    Server {
        host: String,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("{host} sent a response that cannot be read ({detail})")]
    BadBody { host: String, detail: String },
}

/// A response: its parsed body, or "not modified" for a conditional request.
#[derive(Debug)]
pub enum Fetched<T> {
    Body { body: T, headers: HeaderMap },
    NotModified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A provider's reading of an answer.
pub type Classify = fn(&Answer<'_>) -> Verdict;

/// What `Classify` sees of an answer.
pub struct Answer<'a> {
    pub status: StatusCode,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The engine's clock, for times the provider gives as dates or resets.
    pub now: Millis,
}

/// What an answer means for the request that got it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Success. `hold` pauses the connection before its next request: the provider said its
    /// budget is (nearly) spent until then.
    Ok { hold: Option<Duration> },
    /// Worth another attempt: after `after` when the provider said, else after a backoff.
    Retry { after: Option<Duration> },
    /// Rate limited: come back after `wait` (the provider's time, when it gave one). Short
    /// waits are waited out in place; long ones end the job until then.
    RateLimited {
        wait: Option<Duration>,
        scope: PauseScope,
    },
    /// The credentials were refused.
    Unauthorized,
    /// Refused for good (a bad request, no access): retrying would fail the same way.
    Rejected,
}

/// One request. `bearer` goes into the Authorization header and nowhere else: every message
/// made from an answer has it removed.
pub struct Request<'a> {
    pub method: Method,
    pub url: Url,
    pub json: Option<&'a serde_json::Value>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub bearer: &'a str,
    /// Other secrets the request carries (a developer token), removed from messages too.
    pub also_secret: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
    /// Whose pacing, concurrency cap and pauses apply: a connection (its id), or one
    /// source's own budget (minus its id: a GA4 property's tokens).
    pub gate: i64,
    pub pacing: Pacing,
    /// The API operation this is, for a provider that limits each on its own (`Pacing::per_endpoint`).
    pub endpoint: Option<&'a str>,
    pub classify: Classify,
    /// Where this request's attempts, retries and waits are counted (a job's).
    pub meter: Option<&'a Meter>,
}

/// What one job's requests cost: attempts sent, retries among them, and the time spent
/// waiting on rate limits (pauses and `Retry-After`; pacing is not a wait for a limit).
#[derive(Debug, Default)]
pub struct Meter {
    requests: AtomicU64,
    retries: AtomicU64,
    wait_ms: AtomicU64,
}

impl Meter {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    pub fn wait_ms(&self) -> u64 {
        self.wait_ms.load(Ordering::Relaxed)
    }
}

fn count(meter: Option<&Meter>, field: fn(&Meter) -> &AtomicU64, by: u64) {
    if let Some(meter) = meter {
        field(meter).fetch_add(by, Ordering::Relaxed);
    }
}

#[derive(Debug)]
pub struct Http {
    client: reqwest::Client,
    config: HttpConfig,
    clock: Arc<dyn Clock>,
    gates: Mutex<HashMap<i64, Arc<Gate>>>,
    requests: AtomicU64,
}

/// Per-connection state: a concurrency cap, pacing, and a pause set by the provider.
#[derive(Debug)]
struct Gate {
    permits: Semaphore,
    /// The permits it was given, so it can grow.
    capacity: Mutex<usize>,
    slots: Mutex<Slots>,
    paused_until: Mutex<Option<Millis>>,
    slowdown: Mutex<Slowdown>,
}

impl Http {
    pub fn new(config: HttpConfig, clock: Arc<dyn Clock>) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(concat!("Freshboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // A redirect could carry the Authorization header to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client builds");
        Self {
            client,
            config,
            clock,
            gates: Mutex::default(),
            requests: AtomicU64::new(0),
        }
    }

    /// The engine's clock, for connectors that wait on the provider's own work (Meta's
    /// report runs) rather than on a budget.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Requests sent so far (every attempt counts), for progress and benchmarks.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests one gate of this pacing may have in flight.
    pub fn in_flight(&self, pacing: Pacing) -> usize {
        match pacing.in_flight {
            0 => self.config.per_connection_concurrency,
            n => n as usize,
        }
    }

    /// A gate's state, made on first use; a pacing's `in_flight` raises its
    /// cap on requests in flight (a gate first made by a pause grows when its provider's
    /// requests come).
    fn gate(&self, gate: i64, pacing: Pacing) -> Arc<Gate> {
        let wanted = self.in_flight(pacing);
        let mut gates = self.gates.lock().expect("gates");
        let gate = gates
            .entry(gate)
            .or_insert_with(|| {
                Arc::new(Gate {
                    permits: Semaphore::new(wanted),
                    capacity: Mutex::new(wanted),
                    slots: Mutex::default(),
                    paused_until: Mutex::new(None),
                    slowdown: Mutex::default(),
                })
            })
            .clone();
        let mut capacity = gate.capacity.lock().expect("capacity");
        if wanted > *capacity {
            gate.permits.add_permits(wanted - *capacity);
            *capacity = wanted;
        }
        drop(capacity);
        gate
    }

    /// Holds a gate's requests until `until` (engine time).
    pub fn hold(&self, gate: i64, until: Millis) {
        let gate = self.gate(gate, Pacing::NONE);
        let mut paused = gate.paused_until.lock().expect("pause");
        *paused = Some(paused.map_or(until, |p| p.max(until)));
    }

    /// Whether the host answers HTTP at all (any status): the offline probe.
    pub async fn reachable(&self, url: &Url) -> bool {
        self.client
            .get(url.clone())
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .is_ok()
    }

    /// Sends a request and parses its JSON answer, retrying what can succeed on a retry.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: &Request<'_>,
    ) -> Result<Fetched<T>, HttpError> {
        let host = host_of(&request.url);
        let gate = self.gate(request.gate, request.pacing);
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Held for the attempt only: a request waiting out a backoff or its endpoint's
            // turn leaves the gate's hands to the others.
            let (paced_with, _permit) = self.wait_turn(&gate, request, &host).await?;
            let (wait, error) = match self.attempt(request, &host, &gate, paced_with).await {
                Attempt::Done(Ok((Some(bytes), headers))) => match serde_json::from_slice::<T>(&bytes) {
                    Ok(body) => return Ok(Fetched::Body { body, headers }),
                    // Truncated or malformed JSON is retried like a network hiccup; a body
                    // that parses but lacks what we need is not (it would fail again).
                    Err(e) if matches!(e.classify(), Category::Syntax | Category::Eof) => (
                        None,
                        HttpError::BadBody {
                            host: host.clone(),
                            detail: e.to_string(),
                        },
                    ),
                    Err(e) => {
                        return Err(HttpError::BadBody {
                            host,
                            detail: e.to_string(),
                        })
                    }
                },
                Attempt::Done(Ok((None, _))) => return Ok(Fetched::NotModified),
                Attempt::Done(Err(e)) => return Err(e),
                Attempt::Retry { after, error } => (after, error),
            };
            if attempt >= self.config.max_attempts {
                return Err(error);
            }
            let delay = wait.unwrap_or_default().max(self.backoff(attempt));
            if delay > self.config.max_wait {
                return Err(self.rate_limited(error, delay));
            }
            tracing::debug!(%host, attempt, delay_ms = delay.as_millis() as u64, %error, "retrying");
            count(request.meter, |m| &m.retries, 1);
            if matches!(error, HttpError::RateLimited { .. }) {
                count(request.meter, |m| &m.wait_ms, delay.as_millis() as u64);
            }
            self.clock.sleep(delay).await;
        }
    }

    /// A wait too long to sit through: the job ends, to come back at that time.
    fn rate_limited(&self, error: HttpError, wait: Duration) -> HttpError {
        let retry_at = Some(self.millis_from_now(wait));
        match error {
            HttpError::RateLimited {
                host, scope, message, ..
            } => HttpError::RateLimited {
                host,
                retry_at,
                scope,
                message,
            },
            // A server that asks to come back later (503 with Retry-After) is waited out the
            // same way, for the connection.
            other => HttpError::RateLimited {
                host: host_of_error(&other),
                retry_at,
                scope: PauseScope::Connection,
                message: other.to_string(),
            },
        }
    }

    /// Waits out a pause, the request's endpoint turn, a permit of the gate and its pacing;
    /// the slowdown divisor it was paced at, and the permit to send under.
    async fn wait_turn<'g>(
        &self,
        gate: &'g Gate,
        request: &Request<'_>,
        host: &str,
    ) -> Result<(u32, SemaphorePermit<'g>), HttpError> {
        let now = self.clock.now_millis();
        let paused = *gate.paused_until.lock().expect("pause");
        if let Some(until) = paused.filter(|until| *until > now) {
            let wait = Duration::from_millis((until - now) as u64);
            if wait > self.config.max_wait {
                return Err(HttpError::RateLimited {
                    host: host.to_owned(),
                    retry_at: Some(until),
                    scope: if request.gate < 0 {
                        PauseScope::Source
                    } else {
                        PauseScope::Connection
                    },
                    message: "the request budget is spent until then".into(),
                });
            }
            count(request.meter, |m| &m.wait_ms, wait.as_millis() as u64);
            self.clock.sleep(wait).await;
        }
        let pacing = request.pacing;
        let divisor = || {
            gate.slowdown
                .lock()
                .expect("slowdown")
                .divisor(self.clock.now_millis())
        };
        loop {
            let paced_with = divisor();
            // The endpoint's own limit first, then a permit, then the credential's pace: each
            // booked when the request can use it.
            if let (Some(endpoint), rate @ 1..) = (request.endpoint, pacing.per_endpoint) {
                let now = self.clock.now_millis() as f64;
                let slot = gate
                    .slots
                    .lock()
                    .expect("pacing")
                    .book_endpoint(endpoint, rate, paced_with, now);
                self.sleep_until(slot).await;
            }
            let permit = gate.permits.acquire().await.expect("semaphore open");
            if pacing.per_second > 0 {
                let now = self.clock.now_millis() as f64;
                let slot = gate
                    .slots
                    .lock()
                    .expect("pacing")
                    .book_gate(pacing.per_second, paced_with, now);
                self.sleep_until(slot).await;
            }
            // Halved while it waited: a turn booked at the pace that was refused is booked
            // again at the new one.
            if divisor() == paced_with {
                return Ok((paced_with, permit));
            }
        }
    }

    /// One attempt; `paced_with` is the slowdown its turn was paced at.
    async fn attempt(&self, request: &Request<'_>, host: &str, gate: &Gate, paced_with: u32) -> Attempt {
        let mut builder = match request.method {
            Method::Get => self.client.get(request.url.clone()),
            Method::Post => self.client.post(request.url.clone()),
        };
        if let Some(json) = request.json {
            builder = builder.json(json);
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", request.bearer))
            .unwrap_or(HeaderValue::from_static(""));
        auth.set_sensitive(true);
        builder = builder.header(AUTHORIZATION, auth);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(etag) = request.if_none_match {
            if let Ok(value) = HeaderValue::from_str(etag) {
                builder = builder.header(IF_NONE_MATCH, value);
            }
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        count(request.meter, |m| &m.requests, 1);
        let response = match builder.send().await {
            Ok(response) => response,
            Err(e) => return self.transport_error(e, host, request),
        };
        let status = response.status();
        let headers = response.headers().clone();
        if status == StatusCode::NOT_MODIFIED {
            return Attempt::Done(Ok((None, headers)));
        }
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return self.transport_error(e, host, request),
        };
        let now = self.clock.now_millis();
        let answer = Answer {
            status,
            headers: &headers,
            body: &bytes,
            now,
        };
        let verdict = if status.is_success() {
            (request.classify)(&answer)
        } else {
            match (request.classify)(&answer) {
                // A classifier that calls a failure success would hide it.
                Verdict::Ok { .. } => default_failure(status),
                other => other,
            }
        };
        let message = || redact(&error_message(&bytes, status), request);
        let host = host.to_owned();
        let code = status.as_u16();
        match verdict {
            Verdict::Ok { hold } => {
                if let Some(hold) = hold {
                    *gate.paused_until.lock().expect("pause") = Some(now + hold.as_millis() as i64);
                }
                Attempt::Done(Ok((Some(bytes), headers)))
            }
            Verdict::RateLimited { wait, scope } => {
                // Only a connection-wide limit holds the connection's other requests back; an
                // account's quota (one GA4 property) must not stop its siblings.
                if let (Some(wait), PauseScope::Connection) = (wait, scope) {
                    *gate.paused_until.lock().expect("pause") = Some(now + wait.as_millis() as i64);
                }
                if scope == PauseScope::Connection && request.pacing.is_paced() {
                    if let Some(divisor) = gate
                        .slowdown
                        .lock()
                        .expect("slowdown")
                        .rate_limited(paced_with, now)
                    {
                        let pace = f64::from(request.pacing.per_second) / f64::from(divisor);
                        tracing::warn!(%host, requests_per_sec = pace, "rate limited: pace halved for 10 minutes");
                    }
                }
                let message = message();
                let error = HttpError::RateLimited {
                    host,
                    retry_at: wait.map(|w| now + w.as_millis() as i64),
                    scope,
                    message,
                };
                match (wait, scope) {
                    // A quota spent until a set time is not retried in place: the job ends and
                    // comes back then, and other accounts go on meanwhile.
                    (Some(_), PauseScope::Source | PauseScope::Provider) => Attempt::Done(Err(error)),
                    _ => Attempt::Retry { after: wait, error },
                }
            }
            Verdict::Unauthorized => Attempt::Done(Err(HttpError::Unauthorized {
                host,
                message: message(),
            })),
            Verdict::Retry { after } => Attempt::Retry {
                after,
                error: HttpError::Server {
                    host,
                    status: code,
                    attempts: self.config.max_attempts,
                    message: message(),
                },
            },
            Verdict::Rejected => Attempt::Done(Err(HttpError::Rejected {
                host,
                status: code,
                message: message(),
            })),
        }
    }

    fn transport_error(&self, e: reqwest::Error, host: &str, request: &Request<'_>) -> Attempt {
        let host = host.to_owned();
        let detail = redact(&without_url(&e), request);
        if e.is_connect() {
            // Refused, unreachable, or a name that does not resolve: retrying at once will
            // not help; the scheduler's offline probe decides when to try again.
            return Attempt::Done(Err(HttpError::Offline { host, detail }));
        }
        let error = if e.is_timeout() {
            HttpError::Timeout {
                host,
                secs: self.config.request_timeout.as_secs(),
                attempts: self.config.max_attempts,
            }
        } else {
            HttpError::BadBody { host, detail }
        };
        Attempt::Retry { after: None, error }
    }

    async fn sleep_until(&self, slot: f64) {
        let wait = slot - self.clock.now_millis() as f64;
        if wait > 0.0 {
            self.clock.sleep(Duration::from_secs_f64(wait / 1000.0)).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff(&self.config, attempt, fastrand::f64())
    }

    fn millis_from_now(&self, d: Duration) -> Millis {
        self.clock.now_millis() + d.as_millis() as i64
    }
}

/// Exponential, capped, with full jitter (`jitter` in 0..1): clients that failed together do
/// not retry together.
fn backoff(config: &HttpConfig, attempt: u32, jitter: f64) -> Duration {
    let ceiling = config
        .base_backoff
        .saturating_mul(1 << attempt.min(16))
        .min(config.max_backoff);
    ceiling.mul_f64(jitter)
}

enum Attempt {
    Done(Result<(Option<bytes::Bytes>, HeaderMap), HttpError>),
    Retry {
        after: Option<Duration>,
        error: HttpError,
    },
}

/// How an HTTP failure reads when the provider says nothing more specific.
fn default_failure(status: StatusCode) -> Verdict {
    match status {
        StatusCode::TOO_MANY_REQUESTS => Verdict::RateLimited {
            wait: None,
            scope: PauseScope::Connection,
        },
        StatusCode::UNAUTHORIZED => Verdict::Unauthorized,
        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => Verdict::Retry { after: None },
        _ => Verdict::Rejected,
    }
}

/// The reading every provider starts from: 429 (with `Retry-After`) is a rate limit of the
/// connection, 401 refused credentials, 5xx and 408 worth a retry, other 4xx final.
pub fn classify_status(answer: &Answer<'_>) -> Verdict {
    if answer.status.is_success() {
        return Verdict::Ok { hold: None };
    }
    let retry_after = retry_after(answer);
    match default_failure(answer.status) {
        Verdict::RateLimited { scope, .. } => Verdict::RateLimited {
            wait: retry_after,
            scope,
        },
        Verdict::Retry { .. } => Verdict::Retry { after: retry_after },
        other => other,
    }
}

/// `Retry-After`: delay-seconds or an HTTP date (against the engine's clock).
pub fn retry_after(answer: &Answer<'_>) -> Option<Duration> {
    let value = answer.headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, answer.now)
}

fn parse_retry_after(value: &str, now: Millis) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    Some(Duration::from_millis((at.timestamp_millis() - now).max(0) as u64))
}

/// The provider's own words: `error.message` (Stripe, Google, Meta), `message` (GitHub), else
/// the status.
fn error_message(body: &[u8], status: StatusCode) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let message = json["error"]["message"]
        .as_str()
        .or_else(|| json["message"].as_str())
        .or_else(|| json[0]["error"]["message"].as_str());
    match message {
        Some(m) => m.chars().take(300).collect(),
        None => format!("HTTP {status}, no details given"),
    }
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => url.to_string(),
    }
}

fn host_of_error(e: &HttpError) -> String {
    match e {
        HttpError::Offline { host, .. }
        | HttpError::Timeout { host, .. }
        | HttpError::RateLimited { host, .. }
        | HttpError::Unauthorized { host, .. }
        | HttpError::Rejected { host, .. }
        | HttpError::Server { host, .. }
        | HttpError::BadBody { host, .. } => host.clone(),
    }
}

/// reqwest's Display includes the URL; keep messages short, and free of any query string.
fn without_url(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut innermost = e.to_string();
    while let Some(err) = source {
        innermost = err.to_string();
        source = err.source();
    }
    innermost
}

/// Removes the request's secrets from a text that may echo them (some providers quote the key
/// back, in an error or a redirect address).
fn redact(text: &str, request: &Request<'_>) -> String {
    let mut text = text.to_owned();
    for secret in [Some(request.bearer), request.also_secret].into_iter().flatten() {
        if secret.len() >= 8 {
            text = text.replace(secret, "[redacted]");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date_against_the_engine_clock() {
        let now = chrono::DateTime::parse_from_rfc2822("Wed, 21 Oct 2015 07:28:00 GMT")
            .unwrap()
            .timestamp_millis();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn error_messages_come_from_the_provider_body() {
        let s = StatusCode::BAD_REQUEST;
        assert_eq!(
            error_message(br#"{"error":{"message":"No such charge"}}"#, s),
            "No such charge"
        );
        assert_eq!(
            error_message(br#"{"message":"Bad credentials"}"#, s),
            "Bad credentials"
        );
        assert_eq!(
            error_message(br#"[{"error":{"code":429,"message":"Too many"}}]"#, s),
            "Too many"
        );
        assert_eq!(
            error_message(b"<html>502</html>", StatusCode::BAD_GATEWAY),
            "HTTP 502 Bad Gateway, no details given"
        );
    }

    #[test]
    fn backoff_grows_exponentially_up_to_its_ceiling_with_full_jitter() {
        let config = HttpConfig::default();
        // The ceiling doubles per attempt from the base (500 ms), then stops at 30 s.
        let ceilings: Vec<Duration> = (1..=8).map(|a| backoff(&config, a, 1.0)).collect();
        assert_eq!(ceilings[0], Duration::from_secs(1));
        assert_eq!(ceilings[1], Duration::from_secs(2));
        assert_eq!(ceilings[2], Duration::from_secs(4));
        assert_eq!(ceilings[5], Duration::from_secs(30));
        assert_eq!(ceilings[7], Duration::from_secs(30));
        // Full jitter spreads a retry anywhere below the ceiling, down to no wait at all.
        assert_eq!(backoff(&config, 3, 0.0), Duration::ZERO);
        assert_eq!(backoff(&config, 3, 0.5), Duration::from_secs(2));
    }

    #[test]
    fn redaction_removes_every_secret_a_request_carries() {
        let request = Request {
            method: Method::Get,
            url: Url::parse("http://127.0.0.1/").unwrap(),
            json: None,
            headers: vec![],
            bearer: "rk_live_supersecret",
            also_secret: Some("dev-token-12345"),
            if_none_match: None,
            gate: 1,
            pacing: Pacing::NONE,
            endpoint: None,
            classify: classify_status,
            meter: None,
        };
        assert_eq!(
            redact(
                "Invalid key rk_live_supersecret (dev dev-token-12345) at /x?key=rk_live_supersecret",
                &request
            ),
            "Invalid key [redacted] (dev [redacted]) at /x?key=[redacted]"
        );
    }
}
