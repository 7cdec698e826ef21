//! `rapport serve`: the web service, on an up-to-date database with a first admin.

use crate::cli::{now, open_store};
use rapport_domain::password::{generate_password, hash_password};
use rapport_server::{Application, Clock, Config};
use rapport_store::{NewStaffUser, StaffRole, Store};

pub const FIRST_ADMIN_EMAIL: &str = "admin@rapport.local";

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

/// Never a default password: the first start makes an admin with a random one and
/// prints it once. Safe when several instances start together (the insert is atomic).
async fn ensure_first_admin(store: &Store) -> anyhow::Result<()> {
    if store.staff_count().await? > 0 {
        return Ok(());
    }
    let password = generate_password();
    let hash = hash_password(&password);
    let user = NewStaffUser {
        email: FIRST_ADMIN_EMAIL,
        name: "Administrator",
        role: StaffRole::Admin,
        password_hash: &hash,
        must_change_password: false,
    };
    if store.create_first_admin(&user, now()).await? {
        println!("Created the first admin. Sign in with:");
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
