//! End-to-end tests of the WebSocket server: a real actix-web server on 127.0.0.1:0 with the
//! route mounted as the API mounts it, and real WebSocket clients.

// The helpers below are test code too: a failed step should fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, web};
use dragnet_domain::config::analysis::RelevanceWeights;
use dragnet_domain::content::{RescoreState, RescoreStatus};
use dragnet_domain::progress::{PhaseProgress, ProgressKind, ProgressSink, RescoreProgress};
use dragnet_domain::{CampaignId, Phase, PhaseStatus};
use dragnet_realtime::{Hub, RealtimeSettings, SnapshotFuture, SnapshotSource, configure};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

struct Server {
    addr: SocketAddr,
    hub: Hub,
    handle: actix_web::dev::ServerHandle,
}

impl Server {
    async fn start(settings: RealtimeSettings, source: Option<Arc<dyn SnapshotSource>>) -> Self {
        let hub = match source {
            Some(source) => Hub::with_snapshot_source(settings, source),
            None => Hub::new(settings),
        };
        let data = web::Data::new(hub.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .service(web::scope("/api/v1").configure(configure))
        })
        .workers(2)
        // Small frames must not wait for the client's delayed ACK (Nagle): docs/realtime.md.
        .tcp_nodelay(true)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Server { addr, hub, handle }
    }

    async fn client(&self) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/api/v1/ws", self.addr))
            .await
            .unwrap();
        Client { ws }
    }

    async fn stop(self) {
        self.hub.shutdown();
        self.handle.stop(false).await;
    }
}

struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the client got next.
#[derive(Debug)]
enum Got {
    Json(Value),
    Closed(Option<(CloseCode, String)>),
    Nothing,
}

