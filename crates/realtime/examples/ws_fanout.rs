//! WebSocket fan-out benchmark: 1,000 clients subscribed to one running campaign.
//!
//! Starts the real-time server in-process on 127.0.0.1:0, connects the clients (real
//! WebSocket connections, on their own runtime), and publishes progress from an engine-like
//! thread. First a reference measured in the same run: one client alone, `reference`: a
//! status change every 50 ms for 2 s. Then, with all the clients, three scenarios:
//! - `engine`: a routine update every 250 ms (the engine's own cadence) and a status change
//!   every 2.5 s;
//! - `flood`: 10,000 updates per second, which the server coalesces to at most 4 messages per
//!   second per client;
//! - `status`: status changes only, one every 100 ms (never coalesced).
//!
//! The publisher records the instant of each publish keyed by the `seq` the hub assigns (one
//! publisher, so the seq is known in advance); each client looks up the `seq` of every
//! message it receives and records the delay. Prints JSON lines `{"name","value","unit"}`:
//! delay percentiles per scenario, the ratio of the status-change p99 to the reference's,
//! messages per client per second under the flood, the cost
//! of one `publish` with 1,000 subscribers, and the process's peak RSS (VmHWM, clients
//! included, since they run in the same process).
//!
//! Run: `cargo run --release -p dragnet-realtime --example ws_fanout [-- CLIENTS]`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer, web};
use dragnet_domain::progress::{PhaseProgress, ProgressKind, ProgressSink};
use dragnet_domain::{CampaignId, Phase, PhaseStatus};
use dragnet_realtime::{Hub, RealtimeSettings, configure};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Upper bound on the seqs published in one run.
const MAX_SEQ: usize = 200_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scenario {
    Reference,
    Engine,
    Flood,
    Status,
}

const SCENARIOS: [(Scenario, &str); 4] = [
    (Scenario::Reference, "reference_1_client"),
    (Scenario::Engine, "engine"),
    (Scenario::Flood, "flood"),
    (Scenario::Status, "status"),
];

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The publish instants, indexed by seq.
type PublishTable = Arc<Vec<OnceLock<Published>>>;

/// What the publisher recorded for one seq.
struct Published {
    at: Instant,
    scenario: Scenario,
}

#[derive(Deserialize)]
struct Received {
    seq: u64,
    data: ReceivedData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReceivedData {
    phase_status: PhaseStatus,
}

/// Delays observed by all clients, in microseconds, per scenario.
#[derive(Default)]
struct Samples {
    delays: [Vec<u64>; 4],
}

/// Connects a client and subscribes it to `campaign`, consuming the acknowledgement and the
/// current state.
async fn connect(
    url: &str,
    campaign: CampaignId,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    // Small client buffers (tungstenite allocates 128 KiB per connection by default), so
    // that the process's RSS is mostly the server's.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
    let subscribe = format!(r#"{{"type":"subscribe","campaignIds":[{campaign}]}}"#);
    ws.send(Message::Text(subscribe.into())).await?;
    let mut got = 0;
    while got < 2 {
        match ws.next().await {
            Some(Ok(Message::Text(_))) => got += 1,
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => return Err(tokio_tungstenite::tungstenite::Error::ConnectionClosed),
        }
    }
    Ok(ws)
}

/// Records the delay of every message until a `completed` status, per scenario.
async fn read_delays(
    ws: &mut Ws,
    published: &PublishTable,
    flood_messages: &AtomicU64,
) -> [Vec<u64>; 4] {
    let mut local: [Vec<u64>; 4] = Default::default();
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let now = Instant::now();
        let Ok(received) = serde_json::from_str::<Received>(&text) else {
            continue;
        };
        if let Some(p) = published.get(received.seq as usize).and_then(OnceLock::get) {
            if let Some(index) = SCENARIOS.iter().position(|(s, _)| *s == p.scenario) {
                local[index].push(now.duration_since(p.at).as_micros() as u64);
            }
            if p.scenario == Scenario::Flood {
                flood_messages.fetch_add(1, Ordering::Relaxed);
            }
        }
        if received.data.phase_status == PhaseStatus::Completed {
            break;
        }
    }
    local
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clients: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000);
    // Two sockets per client in one process; the default soft limit is often 1,024.
    let nofile = rlimit::increase_nofile_limit(u64::MAX)?;
    eprintln!("RLIMIT_NOFILE = {nofile}");
    if nofile < (2 * clients + 100) as u64 {
        return Err(format!("RLIMIT_NOFILE {nofile} is too low for {clients} clients").into());
    }

