//! `GET /metrics`: Prometheus text format 0.0.4, written by hand (no metrics crate: a few
//! atomic counters and one store query are all it takes).
//!
//! Three groups, listed with their meaning in `docs/api.md`:
//! - HTTP: request counts by method, route pattern and status class, and a latency histogram
//!   by method and route pattern, recorded by the [`track_http`] middleware. The route label is
//!   the matched pattern (`/api/v1/campaigns/{id}`), never the path, so ids cannot explode the
//!   number of series; requests that match no route share `route="unmatched"`.
//! - WebSocket: clients connected now and the progress hub's counters, from the
//!   [`dragnet_realtime::Hub`] in the app data (absent hub: the group is left out).
//! - Phases: per phase, the number of running campaigns and the sums of their counters and
//!   current rates, from one store query (running campaigns only, at most
//!   [`MAX_RUNNING_SCANNED`]) and the hub's latest snapshots.
//! - Proxies: per proxy the HTTP phase used in this process, uses by result, times benched and
//!   whether it is benched now ([`dragnet_probe::proxy::proxy_totals`]).
//!
//! The HTTP figures live in one process-wide registry: `HttpServer` builds one `App` per
//! worker thread, and the counts must cover all of them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use dragnet_domain::{CampaignId, Phase, PhaseStatus};
use dragnet_probe::proxy::{ProxyTotals, proxy_totals};
use dragnet_realtime::Hub;
use dragnet_store::{CampaignFilter, MAX_CAMPAIGN_PAGE};

use crate::state::AppState;

/// The content type of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds (seconds) of the latency histogram's buckets; `+Inf` is implied.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// At most this many running campaigns are summed per scrape (the figures are a sum over
/// the newest ones beyond that), so a scrape stays one or two cheap queries.
pub const MAX_RUNNING_SCANNED: usize = 2 * MAX_CAMPAIGN_PAGE;

/// Routes `/metrics` (outside the OpenAPI document: it is for Prometheus, not API clients).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

/// Figures of one (method, route pattern) pair.
#[derive(Default)]
struct RouteStats {
    /// Responses by status class: 1xx … 5xx.
    by_class: [AtomicU64; 5],
    /// Non-cumulative bucket counts (cumulated when rendered); the last slot is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    /// Sum of latencies, in nanoseconds.
    sum_nanos: AtomicU64,
}