impl Client {
    async fn send(&mut self, message: Value) {
        self.ws
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    async fn subscribe(&mut self, ids: &[i64]) {
        self.send(json!({"type": "subscribe", "campaignIds": ids}))
            .await;
    }

    /// The next message within `wait`, skipping pings and pongs (tungstenite answers pings
    /// by itself while reading).
    async fn next_within(&mut self, wait: Duration) -> Got {
        let deadline = Instant::now() + wait;
        loop {
            match timeout(
                deadline.saturating_duration_since(Instant::now()),
                self.ws.next(),
            )
            .await
            {
                Err(_) => return Got::Nothing,
                Ok(None) => return Got::Closed(None),
                Ok(Some(Err(e))) => {
                    eprintln!("client read error: {e}");
                    return Got::Closed(None);
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Got::Json(serde_json::from_str(&text).unwrap());
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Got::Closed(frame.map(|f| (f.code, f.reason.to_string())));
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    async fn next_json(&mut self) -> Value {
        match self.next_within(Duration::from_secs(5)).await {
            Got::Json(value) => value,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// Every message received during `duration`.
    async fn collect_for(&mut self, duration: Duration) -> Vec<Value> {
        let deadline = Instant::now() + duration;
        let mut out = Vec::new();
        loop {
            match self
                .next_within(deadline.saturating_duration_since(Instant::now()))
                .await
            {
                Got::Json(value) => out.push(value),
                Got::Nothing => return out,
                Got::Closed(frame) => panic!("connection closed: {frame:?}"),
            }
        }
    }
}

fn progress(campaign_id: i64, status: PhaseStatus, processed: u64) -> PhaseProgress {
    PhaseProgress {
        campaign_id: CampaignId(campaign_id),
        current_phase: Phase::DnsValidation,
        phase_status: status,
        total_items: 1_000_000_000,
        processed_items: processed,
        successful_items: processed / 2,
        failed_items: processed - processed / 2,
        rate_per_second: 10_000.0,
        eta_seconds: Some(42),
    }
}

fn is_progress(message: &Value) -> bool {
    message["type"] == "campaign.progress"
}

fn seq_of(message: &Value) -> u64 {
    message["seq"].as_u64().unwrap()
}

fn fast_settings() -> RealtimeSettings {
    RealtimeSettings::default()
}

/// Expects the `subscribed` acknowledgement, then one `campaign.progress` per campaign.
async fn expect_subscribed(client: &mut Client, ids: &[i64]) -> Vec<Value> {
    let ack = client.next_json().await;
    assert_eq!(ack, json!({"type": "subscribed", "campaignIds": ids}));
    let mut states = Vec::new();
    for _ in ids {
        let state = client.next_json().await;
        assert!(is_progress(&state), "{state}");
        states.push(state);
    }
    states
}

struct Store(HashMap<CampaignId, PhaseProgress>);

impl SnapshotSource for Store {
    fn snapshots(&self, campaign_ids: Vec<CampaignId>) -> SnapshotFuture<'_> {
        Box::pin(async move {
            // A store takes a while to answer.
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(campaign_ids
                .iter()
                .filter_map(|id| self.0.get(id).cloned())
                .collect())
        })
    }
}

#[actix_web::test]
async fn subscribe_pushes_current_state_at_once() {
    let mut finished = progress(2, PhaseStatus::Completed, 500);
    finished.total_items = 500;
    let store = Store(HashMap::from([(CampaignId(2), finished)]));
    let server = Server::start(fast_settings(), Some(Arc::new(store))).await;
    server.hub.publish(
        &progress(1, PhaseStatus::Running, 10),
        ProgressKind::StatusChange,
    );
    server
        .hub
        .publish(&progress(1, PhaseStatus::Running, 20), ProgressKind::Update);

    let mut client = server.client().await;
    client.subscribe(&[1, 2, 3]).await;
    let states = expect_subscribed(&mut client, &[1, 2]).await;
    // Campaign 1 from the hub's latest snapshot.
    assert_eq!(
        states[0],
        json!({"type": "campaign.progress", "seq": 2, "data": {
            "campaignId": 1, "currentPhase": "dns_validation", "phaseStatus": "running",
            "totalItems": 1_000_000_000, "processedItems": 20, "successfulItems": 10,
            "failedItems": 10, "progressPercent": 0.000002, "ratePerSecond": 10_000.0,
            "etaSeconds": 42}})
    );
    // Campaign 2 finished before a restart: loaded from the snapshot source, seq 0.
    assert_eq!(states[1]["seq"], 0);
    assert_eq!(states[1]["data"]["phaseStatus"], "completed");
    assert_eq!(states[1]["data"]["progressPercent"], 100.0);
    // Campaign 3 exists nowhere.
    let error = client.next_json().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "unknown_campaign");
    assert_eq!(error["message"], "campaign 3 does not exist");

    // Later publishes follow with growing seq.
    server.hub.publish(
        &progress(2, PhaseStatus::Completed, 500),
        ProgressKind::Update,
    );
    let next = client.next_json().await;
    assert_eq!(
        (next["data"]["campaignId"].as_i64(), seq_of(&next)),
        (Some(2), 1)
    );
    assert_eq!(server.hub.client_count(), 1);
    server.stop().await;
}

#[actix_web::test]
async fn flood_is_coalesced_and_the_last_state_is_delivered() {
    let server = Server::start(fast_settings(), None).await;
    let hub = server.hub.clone();
    hub.publish(
        &progress(1, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = server.client().await;
        client.subscribe(&[1]).await;
        expect_subscribed(&mut client, &[1]).await;
        clients.push(client);
    }

    // 10,000 updates per second for 2 seconds, from an engine-like thread.
    let publisher = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let mut processed = 0;
        for tick in 1..=200u32 {
            for _ in 0..100 {
                processed += 1;
                hub.publish(
                    &progress(1, PhaseStatus::Running, processed),
                    ProgressKind::Update,
                );
            }
            let target = start + Duration::from_millis(10) * tick;
            std::thread::sleep(target.saturating_duration_since(std::time::Instant::now()));
        }
        processed
    });
    let mut received: Vec<Vec<Value>> = Vec::new();
    let window = Duration::from_secs(2);
    let collected =
        futures_util::future::join_all(clients.iter_mut().map(|c| c.collect_for(window))).await;
    received.extend(collected);
    let last_processed = publisher.join().unwrap();
    // The trailing flush: the latest state arrives within one interval after the flood.
    let tails = futures_util::future::join_all(
        clients
            .iter_mut()
            .map(|c| c.collect_for(Duration::from_millis(600))),
    )
    .await;

    let (last_seq, last_state) = server.hub.latest(CampaignId(1)).unwrap();
    assert_eq!(last_state.processed_items, last_processed);
    for (during, tail) in received.iter().zip(&tails) {
        eprintln!("{} messages in 2 s, {} after", during.len(), tail.len());
        assert!(during.iter().chain(tail).all(is_progress));
        assert!(
            (1..=12).contains(&during.len()),
            "{} messages in 2 s",
            during.len()
        );
        let all: Vec<&Value> = during.iter().chain(tail).collect();
        let seqs: Vec<u64> = all.iter().map(|m| seq_of(m)).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        let last = all.last().unwrap();
        assert_eq!(seq_of(last), last_seq);
        assert_eq!(
            last["data"]["processedItems"].as_u64(),
            Some(last_processed)
        );
    }
    let metrics = server.hub.metrics();
    assert!(metrics.updates_coalesced > 50_000, "{metrics:?}");
    server.stop().await;
}

#[actix_web::test]
async fn status_changes_are_all_delivered_in_order_amid_floods() {
    let server = Server::start(fast_settings(), None).await;
    let hub = server.hub.clone();
    hub.publish(
        &progress(1, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    let mut client = server.client().await;
    client.subscribe(&[1]).await;
    expect_subscribed(&mut client, &[1]).await;

    let publisher = std::thread::spawn(move || {
        let mut status_seqs = Vec::new();
        let mut processed = 0;
        for round in 0..40 {
            for _ in 0..500 {
                processed += 1;
                hub.publish(
                    &progress(1, PhaseStatus::Running, processed),
                    ProgressKind::Update,
                );
            }
            // Two status changes within one coalescing interval, then more updates.
            for status in [PhaseStatus::Paused, PhaseStatus::Running] {
                hub.publish(&progress(1, status, processed), ProgressKind::StatusChange);
                status_seqs.push((hub.latest(CampaignId(1)).unwrap().0, status));
            }
            if round % 4 == 0 {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        status_seqs
    });
    let messages = client.collect_for(Duration::from_secs(3)).await;
    let status_seqs = publisher.join().unwrap();
    assert_eq!(status_seqs.len(), 80);

    let seqs: Vec<u64> = messages.iter().map(seq_of).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let by_seq: HashMap<u64, &Value> = messages.iter().map(|m| (seq_of(m), m)).collect();
    for (seq, status) in status_seqs {
        let message = by_seq
            .get(&seq)
            .unwrap_or_else(|| panic!("status change seq {seq} ({status}) was not delivered"));
        assert_eq!(message["data"]["phaseStatus"], status.as_str());
    }
    server.stop().await;
}

fn rescore(campaign_id: i64, state: RescoreStatus, processed: u64) -> RescoreProgress {
    RescoreProgress {
        campaign_id: CampaignId(campaign_id),
        rescore: RescoreState {
            revision: 1,
            state,
            weights: RelevanceWeights::default(),
            scoring_version: 1,
            total_items: 100,
            processed_items: processed,
            started_at: chrono::DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(),
            rescored_at: (state == RescoreStatus::Completed)
                .then(|| chrono::DateTime::from_timestamp_millis(1_700_000_001_000).unwrap()),
            error: None,
        },
        rate_per_second: 50.0,
    }
}

#[actix_web::test]
async fn rescore_messages_reach_subscribers_in_order_and_late_subscribers_get_the_running_one() {
    let server = Server::start(fast_settings(), None).await;
    let hub = &server.hub;
    for id in [1, 2] {
        hub.publish(
            &progress(id, PhaseStatus::Completed, 100),
            ProgressKind::StatusChange,
        );
    }
    let mut early = server.client().await;
    early.subscribe(&[1]).await;
    expect_subscribed(&mut early, &[1]).await;
    hub.publish_rescore(&rescore(1, RescoreStatus::Running, 0));
    hub.publish_rescore(&rescore(2, RescoreStatus::Running, 0));
    hub.publish_rescore(&rescore(1, RescoreStatus::Running, 50));

    // A client subscribing mid-rescore gets the campaign's state, then the rescore's latest.
    let mut late = server.client().await;
    late.subscribe(&[1]).await;
    let states = expect_subscribed(&mut late, &[1]).await;
    assert_eq!(states[0]["data"]["phaseStatus"], "completed");
    let pushed = late.next_json().await;
    assert_eq!(pushed["type"], "campaign.rescore", "{pushed}");
    assert_eq!(pushed["data"]["processedItems"], 50, "{pushed}");
    assert_eq!(pushed["data"]["state"], "running", "{pushed}");

    hub.publish_rescore(&rescore(1, RescoreStatus::Completed, 100));
    let got = early.collect_for(Duration::from_millis(300)).await;
    let processed: Vec<(String, u64)> = got
        .iter()
        .map(|m| {
            assert_eq!(m["type"], "campaign.rescore", "{m}");
            assert_eq!(
                m["data"]["campaignId"], 1,
                "only the subscribed campaign: {m}"
            );
            (
                m["data"]["state"].as_str().unwrap().to_owned(),
                m["data"]["processedItems"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        processed,
        [
            ("running".to_owned(), 0),
            ("running".to_owned(), 50),
            ("completed".to_owned(), 100)
        ]
    );
    let last = late.next_json().await;
    assert_eq!(last["data"]["state"], "completed", "{last}");
    assert_eq!(last["data"]["rescoredAt"], "2023-11-14T22:13:21Z", "{last}");

    // Once it finished, a new subscriber gets the campaign's state only.
    let mut after = server.client().await;
    after.subscribe(&[1]).await;
    expect_subscribed(&mut after, &[1]).await;
    assert!(
        after
            .collect_for(Duration::from_millis(300))
            .await
            .is_empty(),
        "no rescore message after it completed"
    );
    server.stop().await;
}

#[actix_web::test]
async fn unsubscribe_stops_messages() {
    let server = Server::start(fast_settings(), None).await;
    let hub = &server.hub;
    hub.publish(
        &progress(1, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    hub.publish(
        &progress(2, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    let mut client = server.client().await;
    client.subscribe(&[1, 2]).await;
    expect_subscribed(&mut client, &[1, 2]).await;
    hub.publish(&progress(1, PhaseStatus::Running, 1), ProgressKind::Update);
    hub.publish(
        &progress(1, PhaseStatus::Paused, 1),
        ProgressKind::StatusChange,
    );
    client
        .send(json!({"type": "unsubscribe", "campaignIds": [1]}))
        .await;
    // Whatever was on its way before the acknowledgement, nothing for 1 after it.
    loop {
        let message = client.next_json().await;
        if message["type"] == "unsubscribed" {
            assert_eq!(message["campaignIds"], json!([1]));
            break;
        }
        assert_eq!(message["data"]["campaignId"], 1, "{message}");
    }
    for i in 0..100 {
        hub.publish(&progress(1, PhaseStatus::Running, i), ProgressKind::Update);
    }
    hub.publish(
        &progress(1, PhaseStatus::Completed, 100),
        ProgressKind::StatusChange,
    );
    hub.publish(
        &progress(2, PhaseStatus::Paused, 5),
        ProgressKind::StatusChange,
    );
    let rest = client.collect_for(Duration::from_millis(600)).await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["data"]["campaignId"], 2);
    server.stop().await;
}

#[actix_web::test]
async fn clients_receive_only_the_campaigns_they_subscribed_to() {
    let server = Server::start(fast_settings(), None).await;
    let hub = &server.hub;
    for id in 1..=3 {
        hub.publish(
            &progress(id, PhaseStatus::Running, 0),
            ProgressKind::StatusChange,
        );
    }
    let mut a = server.client().await;
    let mut b = server.client().await;
    let mut idle = server.client().await;
    a.subscribe(&[1]).await;
    b.subscribe(&[2, 3]).await;
    expect_subscribed(&mut a, &[1]).await;
    expect_subscribed(&mut b, &[2, 3]).await;
    for round in 1..=20 {
        for id in 1..=4 {
            hub.publish(
                &progress(id, PhaseStatus::Running, round),
                ProgressKind::Update,
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    hub.publish(
        &progress(4, PhaseStatus::Completed, 20),
        ProgressKind::StatusChange,
    );
    let got_a = a.collect_for(Duration::from_millis(500)).await;
    let got_b = b.collect_for(Duration::from_millis(100)).await;
    let got_idle = idle.collect_for(Duration::from_millis(100)).await;
    let ids = |messages: &[Value]| -> Vec<i64> {
        let mut ids: Vec<i64> = messages
            .iter()
            .map(|m| m["data"]["campaignId"].as_i64().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    assert_eq!(ids(&got_a), [1]);
    assert_eq!(ids(&got_b), [2, 3]);
    assert!(got_idle.is_empty(), "{got_idle:?}");
    server.stop().await;
}

#[actix_web::test]
async fn invalid_messages_get_an_error_naming_the_problem() {
    let settings = RealtimeSettings {
        max_subscriptions_per_client: 3,
        max_message_bytes: 1024,
        ..RealtimeSettings::default()
    };
    let server = Server::start(settings, None).await;
    for id in 1..=4 {
        server.hub.publish(
            &progress(id, PhaseStatus::Running, 0),
            ProgressKind::StatusChange,
        );
    }
    let mut client = server.client().await;
    let cases: &[(&str, &str, &str)] = &[
        ("{\"type\":", "invalid_json", "invalid JSON"),
        ("42", "invalid_message", "JSON object"),
        (r#"{"type":"hello"}"#, "unknown_type", "\"hello\""),
        (
            r#"{"type":"subscribe"}"#,
            "missing_campaign_ids",
            "campaignIds",
        ),
        (
            r#"{"type":"subscribe","campaignIds":[1,"two"]}"#,
            "invalid_campaign_ids",
            "campaignIds[1]",
        ),
        (
            r#"{"type":"subscribe","campaignIds":[1],"since":3}"#,
            "invalid_message",
            "\"since\"",
        ),
        (
            r#"{"type":"subscribe","campaignIds":[1,2,3,4]}"#,
            "too_many_subscriptions",
            "at most 3",
        ),
    ];
    for (text, code, needle) in cases {
        client.ws.send(Message::Text((*text).into())).await.unwrap();
        let error = client.next_json().await;
        assert_eq!(error["type"], "error", "{text}");
        assert_eq!(error["code"], *code, "{text}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(needle), "{text}: {message}");
    }

    // The limit counts subscriptions already held.
    client.subscribe(&[1, 2]).await;
    expect_subscribed(&mut client, &[1, 2]).await;
    client.subscribe(&[2, 3, 4]).await;
    let error = client.next_json().await;
    assert_eq!(error["code"], "too_many_subscriptions");
    assert!(
        error["message"].as_str().unwrap().contains("limit of 3"),
        "{error}"
    );

    client
        .ws
        .send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    let error = client.next_json().await;
    assert_eq!(error["code"], "unsupported_frame");

    // Still connected and working after all that.
    client.subscribe(&[3]).await;
    expect_subscribed(&mut client, &[3]).await;

    // Too large: an error naming the limit, then close code 1009.
    let huge = format!(
        r#"{{"type":"subscribe","campaignIds":[{}]}}"#,
        vec!["1"; 1000].join(",")
    );
    client.ws.send(Message::Text(huge.into())).await.unwrap();
    let error = client.next_json().await;
    assert_eq!(error["code"], "message_too_large");
    assert!(
        error["message"].as_str().unwrap().contains("1024 bytes"),
        "{error}"
    );
    match client.next_within(Duration::from_secs(5)).await {
        Got::Closed(Some((code, reason))) => {
            assert_eq!(code, CloseCode::Size);
            assert!(reason.contains("1024"), "{reason}");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    server.stop().await;
}

#[actix_web::test]
async fn slow_client_is_disconnected_and_others_keep_receiving() {
    let settings = RealtimeSettings {
        client_queue_capacity: 4096,
        write_timeout: Duration::from_secs(2),
        ..RealtimeSettings::default()
    };
    let server = Server::start(settings, None).await;
    let hub = server.hub.clone();
    hub.publish(
        &progress(1, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    let mut slow = server.client().await;
    slow.subscribe(&[1]).await;
    expect_subscribed(&mut slow, &[1]).await;
    let mut fast = server.client().await;
    fast.subscribe(&[1]).await;
    expect_subscribed(&mut fast, &[1]).await;
    assert_eq!(hub.client_count(), 2);

    // Status changes are never coalesced, so a client that stops reading falls behind
    // until its socket buffers and then its queue are full. `slow` no longer reads.
    let publisher_hub = hub.clone();
    let publisher = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let mut n = 0;
        let mut slowest_batch = Duration::ZERO;
        while publisher_hub.metrics().slow_disconnects == 0
            && start.elapsed() < Duration::from_secs(20)
        {
            let batch = std::time::Instant::now();
            for _ in 0..50 {
                n += 1;
                publisher_hub.publish(
                    &progress(1, PhaseStatus::Running, n),
                    ProgressKind::StatusChange,
                );
            }
            slowest_batch = slowest_batch.max(batch.elapsed());
            std::thread::sleep(Duration::from_millis(5));
        }
        (n, slowest_batch)
    });
    let mut fast_received = 0u64;
    // The state pushed on subscribe had seq 1; every status change follows, without a gap.
    let mut last_seq = 1;
    while !publisher.is_finished() {
        if let Got::Json(message) = fast.next_within(Duration::from_millis(100)).await {
            let seq = seq_of(&message);
            assert_eq!(seq, last_seq + 1, "no status change may be lost");
            last_seq = seq;
            fast_received += 1;
        }
    }
    let (published, slowest_batch) = publisher.join().unwrap();
    let metrics = hub.metrics();
    eprintln!("slow client disconnected after {published} status changes; {metrics:?}");
    assert_eq!(metrics.slow_disconnects, 1, "{metrics:?}");
    assert!(fast_received > 1_000, "{fast_received} of {published}");
    // A sanity bound, not a benchmark: 50 publishes never took long, stalled client or not
    // (a publish that waited for the stalled client would wait until it is disconnected,
    // which only a publish can cause).
    assert!(slowest_batch < Duration::from_secs(1), "{slowest_batch:?}");

    // The fast client is still served.
    hub.publish(
        &progress(1, PhaseStatus::Paused, 0),
        ProgressKind::StatusChange,
    );
    let (final_seq, _) = hub.latest(CampaignId(1)).unwrap();
    // The fast client may still be draining its backlog; on a loaded machine that can take
    // seconds, so wait on a deadline rather than on the gap between two messages.
    let mut seen_final = false;
    let mut last = Got::Nothing;
    let drain_deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < drain_deadline {
        match fast.next_within(Duration::from_secs(1)).await {
            Got::Json(message) if seq_of(&message) == final_seq => {
                assert_eq!(message["data"]["phaseStatus"], "paused");
                seen_final = true;
                break;
            }
            Got::Json(_) | Got::Nothing => {}
            closed @ Got::Closed(_) => {
                last = closed;
                break;
            }
        }
    }
    assert!(
        seen_final,
        "final state not received; last: {last:?}; {:?}",
        hub.metrics()
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while hub.client_count() != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(hub.client_count(), 1);

    // The slow client, reading again, finds the connection ended after what was buffered.
    let end = timeout(Duration::from_secs(20), async {
        loop {
            match slow.next_within(Duration::from_secs(5)).await {
                Got::Json(_) => {}
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    match end {
        Got::Closed(Some((code, reason))) => {
            assert_eq!(code, CloseCode::Policy);
            assert!(reason.contains("too slow"), "{reason}");
        }
        Got::Closed(None) => {}
        Got::Nothing | Got::Json(_) => panic!("the slow client is still connected"),
    }
    server.stop().await;
}

#[actix_web::test]
async fn publish_never_blocks() {
    // Queues big enough, and writes patient enough, that the stalled clients stay connected
    // (and stalled) throughout.
    let settings = RealtimeSettings {
        client_queue_capacity: 200_000,
        write_timeout: Duration::from_secs(120),
        ..RealtimeSettings::default()
    };
    let server = Server::start(settings, None).await;
    let hub = server.hub.clone();
    hub.publish(
        &progress(1, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    // Subscribed clients that never read.
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let mut client = server.client().await;
        client.subscribe(&[1]).await;
        expect_subscribed(&mut client, &[1]).await;
        stalled.push(client);
    }
    // Status changes are never coalesced: the clients' socket buffers fill up and their
    // sessions block in writes, while the publisher goes on.
    let publisher = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        for n in 0..100_000 {
            hub.publish(
                &progress(1, PhaseStatus::Running, n),
                ProgressKind::StatusChange,
            );
        }
        start.elapsed()
    });
    let elapsed = publisher.join().unwrap();
    eprintln!("100k publishes to 10 stalled subscribers: {elapsed:?}");
    // A publish that waited for a stalled client would wait forever (nothing here ends the
    // stall), so this loose bound catches it; it is not a benchmark (a debug build on a
    // shared machine takes about a second; see the ws_fanout example for figures).
    assert!(
        elapsed < Duration::from_secs(20),
        "100k publishes took {elapsed:?}"
    );
    let metrics = server.hub.metrics();
    assert_eq!(metrics.clients, 10, "{metrics:?}");
    assert_eq!(metrics.slow_disconnects, 0, "{metrics:?}");
    // The sessions could not write everything: they really were stalled.
    assert!(metrics.messages_sent < 10 * 100_000, "{metrics:?}");
    drop(stalled);
    server.stop().await;
}

#[actix_web::test]
async fn idle_clients_are_disconnected_and_live_ones_kept() {
    let settings = RealtimeSettings {
        heartbeat_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(400),
        ..RealtimeSettings::default()
    };
    let server = Server::start(settings, None).await;
    let mut silent = server.client().await;
    let mut live = server.client().await;
    // `live` reads, so tungstenite answers the server's pings; `silent` does not read.
    let got = live.collect_for(Duration::from_millis(1_500)).await;
    assert!(got.is_empty());
    assert_eq!(server.hub.metrics().idle_disconnects, 1);
    assert_eq!(server.hub.client_count(), 1);
    // Read the raw bytes: tungstenite, reading now, would first try to answer the old pings
    // on the closed connection and fail before showing the close frame. The server's pings
    // come first, then the close frame (0x88) with code 1008 and the reason.
    let MaybeTlsStream::Plain(tcp) = silent.ws.get_mut() else {
        panic!("plain TCP expected")
    };
    let mut raw = Vec::new();
    timeout(Duration::from_secs(2), tcp.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let close = raw.iter().position(|b| *b == 0x88).expect("a close frame");
    assert_eq!(&raw[close + 2..close + 4], &1008u16.to_be_bytes());
    let reason = String::from_utf8_lossy(&raw[close + 4..]);
    assert!(reason.starts_with("idle timeout"), "{reason}");
    server.stop().await;
}

#[actix_web::test]
async fn shutdown_closes_sessions_and_refuses_new_ones() {
    let server = Server::start(fast_settings(), None).await;
    let mut client = server.client().await;
    assert_eq!(server.hub.metrics().connections_total, 1);
    server.hub.shutdown();
    match client.next_within(Duration::from_secs(2)).await {
        Got::Closed(Some((code, _))) => assert_eq!(code, CloseCode::Away),
        other => panic!("expected a close frame, got {other:?}"),
    }
    timeout(Duration::from_secs(5), server.hub.wait())
        .await
        .unwrap();
    assert_eq!(server.hub.client_count(), 0);
    let refused = tokio_tungstenite::connect_async(format!("ws://{}/api/v1/ws", server.addr)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
        }
        other => panic!("expected 503, got {other:?}"),
    }
    server.stop().await;
}

/// Sends a raw HTTP request and returns the status code of the response.
async fn raw_status(addr: SocketAddr, request: &str) -> u16 {
    use tokio::io::AsyncWriteExt;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = vec![0u8; 12];
    tcp.read_exact(&mut head).await.unwrap();
    // "HTTP/1.1 503"
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

#[actix_web::test]
async fn upgrades_are_refused_cleanly() {
    let settings = RealtimeSettings {
        max_clients: 1,
        ..RealtimeSettings::default()
    };
    let server = Server::start(settings, None).await;
    // Not a WebSocket upgrade.
    let status = raw_status(
        server.addr,
        "GET /api/v1/ws HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(server.hub.client_count(), 0);

    // One client at most.
    let mut first = server.client().await;
    let second = tokio_tungstenite::connect_async(format!("ws://{}/api/v1/ws", server.addr)).await;
    match second {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(body.contains("limit 1"), "{body}");
            assert!(body.contains("service_unavailable"), "{body}");
        }
        other => panic!("expected 503, got {other:?}"),
    }
    assert_eq!(server.hub.client_count(), 1);
    // The first client is unaffected, and its slot is free again once it leaves.
    server.hub.publish(
        &progress(1, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    first.subscribe(&[1]).await;
    expect_subscribed(&mut first, &[1]).await;
    first.ws.close(None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.hub.client_count() != 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.hub.client_count(), 0);
    let mut again = server.client().await;
    again.subscribe(&[1]).await;
    expect_subscribed(&mut again, &[1]).await;

    // A forgotten campaign is unknown again.
    server.hub.forget(CampaignId(2));
    server.hub.publish(
        &progress(2, PhaseStatus::Running, 0),
        ProgressKind::StatusChange,
    );
    server.hub.forget(CampaignId(2));
    again.subscribe(&[2]).await;
    assert_eq!(
        again.next_json().await,
        json!({"type": "subscribed", "campaignIds": []})
    );
    assert_eq!(again.next_json().await["code"], "unknown_campaign");
    server.stop().await;
}
