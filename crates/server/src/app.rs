//! Building and running the HTTP service.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::ingest_queue::{self, IngestQueue};
use crate::metrics::Metrics;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rapport_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// What every handler can reach. Holds no state another instance would need: all of
/// that lives in the database.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub(crate) ingest: IngestQueue,
    pub(crate) answers: crate::pages::AnswerQueue,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    pub state: AppState,
}

impl Application {
    /// Binds the configured address (port 0 picks a free port; see [`Application::address`]).
    /// Also creates the desk's defaults (default survey policy, sampling key) if missing.
    pub async fn build(config: Config, store: Store, clock: Clock) -> anyhow::Result<Application> {
        store.ensure_defaults(clock.now()).await?;
        let mut config = config;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        // Port 0 asks for any free port; links must name the port actually bound.
        if config.public_url.ends_with(":0") {
            config.public_url = format!("http://{}", listener.local_addr()?);
        }
        let state = AppState {
            ingest: ingest_queue::start(store.clone()),
            answers: crate::pages::answer_queue(store.clone()),
            store,
            config: Arc::new(config),
            clock,
            metrics: Arc::new(Metrics::default()),
        };
        Ok(Application { listener, router: router(state.clone()), state })
    }

    /// The background worker for this application's database, mail and clock.
    pub fn worker(&self) -> anyhow::Result<crate::worker::Worker> {
        crate::worker::Worker::new(self.state.store.clone(), self.state.config.clone(), self.state.clock.clone())
    }

    pub fn address(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .merge(crate::api::router())
        .merge(crate::pages::router())
        .merge(crate::staff::router())
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(crate::pages::html_errors))
        .layer(middleware::from_fn(crate::pages::security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Counts and times every request by its route pattern (never the raw path, which
/// would make one series per ticket id).
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await.into_response();
    let status = response.status().as_u16();
    state.metrics.observe_request(method.as_str(), &route, status, started.elapsed());
    if status >= 500 {
        tracing::warn!(%method, route, status, "request failed");
    }
    response
}