impl RouteStats {
    fn observe(&self, status: StatusCode, elapsed: Duration) {
        let class = usize::from(status.as_u16() / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

/// The HTTP figures of this process.
#[derive(Default)]
struct HttpRegistry {
    routes: RwLock<HashMap<(&'static str, String), Arc<RouteStats>>>,
}

static HTTP: LazyLock<HttpRegistry> = LazyLock::new(HttpRegistry::default);

impl HttpRegistry {
    fn observe(&self, method: &'static str, route: String, status: StatusCode, elapsed: Duration) {
        let key = (method, route);
        let found = self
            .routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .cloned();
        let stats = match found {
            Some(stats) => stats,
            None => self
                .routes
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(key)
                .or_default()
                .clone(),
        };
        stats.observe(status, elapsed);
    }

    fn snapshot(&self) -> Vec<((&'static str, String), Arc<RouteStats>)> {
        let mut all: Vec<_> = self
            .routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        all.sort_by(|a, b| (a.0.1.as_str(), a.0.0).cmp(&(b.0.1.as_str(), b.0.0)));
        all
    }
}

/// The method label: the standard methods by name, anything else as `OTHER` (a client
/// cannot add series by inventing methods).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware recording every request's status class and latency (time until the response
/// head is ready; a streamed body's transfer is not included) under its route pattern.
///
/// The pattern is read from the response's request, after routing: actix then finds it by
/// the resource the router matched. Asked before routing, it matches the path against every
/// route's pattern again (a fifth of the CPU of a 100-row domain page). Errors that escape as
/// `Err` (none of this crate's handlers: their errors become responses) are counted under
/// `unmatched`.
pub async fn track_http(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let result = next.call(req).await;
    let (status, route) = match &result {
        Ok(res) => (res.status(), res.request().match_pattern()),
        Err(e) => (e.as_response_error().status_code(), None),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    HTTP.observe(method, route, status, started.elapsed());
    result
}

/// Sums over the running campaigns whose current phase is one phase.
#[derive(Debug, Default, Clone, Copy)]
struct PhaseFigures {
    campaigns: u64,
    total: u64,
    processed: u64,
    succeeded: u64,
    failed: u64,
    rate: f64,
}

/// The running campaigns' current phases: `(campaign id, phase, total, processed, succeeded,
/// failed)`, newest first, at most [`MAX_RUNNING_SCANNED`].
type Running = Vec<(CampaignId, Phase, u64, u64, u64, u64)>;

async fn running_phases(state: &web::Data<AppState>) -> Option<Running> {
    state
        .store
        .run(|store| {
            let filter = CampaignFilter {
                phase_status: Some(PhaseStatus::Running),
                ..CampaignFilter::default()
            };
            let mut out = Running::new();
            let mut before = None;
            while out.len() < MAX_RUNNING_SCANNED {
                let page = store.list_campaigns(&filter, before, MAX_CAMPAIGN_PAGE)?;
                for c in &page.items {
                    if let Some(p) = c.current() {
                        out.push((c.id, p.phase, p.total, p.processed, p.succeeded, p.failed));
                    }
                }
                match page.next {
                    Some(next) => before = Some(next),
                    None => break,
                }
            }
            Ok::<_, dragnet_store::StoreError>(out)
        })
        .await
        .ok()
}

/// `GET /metrics`.
async fn metrics(req: HttpRequest, state: Option<web::Data<AppState>>) -> HttpResponse {
    let hub = req.app_data::<web::Data<Hub>>();
    let running = match &state {
        Some(state) => running_phases(state).await,
        None => None,
    };
    let mut out = String::with_capacity(8 * 1024);
    render_http(&mut out);
    if let Some(hub) = hub {
        render_hub(&mut out, hub);
    }
    render_phases(&mut out, running.as_ref(), hub.map(|h| h.get_ref()));
    render_proxies(&mut out, &proxy_totals());
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(out)
}

/// Escapes a label value (backslash, double quote and newline).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn render_http(out: &mut String) {
    let routes = HTTP.snapshot();
    header(
        out,
        "dragnet_http_requests_total",
        "counter",
        "HTTP requests answered, by method, route pattern and status class.",
    );
    for ((method, route), stats) in &routes {
        let route = label(route);
        for (i, n) in stats.by_class.iter().enumerate() {
            let n = n.load(Ordering::Relaxed);
            if n > 0 {
                let _ = writeln!(
                    out,
                    "dragnet_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{}xx\"}} {n}",
                    i + 1
                );
            }
        }
    }
    header(
        out,
        "dragnet_http_request_duration_seconds",
        "histogram",
        "Time from receiving a request to its response head, by method and route pattern.",
    );
    for ((method, route), stats) in &routes {
        let route = label(route);
        let mut cumulative = 0;
        for (i, n) in stats.buckets.iter().enumerate() {
            cumulative += n.load(Ordering::Relaxed);
            let le = LATENCY_BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
            let _ = writeln!(
                out,
                "dragnet_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let sum = stats.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(
            out,
            "dragnet_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "dragnet_http_request_duration_seconds_count{{method=\"{method}\",route=\"{route}\"}} {cumulative}"
        );
    }
}

fn render_hub(out: &mut String, hub: &Hub) {
    let m = hub.metrics();
    let figures: [(&str, &str, &str, u64); 7] = [
        (
            "dragnet_ws_clients",
            "gauge",
            "WebSocket clients connected now.",
            m.clients as u64,
        ),
        (
            "dragnet_ws_connections_total",
            "counter",
            "WebSocket connections accepted since the process started.",
            m.connections_total,
        ),
        (
            "dragnet_ws_messages_sent_total",
            "counter",
            "Messages written to WebSocket clients (progress and control).",
            m.messages_sent,
        ),
        (
            "dragnet_ws_updates_coalesced_total",
            "counter",
            "Routine progress updates replaced by a newer one before they were written.",
            m.updates_coalesced,
        ),
        (
            "dragnet_ws_slow_disconnects_total",
            "counter",
            "Clients disconnected because their queue was full or a write timed out.",
            m.slow_disconnects,
        ),
        (
            "dragnet_ws_idle_disconnects_total",
            "counter",
            "Clients disconnected because nothing arrived from them within the idle timeout.",
            m.idle_disconnects,
        ),
        (
            "dragnet_progress_published_total",
            "counter",
            "Progress snapshots published by the engine to the hub.",
            m.published,
        ),
    ];
    for (name, kind, help, value) in figures {
        header(out, name, kind, help);
        let _ = writeln!(out, "{name} {value}");
    }
}

fn render_phases(out: &mut String, running: Option<&Running>, hub: Option<&Hub>) {
    header(
        out,
        "dragnet_store_up",
        "gauge",
        "1 when the store answered this scrape's query, 0 otherwise (the phase figures are then left out).",
    );
    let _ = writeln!(out, "dragnet_store_up {}", u8::from(running.is_some()));
    let Some(running) = running else {
        return;
    };
    let mut by_phase: HashMap<Phase, PhaseFigures> = HashMap::new();
    for &(id, phase, total, processed, succeeded, failed) in running {
        let f = by_phase.entry(phase).or_default();
        f.campaigns += 1;
        f.total += total;
        f.processed += processed;
        f.succeeded += succeeded;
        f.failed += failed;
        if let Some((_, latest)) = hub.and_then(|h| h.latest(id))
            && latest.current_phase == phase
            && latest.phase_status == PhaseStatus::Running
        {
            f.rate += latest.rate_per_second;
        }
    }
    type Getter = fn(&PhaseFigures) -> String;
    let series: [(&str, &str, Getter); 6] = [
        (
            "dragnet_phase_running_campaigns",
            "Campaigns whose current phase is this one and running.",
            |f| f.campaigns.to_string(),
        ),
        (
            "dragnet_phase_items",
            "Items the running campaigns' phase has to process (sum).",
            |f| f.total.to_string(),
        ),
        (
            "dragnet_phase_processed_items",
            "Items processed so far by the running campaigns' phase (sum; drops when a campaign stops running).",
            |f| f.processed.to_string(),
        ),
        (
            "dragnet_phase_succeeded_items",
            "Items that succeeded in the running campaigns' phase (sum).",
            |f| f.succeeded.to_string(),
        ),
        (
            "dragnet_phase_failed_items",
            "Items that failed in the running campaigns' phase (sum).",
            |f| f.failed.to_string(),
        ),
        (
            "dragnet_phase_rate_per_second",
            "Current processing rate of the running campaigns' phase, items per second (sum of each campaign's latest published rate).",
            |f| f.rate.to_string(),
        ),
    ];
    for (name, help, get) in series {
        header(out, name, "gauge", help);
        for phase in Phase::ALL {
            let f = by_phase.get(&phase).copied().unwrap_or_default();
            let _ = writeln!(out, "{name}{{phase=\"{}\"}} {}", phase.as_str(), get(&f));
        }
    }
}

fn render_proxies(out: &mut String, proxies: &[ProxyTotals]) {
    header(
        out,
        "dragnet_proxy_uses_total",
        "counter",
        "Uses of a proxy by the HTTP phase; result=\"fault\" when the proxy failed (not the target).",
    );
    for p in proxies {
        for (result, uses) in [("ok", p.successes), ("fault", p.failures)] {
            let _ = writeln!(
                out,
                "dragnet_proxy_uses_total{{proxy=\"{}\",result=\"{result}\"}} {uses}",
                label(&p.label)
            );
        }
    }
    type Getter = fn(&ProxyTotals) -> u64;
    let series: [(&str, &str, &str, Getter); 2] = [
        (
            "dragnet_proxy_benched_total",
            "counter",
            "Times a proxy was benched after consecutive faults.",
            |p| p.times_benched,
        ),
        (
            "dragnet_proxy_benched",
            "gauge",
            "1 while a proxy is benched (out of rotation), 0 otherwise.",
            |p| u64::from(p.benched),
        ),
    ];
    for (name, kind, help, get) in series {
        header(out, name, kind, help);
        for p in proxies {
            let _ = writeln!(out, "{name}{{proxy=\"{}\"}} {}", label(&p.label), get(p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn observations_land_in_their_bucket_and_class() {
        let stats = RouteStats::default();
        stats.observe(StatusCode::NOT_FOUND, Duration::from_micros(700));
        stats.observe(StatusCode::OK, Duration::from_secs(60));
        assert_eq!(stats.by_class[3].load(Ordering::Relaxed), 1);
        assert_eq!(stats.by_class[1].load(Ordering::Relaxed), 1);
        assert_eq!(stats.buckets[0].load(Ordering::Relaxed), 1);
        assert_eq!(
            stats.buckets[LATENCY_BUCKETS.len()].load(Ordering::Relaxed),
            1
        );
    }

    #[test]
    fn without_state_or_hub_only_http_and_store_up_are_rendered() {
        HTTP.observe("GET", "/x/{id}".to_owned(), StatusCode::OK, Duration::ZERO);
        let mut out = String::new();
        render_http(&mut out);
        render_phases(&mut out, None, None);
        assert!(out.contains(
            "dragnet_http_requests_total{method=\"GET\",route=\"/x/{id}\",status=\"2xx\"} "
        ));
        assert!(out.contains(
            "dragnet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/x/{id}\",le=\"+Inf\"} "
        ));
        assert!(out.contains("dragnet_store_up 0\n"));
        assert!(!out.contains("dragnet_phase_items"));
    }

    #[test]
    fn proxies_are_rendered_by_label() {
        let mut out = String::new();
        render_proxies(
            &mut out,
            &[ProxyTotals {
                label: "px_abc".to_owned(),
                successes: 7,
                failures: 5,
                times_benched: 1,
                benched: true,
            }],
        );
        assert!(out.contains("dragnet_proxy_uses_total{proxy=\"px_abc\",result=\"ok\"} 7\n"));
        assert!(out.contains("dragnet_proxy_uses_total{proxy=\"px_abc\",result=\"fault\"} 5\n"));
        assert!(out.contains("dragnet_proxy_benched_total{proxy=\"px_abc\"} 1\n"));
        assert!(out.contains("dragnet_proxy_benched{proxy=\"px_abc\"} 1\n"));
    }
}
