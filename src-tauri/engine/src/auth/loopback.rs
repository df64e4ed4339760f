//! The one-shot loopback listener that receives the browser's redirect (RFC 8252 §7.3):
//! bound to 127.0.0.1 only, it answers requests for other paths with 404 and keeps
//! waiting, and ends at the first request on its path — with the code, or with why there
//! is none. Dropping it closes the port, so nothing listens once the flow is over.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::AuthError;

pub const CALLBACK_PATH: &str = "/callback";
/// A browser sends its request at once; a connection that says nothing is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_HEAD_BYTES: usize = 16 * 1024;

pub(crate) struct Loopback {
    listener: TcpListener,
    port: u16,
}

impl Loopback {
    /// Binds 127.0.0.1:`port`; 0 picks a free port.
    pub async fn bind(port: u16) -> Result<Self, AuthError> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| AuthError::Listen { port, source })?;
        let port = listener
            .local_addr()
            .map_err(|source| AuthError::Listen { port, source })?
            .port();
        Ok(Self { listener, port })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits for the redirect and returns the authorization code. A wrong `state` or an
    /// error from the provider ends the wait too: the browser is told, nothing is kept.
    pub async fn wait(self, state: &str, provider: &str) -> Result<String, AuthError> {
        loop {
            let (mut stream, _) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                // A connection reset before accept is the client's problem, not the flow's.
                Err(_) => continue,
            };
            let Some(target) = read_target(&mut stream).await else {
                continue;
            };
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            if path != CALLBACK_PATH {
                respond(&mut stream, "404 Not Found", "Not found.").await;
                continue;
            }
            let params: HashMap<String, String> = form_urlencoded_pairs(query);
            if params.get("state").map(String::as_str) != Some(state) {
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "This sign-in answer does not belong to the sign-in Freshboard started, so it was ignored. \
                     Close this tab and click Connect in Freshboard again.",
                )
                .await;
                return Err(AuthError::StateMismatch);
            }
            if let Some(error) = params.get("error") {
                let description = params
                    .get("error_description")
                    .cloned()
                    .unwrap_or_else(|| error.clone());
                respond(
                    &mut stream,
                    "200 OK",
                    &format!("{provider} did not grant access: {description}. You can close this tab."),
                )
                .await;
                return Err(AuthError::Denied {
                    provider: provider.to_owned(),
                    error: error.clone(),
                    description,
                });
            }
            let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "The answer carries no authorization code.",
                )
                .await;
                return Err(AuthError::NoCode);
            };
            respond(
                &mut stream,
                "200 OK",
                &format!("Connected to {provider}. You can close this tab and return to Freshboard."),
            )
            .await;
            return Ok(code.clone());
        }
    }
}

/// The request target of a `GET` (path and query), or `None` for anything else.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD_BYTES {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(())
    };
    tokio::time::timeout(READ_TIMEOUT, read).await.ok()??;
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next()?.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_owned()),
        _ => None,
    }
}

fn form_urlencoded_pairs(query: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://127.0.0.1/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// A small page; the text is escaped, since a provider's error description lands in it.
async fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>Freshboard</title>\
         <body style=\"font:16px system-ui;margin:3em\"><p>{escaped}</p></body>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
