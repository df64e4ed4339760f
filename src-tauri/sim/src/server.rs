//! The listener and accept loop. Hand-rolled instead of `axum::serve` so a
//! response marked `DropConnection` (the `timeout` fault) can close the
//! connection without an answer.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::middleware::from_fn_with_state;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower_service::Service;

use crate::config::Config;
use crate::faults::DropConnection;
use crate::state::{AppState, Shared};

/// A running sim. Dropping it stops the server too; `shutdown` also waits.
pub struct Sim {
    base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sim {
    /// "http://127.0.0.1:PORT", no trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Stops accepting, closes open connections and waits for that to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn app(state: AppState) -> Router {
    // GitHub lives at the root, so its router (with its 404 fallback and
    // gate) is the base; OAuth (no gate), Google, Meta, Stripe and control sit beside it.
    crate::github::api::router(state.clone())
        .merge(crate::oauth::router(state.clone()))
        .merge(crate::google::router(state.clone()))
        .merge(crate::meta::router(state.clone()))
        .nest("/v1", crate::stripe::api::router(state.clone()))
        .nest("/_sim", crate::control::router(state.clone()))
        // Outermost last: stats see everything (in flight from arrival), limits hold
        // their slots through the latency wait, and faults answer before the gates.
        .layer(from_fn_with_state(state.clone(), crate::faults::middleware))
        .layer(from_fn_with_state(state.clone(), crate::latency::middleware))
        .layer(from_fn_with_state(state.clone(), crate::limits::middleware))
        .layer(from_fn_with_state(state, crate::stats::middleware))
}

/// Marks the connection for closing; hyper drops it on a service error.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a timeout fault")
    }
}

impl std::error::Error for Dropped {}

pub async fn start_on(config: Config, port: u16) -> std::io::Result<Sim> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    start_with_listener(config, listener)
}

/// Serves on a listener the caller made (and may have held, bound but not listening,
/// while clients were refused), so the port is never released in between.
pub fn start_with_listener(config: Config, listener: TcpListener) -> std::io::Result<Sim> {
    let base_url = format!("http://{}", listener.local_addr()?);
    let state = Arc::new(Shared::new(config, base_url.clone()));
    let router = app(state);
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // Owning the connection tasks here means stopping the loop aborts them all.
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let router = router.clone();
                    conns.spawn(serve_connection(stream, router));
                }
            }
        }
        conns.shutdown().await;
    });
    Ok(Sim {
        base_url,
        stop: Some(stop),
        task: Some(task),
    })
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let mut router = router.clone();
        async move {
            let resp: Response<Body> = match router.call(req.map(Body::new)).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            };
            if resp.extensions().get::<DropConnection>().is_some() {
                return Err(Dropped);
            }
            Ok::<_, Dropped>(resp)
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
