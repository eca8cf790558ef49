//! `dragnet serve` and `dragnet migrate`: open the store, start the engine, the progress hub
//! and the HTTP server, and shut them down in order on SIGTERM or ctrl-c.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use dragnet_engine::{Engine, PhaseProgress};
use dragnet_realtime::{Hub, RealtimeSettings, SnapshotSource};
use dragnet_store::{CampaignId, Store, StoreOptions};

use crate::settings::Settings;

/// Opens the store named by the settings, applying migrations unless `migrate` is false.
fn open_store(settings: &Settings, migrate: bool) -> anyhow::Result<Store> {
    let url = settings.database.url.expose();
    Store::open(
        url,
        StoreOptions {
            migrate,
            max_connections: settings.database.pool_size,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// `dragnet migrate`: applies pending migrations and lists them.
pub fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings, false)?;
    let applied = store.migrate().map_err(|e| anyhow::anyhow!("{e}"))?;
    if applied.is_empty() {
        println!("the database is up to date ({:?})", store.backend());
    } else {
        for version in &applied {
            println!("applied {version}");
        }
        println!(
            "{} migration(s) applied ({:?})",
            applied.len(),
            store.backend()
        );
    }
    Ok(())
}

/// Loads a campaign's state from the store for WebSocket clients that subscribe to a
/// campaign the hub has heard nothing about since the server started.
struct StoreSnapshots(Store);

impl SnapshotSource for StoreSnapshots {
    fn snapshot(&self, campaign_id: i64) -> Option<PhaseProgress> {
        self.0
            .get_campaign(CampaignId(campaign_id))
            .ok()
            .map(|c| dragnet_engine::runner::snapshot(&c, 0.0))
    }
}

/// `dragnet serve`.
pub fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(settings))
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    let store = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || open_store(&settings, true))
            .await
            .context("opening the store")??
    };
    tracing::info!(backend = ?store.backend(), "store ready");
    let hub = Hub::with_snapshot_source(
        RealtimeSettings::default(),
        Arc::new(StoreSnapshots(store.clone())),
    );
    let engine = Engine::new(
        store,
        Arc::new(hub.clone()),
        settings.engine.to_engine_settings(),
    );
    engine
        .start()
        .await
        .map_err(|e| anyhow::anyhow!("starting the engine: {e}"))?;

    let state = actix_web::web::Data::new(
        dragnet_api::AppState::new(engine.clone()).with_address_guard(
            dragnet_engine::http::guard::AddressGuard::new(
                settings.engine.allow_private_addresses,
                Vec::new(),
            ),
        ),
    );
    let hub_data = actix_web::web::Data::new(hub.clone());
    let bind = settings.server.bind;
    let server = actix_web::HttpServer::new(move || {
        dragnet_api::app(state.clone(), dragnet_realtime::configure).app_data(hub_data.clone())
    })
    // Without TCP_NODELAY a WebSocket frame sent right after another waits for the client's
    // delayed ACK (tens of milliseconds).
    .tcp_nodelay(true)
    .disable_signals()
    .shutdown_timeout(5)
    .bind(bind)
    .with_context(|| format!("binding {bind}"))?;
    for addr in server.addrs() {
        tracing::info!(%addr, "dragnet listening");
    }
    let server = server.run();
    let handle = server.handle();
    let server_task = tokio::spawn(server);

    shutdown_signal().await;
    tracing::info!("shutting down: stopping the engine, closing connections");
    hub.shutdown();
    engine.shutdown().await;
    handle.stop(true).await;
    hub.wait().await;
    match tokio::time::timeout(Duration::from_secs(10), server_task).await {
        Ok(Ok(result)) => result.context("running the HTTP server")?,
        Ok(Err(e)) => anyhow::bail!("the HTTP server task failed: {e}"),
        Err(_) => tracing::warn!("the HTTP server did not stop within 10 s"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM or ctrl-c.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
