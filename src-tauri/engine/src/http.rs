//! The one HTTP client every connector uses: timeouts, retries with exponential backoff and
//! full jitter that honour `Retry-After`, provider rate-limit headers read on every response
//! (errors too), per-connection pacing and concurrency caps, and errors that never carry a
//! secret. Connectors only build URLs and parse bodies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use tokio::sync::Semaphore;

use crate::clock::Millis;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest a request waits in place for a rate limit to lift; past it the job fails
    /// as rate-limited and the scheduler retries it later instead of holding a worker.
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("cannot reach {host} ({detail}); check the network connection")]
    Offline { host: String, detail: String },
    #[error("{host} did not answer within {secs} s, {attempts} times")]
    Timeout { host: String, secs: u64, attempts: u32 },
    #[error("{host} is rate limiting requests; Freshboard will try again later")]
    RateLimited { host: String, retry_at: Option<Millis> },
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

impl HttpError {
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, HttpError::RateLimited { .. })
    }
}

/// A response: its parsed body, or "not modified" for a conditional request.
#[derive(Debug)]
pub enum Fetched<T> {
    Body { body: T, headers: HeaderMap },
    NotModified,
}

/// One GET. `secret` goes into the Authorization header and nowhere else.
pub struct Get<'a> {
    pub url: Url,
    pub connection: i64,
    pub auth: Auth<'a>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub if_none_match: Option<&'a str>,
    /// Pacing for this connection, requests per second (0 = none).
    pub requests_per_sec: u32,
}

#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Bearer(&'a str),
}

#[derive(Debug)]
pub struct Http {
    client: reqwest::Client,
    config: HttpConfig,
    connections: Mutex<HashMap<i64, Arc<ConnectionGate>>>,
    requests: AtomicU64,
}

/// Per-connection state: a concurrency cap, pacing, and a pause set by rate-limit headers.
#[derive(Debug)]
struct ConnectionGate {
    permits: Semaphore,
    next_slot: Mutex<Instant>,
    paused_until: Mutex<Option<Instant>>,
}

