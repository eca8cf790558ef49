//! `dragnet serve` and `dragnet migrate`: open the store, start the engine, the progress hub
//! and the HTTP server, and shut them down in order on SIGTERM or ctrl-c.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use dragnet_domain::progress::PhaseProgress;
use dragnet_domain::{AuditResult, AuditSource, CampaignId};
use dragnet_engine::Engine;
use dragnet_realtime::{Hub, RealtimeSettings, SnapshotFuture, SnapshotSource};
use dragnet_store::{AuditEntry, Store, StoreError, StoreOptions};

use crate::settings::Settings;

/// Opens the store named by the settings, applying migrations unless `migrate` is false.
pub fn open_store(settings: &Settings, migrate: bool) -> anyhow::Result<Store> {
    Store::open(
        settings.database.url.expose(),
        store_options(settings, migrate),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The store options the settings ask for.
fn store_options(settings: &Settings, migrate: bool) -> StoreOptions {
    StoreOptions {
        migrate,
        max_connections: settings.database.pool_size,
        ..StoreOptions::default()
    }
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
    fn snapshots(&self, campaign_ids: Vec<CampaignId>) -> SnapshotFuture<'_> {
        Box::pin(async move {
            // A campaign that cannot be read counts as missing, as an unknown one does.
            let states = self
                .0
                .run(move |s| {
                    Ok::<_, StoreError>(
                        campaign_ids
                            .into_iter()
                            .filter_map(|id| s.get_campaign(id).ok())
                            .map(|c| dragnet_engine::runner::snapshot(&c, 0.0))
                            .collect::<Vec<PhaseProgress>>(),
                    )
                })
                .await?;
            Ok(states)
        })
    }
}

/// `dragnet serve`; `auth` false is `--no-auth` (the caller checked the address).
pub fn serve(settings: Settings, auth: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(settings, auth))
}

/// On a store without any API token, creates an admin token and prints it to stderr, outside
/// the structured log (which only says that it happened, never the token).
async fn first_start_token(store: &Store, bind: std::net::SocketAddr) -> anyhow::Result<()> {
    let issued = store
        .run(move |s| {
            let issued = dragnet_api::auth::issue_first_token(s)?;
            if let Some(issued) = &issued {
                s.append_audit(&[AuditEntry {
                    at: chrono::Utc::now(),
                    token_id: None,
                    source: AuditSource::Server,
                    action: "token.create".to_owned(),
                    target: format!("token:{}", issued.stored.id),
                    status: 0,
                    result: AuditResult::Success,
                    remote_addr: None,
                }])?;
            }
            Ok::<_, StoreError>(issued)
        })
        .await
        .map_err(|e| anyhow::anyhow!("creating the first API token: {e}"))?;
    let Some(issued) = issued else {
        return Ok(());
    };
    let token = issued.secret.expose();
    let rule = "=".repeat(78);
    let banner = format!(
        "\n{rule}\nNo API token existed, so Dragnet created an admin token. It is shown only this \
         once\n(the server keeps a hash): store it now.\n\n    {token}\n\nUse it as:\n    curl -H \
         \"Authorization: Bearer {token}\" http://{bind}/api/v1/campaigns\nMake more with \
         `dragnet token create --role viewer|operator|admin --name NAME`.\n{rule}\n"
    );
    {
        use std::io::Write as _;
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(banner.as_bytes());
        let _ = stderr.flush();
    }
    tracing::warn!(
        token_id = %issued.stored.id,
        "no API token existed: created an admin token and printed it to stderr, once (not to the log)"
    );
    Ok(())
}

async fn run(settings: Settings, auth: bool) -> anyhow::Result<()> {
    let store = Store::open_async(
        settings.database.url.expose(),
        store_options(&settings, true),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::info!(backend = ?store.backend(), "store ready");
    if auth {
        first_start_token(&store, settings.server.bind).await?;
    } else {
        tracing::warn!(
            bind = %settings.server.bind,
            "authentication is OFF (--no-auth): every request acts as an admin; allowed only \
             because the address is a loopback one"
        );
    }
    let realtime = RealtimeSettings {
        auth_timeout: Duration::from_secs(settings.auth.websocket_auth_timeout_seconds),
        max_connections_per_token: settings.limits.websocket_connections_per_token,
        ..RealtimeSettings::default()
    };
    let hub = Hub::with_snapshot_source(realtime, Arc::new(StoreSnapshots(store.clone())));
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
        dragnet_api::AppState::new(engine.clone())
            .with_address_guard(dragnet_probe::guard::AddressGuard::new(
                settings.engine.allow_private_addresses,
                Vec::new(),
            ))
            .with_auth(settings.auth.to_auth_settings(auth))
            .with_limits(settings.limits.to_limits())
            .with_audit_capacity(settings.audit.queue_capacity),
    );
    // The audit writer runs on this runtime, which outlives the HTTP workers.
    state.audit().start();
    let audit_state = state.clone();
    let hub_data = actix_web::web::Data::new(hub.clone());
    let bind = settings.server.bind;
    let server = actix_web::HttpServer::new(move || {
        dragnet_api::app(state.clone(), dragnet_realtime::configure).app_data(hub_data.clone())
    })
    // Without TCP_NODELAY a WebSocket frame sent right after another waits for the client's
    // delayed ACK (tens of milliseconds).
    .tcp_nodelay(true)
    // Slow clients: the time to send a request's head, idle keep-alive connections, and the
    // wait for a closing client.
    .client_request_timeout(Duration::from_millis(settings.server.request_timeout_ms))
    .keep_alive(Duration::from_secs(settings.server.keep_alive_seconds))
    .client_disconnect_timeout(Duration::from_millis(settings.server.disconnect_timeout_ms))
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
    // Every request has been answered: store what the audit log still holds.
    audit_state.audit().flush(Duration::from_secs(10)).await;
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