    let hub = Hub::new(RealtimeSettings::default());
    let baseline_hwm = vm_hwm_kib();

    // The server: actix-web with two workers, on its own system thread.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let server_hub = hub.clone();
    let server_thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let data = web::Data::new(server_hub);
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .service(web::scope("/api/v1").configure(configure))
            })
            .workers(2)
            .backlog(4096)
            // Small frames must not wait for the client's delayed ACK (Nagle): docs/realtime.md.
            .tcp_nodelay(true)
            .disable_signals()
            .bind(("127.0.0.1", 0))?;
            let addr = server.addrs()[0];
            let server = server.run();
            let _ = addr_tx.send((addr, server.handle()));
            server.await
        })
    });
    let (addr, handle) = addr_rx.recv()?;
    let url = format!("ws://{addr}/api/v1/ws");

    // The campaign exists before anyone subscribes.
    let campaign = CampaignId(1);
    let mut state = progress(campaign, PhaseStatus::Running, 0);
    hub.publish(&state, ProgressKind::StatusChange);
    let published: PublishTable = Arc::new((0..MAX_SEQ).map(|_| OnceLock::new()).collect());
    let samples = Arc::new(Mutex::new(Samples::default()));
    let flood_messages = Arc::new(AtomicU64::new(0));

    // The publisher records the instant of each seq; it is the only publisher, so the seq
    // the hub assigns is the next one.
    let mut seq = hub.latest(campaign).map_or(0, |(seq, _)| seq);
    let mut publish = |state: &PhaseProgress, kind: ProgressKind, scenario: Scenario| {
        seq += 1;
        if let Some(slot) = published.get(seq as usize) {
            let _ = slot.set(Published {
                at: Instant::now(),
                scenario,
            });
        }
        hub.publish(state, kind);
    };

    // The clients, on a runtime of their own.
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    // The reference: one client alone, status changes every 50 ms for 2 s.
    let mut reference = client_rt.block_on(connect(&url, campaign))?;
    let reference_reader = {
        let published = Arc::clone(&published);
        let flood_messages = Arc::clone(&flood_messages);
        client_rt.spawn(async move {
            let delays = read_delays(&mut reference, &published, &flood_messages).await;
            (reference, delays)
        })
    };
    let reference_start = Instant::now();
    for tick in 1..=40u32 {
        state.phase_status = if tick == 40 {
            PhaseStatus::Completed
        } else if tick % 2 == 0 {
            PhaseStatus::Running
        } else {
            PhaseStatus::Paused
        };
        publish(&state, ProgressKind::StatusChange, Scenario::Reference);
        sleep_until(reference_start + Duration::from_millis(50) * tick);
    }
    let (reference, reference_delays) = client_rt.block_on(reference_reader)?;
    drop(reference);
    samples
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .delays
        .iter_mut()
        .zip(reference_delays)
        .for_each(|(into, from)| into.extend(from));
    state.phase_status = PhaseStatus::Running;
    publish(&state, ProgressKind::StatusChange, Scenario::Reference);

    let connect_start = Instant::now();
    let mut sockets = client_rt.block_on(async {
        let mut sockets = Vec::with_capacity(clients);
        for chunk in (0..clients).collect::<Vec<_>>().chunks(50) {
            let connects = chunk.iter().map(|_| connect(&url, campaign));
            for ws in futures_util::future::join_all(connects).await {
                sockets.push(ws?);
            }
        }
        Ok::<_, tokio_tungstenite::tungstenite::Error>(sockets)
    })?;
    eprintln!(
        "{} clients connected and subscribed in {:?}",
        sockets.len(),
        connect_start.elapsed()
    );
    let connected_hwm = vm_hwm_kib();

    // Each client records the delay of every message, until the final `completed`.
    let mut readers = Vec::with_capacity(clients);
    for mut ws in sockets.drain(..) {
        let published = Arc::clone(&published);
        let samples = Arc::clone(&samples);
        let flood_messages = Arc::clone(&flood_messages);
        readers.push(client_rt.spawn(async move {
            let local = read_delays(&mut ws, &published, &flood_messages).await;
            let mut all = samples.lock().unwrap_or_else(|e| e.into_inner());
            for (into, from) in all.delays.iter_mut().zip(local) {
                into.extend(from);
            }
        }));
    }

    // Engine cadence: 20 s.
    let start = Instant::now();
    for tick in 1..=80u32 {
        state.processed_items += 2_500;
        state.successful_items += 2_000;
        state.failed_items += 500;
        let kind = if tick % 10 == 0 {
            state.phase_status = if state.phase_status == PhaseStatus::Running {
                PhaseStatus::Paused
            } else {
                PhaseStatus::Running
            };
            ProgressKind::StatusChange
        } else {
            ProgressKind::Update
        };
        publish(&state, kind, Scenario::Engine);
        sleep_until(start + Duration::from_millis(250) * tick);
    }
    state.phase_status = PhaseStatus::Running;
    publish(&state, ProgressKind::StatusChange, Scenario::Engine);
    std::thread::sleep(Duration::from_millis(500));

    // Flood: 10,000 updates per second for 5 s, in batches of 100 every 10 ms.
    let flood_start = Instant::now();
    let mut publish_time = Duration::ZERO;
    let mut flood_publishes = 0u64;
    for tick in 1..=500u32 {
        let batch = Instant::now();
        for _ in 0..100 {
            state.processed_items += 1;
            state.successful_items += 1;
            publish(&state, ProgressKind::Update, Scenario::Flood);
            flood_publishes += 1;
        }
        publish_time += batch.elapsed();
        sleep_until(flood_start + Duration::from_millis(10) * tick);
    }
    let flood_seconds = flood_start.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(500));

    // Status changes only: one every 100 ms for 5 s.
    let status_start = Instant::now();
    for tick in 1..=50u32 {
        state.phase_status = if tick % 2 == 0 {
            PhaseStatus::Running
        } else {
            PhaseStatus::Paused
        };
        publish(&state, ProgressKind::StatusChange, Scenario::Status);
        sleep_until(status_start + Duration::from_millis(100) * tick);
    }
    state.phase_status = PhaseStatus::Completed;
    publish(&state, ProgressKind::StatusChange, Scenario::Status);

    client_rt.block_on(async {
        for reader in readers {
            let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
        }
    });
    let final_hwm = vm_hwm_kib();
    let metrics = hub.metrics();
    eprintln!("{metrics:?}");

    let samples = samples.lock().unwrap_or_else(|e| e.into_inner());
    let report = |name: &str, value: f64, unit: &str| {
        println!(
            "{}",
            serde_json::json!({"name": name, "value": (value * 1000.0).round() / 1000.0, "unit": unit})
        );
    };
    report("ws_fanout_clients", clients as f64, "clients");
    let mut p99 = [0u64; 4];
    for (((_, label), delays), p99) in SCENARIOS.iter().zip(&samples.delays).zip(&mut p99) {
        let mut delays = delays.clone();
        delays.sort_unstable();
        *p99 = percentile(&delays, 0.99);
        report(
            &format!("ws_delay_{label}_messages"),
            delays.len() as f64,
            "messages",
        );
        for (p, suffix) in [(0.5, "p50"), (0.99, "p99"), (1.0, "max")] {
            report(
                &format!("ws_delay_{label}_{suffix}"),
                percentile(&delays, p) as f64 / 1000.0,
                "ms",
            );
        }
    }
    report(
        "ws_delay_status_p99_vs_reference",
        p99[3] as f64 / p99[0].max(1) as f64,
        "ratio",
    );
    report(
        "ws_flood_messages_per_client_per_second",
        flood_messages.load(Ordering::Relaxed) as f64 / clients as f64 / flood_seconds,
        "messages/s",
    );
    report(
        "ws_publish_cost_1000_subscribers",
        publish_time.as_nanos() as f64 / flood_publishes as f64 / 1000.0,
        "us",
    );
    report(
        "ws_rss_hwm_before_clients",
        baseline_hwm as f64 / 1024.0,
        "MiB",
    );
    report(
        "ws_rss_hwm_clients_connected",
        connected_hwm as f64 / 1024.0,
        "MiB",
    );
    report("ws_rss_hwm", final_hwm as f64 / 1024.0, "MiB");
    report(
        "ws_rss_per_client_both_ends",
        connected_hwm.saturating_sub(baseline_hwm) as f64 / clients as f64,
        "KiB",
    );

    hub.shutdown();
    client_rt.block_on(handle.stop(true));
    let _ = server_thread.join();
    Ok(())
}

fn progress(campaign_id: CampaignId, status: PhaseStatus, processed: u64) -> PhaseProgress {
    PhaseProgress {
        campaign_id,
        current_phase: Phase::DnsValidation,
        phase_status: status,
        total_items: 10_000_000,
        processed_items: processed,
        successful_items: processed,
        failed_items: 0,
        rate_per_second: 10_000.0,
        eta_seconds: Some(1_000),
    }
}

fn sleep_until(deadline: Instant) {
    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
}

/// The value below which a fraction `p` of the sorted samples fall.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// The process's peak resident set size, in KiB (0 where /proc is not available).
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}