impl Http {
    pub fn new(config: HttpConfig) -> Self {
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
            connections: Mutex::default(),
            requests: AtomicU64::new(0),
        }
    }

    /// Requests sent so far (every attempt counts), for progress and benchmarks.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn gate(&self, connection: i64) -> Arc<ConnectionGate> {
        let mut gates = self.connections.lock().expect("gates");
        gates
            .entry(connection)
            .or_insert_with(|| {
                Arc::new(ConnectionGate {
                    permits: Semaphore::new(self.config.per_connection_concurrency),
                    next_slot: Mutex::new(Instant::now()),
                    paused_until: Mutex::new(None),
                })
            })
            .clone()
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

    /// GETs and parses JSON, retrying what can succeed on a retry.
    pub async fn get_json<T: DeserializeOwned>(&self, get: &Get<'_>) -> Result<Fetched<T>, HttpError> {
        let host = host_of(&get.url);
        let gate = self.gate(get.connection);
        let _permit = gate.permits.acquire().await.expect("semaphore open");
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_turn(&gate, get.requests_per_sec, &host).await?;
            let (wait, error) = match self.attempt(get, &host).await {
                Attempt::Done(Ok((Some(bytes), headers))) => match serde_json::from_slice::<T>(&bytes) {
                    Ok(body) => return Ok(Fetched::Body { body, headers }),
                    // Truncated or malformed JSON is retried like a network hiccup; a body
                    // that parses but lacks what we need is not (it would fail again).
                    Err(e) if matches!(e.classify(), Category::Syntax | Category::Eof) => (
                        Wait::default(),
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
                Attempt::Retry { wait, error } => (wait, error),
            };
            if let Some(pause) = wait.pause_connection {
                *gate.paused_until.lock().expect("pause") = Some(Instant::now() + pause);
            }
            if attempt >= self.config.max_attempts {
                return Err(error);
            }
            let delay = wait.at_least.unwrap_or_default().max(self.backoff(attempt));
            if delay > self.config.max_wait {
                return Err(HttpError::RateLimited {
                    host,
                    retry_at: Some(millis_from_now(delay)),
                });
            }
            tracing::debug!(%host, attempt, delay_ms = delay.as_millis() as u64, %error, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn wait_turn(
        &self,
        gate: &ConnectionGate,
        requests_per_sec: u32,
        host: &str,
    ) -> Result<(), HttpError> {
        let paused = gate.paused_until.lock().expect("pause").take();
        if let Some(until) = paused {
            let wait = until.saturating_duration_since(Instant::now());
            if wait > self.config.max_wait {
                *gate.paused_until.lock().expect("pause") = Some(until);
                return Err(HttpError::RateLimited {
                    host: host.to_owned(),
                    retry_at: Some(millis_from_now(wait)),
                });
            }
            tokio::time::sleep(wait).await;
        }
        if requests_per_sec > 0 {
            let interval = Duration::from_secs(1) / requests_per_sec;
            let slot = {
                let mut next = gate.next_slot.lock().expect("pacing");
                let slot = (*next).max(Instant::now());
                *next = slot + interval;
                slot
            };
            tokio::time::sleep_until(slot.into()).await;
        }
        Ok(())
    }

    async fn attempt(&self, get: &Get<'_>, host: &str) -> Attempt {
        let mut request = self.client.get(get.url.clone());
        let Auth::Bearer(secret) = get.auth;
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {secret}")).unwrap_or(HeaderValue::from_static(""));
        auth.set_sensitive(true);
        request = request.header(AUTHORIZATION, auth);
        for (name, value) in &get.headers {
            request = request.header(name, value);
        }
        if let Some(etag) = get.if_none_match {
            if let Ok(value) = HeaderValue::from_str(etag) {
                request = request.header(IF_NONE_MATCH, value);
            }
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return self.transport_error(e, host, get),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let limits = RateLimitHeaders::read(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return Attempt::Done(Ok((None, headers)));
        }
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return self.transport_error(e, host, get),
        };
        if status.is_success() {
            // Spent the last request of the window: the next one waits for the reset.
            let pause = (limits.remaining == Some(0))
                .then(|| limits.until_reset())
                .flatten();
            if let Some(pause) = pause {
                let gate = self.gate(get.connection);
                *gate.paused_until.lock().expect("pause") = Some(Instant::now() + pause);
            }
            return Attempt::Done(Ok((Some(bytes), headers)));
        }
        let message = redact(&error_message(&bytes), get);
        let host = host.to_owned();
        let code = status.as_u16();
        let retry_after = limits.retry_after;
        match status {
            StatusCode::TOO_MANY_REQUESTS => Attempt::Retry {
                wait: Wait {
                    at_least: retry_after,
                    pause_connection: retry_after,
                },
                error: HttpError::RateLimited {
                    host,
                    retry_at: retry_after.map(millis_from_now),
                },
            },
            // GitHub: secondary limits send retry-after; an exhausted primary quota sends
            // remaining 0 and the reset time.
            StatusCode::FORBIDDEN if retry_after.is_some() || limits.remaining == Some(0) => {
                let wait = retry_after
                    .or_else(|| limits.until_reset())
                    .unwrap_or(self.config.max_backoff);
                Attempt::Retry {
                    wait: Wait {
                        at_least: Some(wait),
                        pause_connection: Some(wait),
                    },
                    error: HttpError::RateLimited {
                        host,
                        retry_at: Some(millis_from_now(wait)),
                    },
                }
            }
            StatusCode::UNAUTHORIZED => Attempt::Done(Err(HttpError::Unauthorized { host, message })),
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => Attempt::Retry {
                wait: Wait {
                    at_least: retry_after,
                    pause_connection: None,
                },
                error: HttpError::Server {
                    host,
                    status: code,
                    attempts: self.config.max_attempts,
                    message,
                },
            },
            _ => Attempt::Done(Err(HttpError::Rejected {
                host,
                status: code,
                message,
            })),
        }
    }

    fn transport_error(&self, e: reqwest::Error, host: &str, get: &Get<'_>) -> Attempt {
        let host = host.to_owned();
        let detail = redact(&without_url(&e), get);
        if e.is_connect() {
            // Refused or unreachable: retrying at once will not help; the scheduler's
            // offline probe decides when to try again.
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
        Attempt::Retry {
            wait: Wait::default(),
            error,
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .config
            .base_backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.config.max_backoff);
        // Full jitter: clients that failed together do not retry together.
        ceiling.mul_f64(fastrand::f64())
    }
}

enum Attempt {
    Done(Result<(Option<bytes::Bytes>, HeaderMap), HttpError>),
    Retry { wait: Wait, error: HttpError },
}

#[derive(Default)]
struct Wait {
    at_least: Option<Duration>,
    pause_connection: Option<Duration>,
}

#[derive(Debug, Default)]
struct RateLimitHeaders {
    remaining: Option<u64>,
    reset_unix: Option<u64>,
    retry_after: Option<Duration>,
}

impl RateLimitHeaders {
    fn read(headers: &HeaderMap) -> Self {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        Self {
            remaining: number("x-ratelimit-remaining"),
            reset_unix: number("x-ratelimit-reset"),
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|v| parse_retry_after(v.to_str().ok()?)),
        }
    }

    fn until_reset(&self) -> Option<Duration> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        Some(Duration::from_secs(self.reset_unix?.saturating_sub(now) + 1))
    }
}

/// `Retry-After` is either delay-seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(wait.max(0) as u64))
}

/// The provider's own words: Stripe's `error.message`, GitHub's `message`, else the status.
fn error_message(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let message = json["error"]["message"]
        .as_str()
        .or_else(|| json["message"].as_str());
    match message {
        Some(m) => m.chars().take(300).collect(),
        None => "no details given".to_owned(),
    }
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => url.to_string(),
    }
}

/// reqwest's Display includes the URL; ours carry no secrets, but keep messages short.
fn without_url(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut innermost = e.to_string();
    while let Some(err) = source {
        innermost = err.to_string();
        source = err.source();
    }
    innermost
}

/// Removes the secret from a text that may echo it (some providers quote the key back).
fn redact(text: &str, get: &Get<'_>) -> String {
    let Auth::Bearer(secret) = get.auth;
    if secret.len() >= 8 {
        text.replace(secret, "[redacted]")
    } else {
        text.to_owned()
    }
}

fn millis_from_now(d: Duration) -> Millis {
    chrono::Utc::now().timestamp_millis() + d.as_millis() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn error_messages_come_from_the_provider_body() {
        assert_eq!(
            error_message(br#"{"error":{"message":"No such charge"}}"#),
            "No such charge"
        );
        assert_eq!(
            error_message(br#"{"message":"Bad credentials"}"#),
            "Bad credentials"
        );
        assert_eq!(error_message(b"<html>502</html>"), "no details given");
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let http = Http::new(HttpConfig::default());
        for attempt in 1..10 {
            assert!(http.backoff(attempt) <= Duration::from_secs(30));
        }
    }
}
