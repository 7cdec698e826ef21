//! `rapport serve`: the web service, on an up-to-date database with a first admin.

use crate::cli::{now, open_store};
use rapport_server::first_admin::FIRST_ADMIN_EMAIL;
use rapport_server::{Application, Clock, Config};
use rapport_store::Store;

pub async fn serve(config: Config, demo: bool, with_worker: bool) -> anyhow::Result<()> {
    tracing::info!(database = config.redacted_database_url(), "starting");
    let store = open_store(&config).await?;
    ensure_first_admin(&store).await?;
    if demo {
        crate::demo::fill_if_empty(&store, now()).await?;
    }
    let app = Application::build(config, store.clone(), Clock::System).await?;
    if with_worker {
        tokio::spawn(app.worker()?.run_forever());
    }
    let address = app.address();
    tracing::info!(%address, "listening");
    println!("Rapport is listening on http://{address}");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

async fn ensure_first_admin(store: &Store) -> anyhow::Result<()> {
    if let Some(password) = rapport_server::first_admin::ensure_first_admin(store, now()).await? {
        println!("Created the first admin. Sign in at /sign-in with:");
        println!("  email:    {FIRST_ADMIN_EMAIL}");
        println!("  password: {password}");
        println!("This password is shown only once.");
    }
    Ok(())
}

/// `rapport worker`: background work only, for deployments that scale it separately.
pub async fn worker(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    store.ensure_defaults(now()).await?;
    let worker = rapport_server::worker::Worker::new(store, std::sync::Arc::new(config), Clock::System)?;
    tracing::info!("worker started");
    tokio::select! {
        _ = worker.run_forever() => {}
        _ = shutdown_signal() => {}
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}
