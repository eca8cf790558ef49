//! The public face of the resolver: validated settings, a shared rate limiter, and the
//! streaming entry point that starts one worker per UDP socket.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::outcome::DnsResult;
use super::settings::{ResolverSettings, SettingsError, wire_type};
use super::shard::{Shard, ShardConfig, ShardIo};
use super::{net, wire};
use crate::rate::TokenBucket;

/// Counters of one [`Resolver::resolve_stream`] call, summed over its socket workers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolveStats {
    /// Names finished and handed to the output (or dropped by cancellation after finishing).
    pub names: u64,
    /// UDP queries sent (first attempts and retries).
    pub queries_sent: u64,
    /// UDP queries sent as retries.
    pub retransmits: u64,
    /// TCP fallback queries started.
    pub tcp_queries: u64,
    /// Answers accepted (UDP and TCP).
    pub answers: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// UDP answers truncated (TC bit), each followed by a TCP query.
    pub truncated: u64,
    /// TCP fallbacks that failed (connect, I/O, timeout or a bad answer).
    pub tcp_failures: u64,
    /// Packets ignored: no query in flight with that id (late, duplicate or forged).
    pub ignored_unknown_id: u64,
    /// Packets ignored: right id, wrong question.
    pub ignored_mismatched_question: u64,
    /// Packets ignored: right id, but not from a server the query was sent to.
    pub ignored_wrong_source: u64,
    /// Packets ignored: not a decodable DNS response.
    pub ignored_malformed: u64,
    /// Sends that failed with an error other than a full buffer.
    pub send_errors: u64,
    /// Socket receive errors.
    pub receive_errors: u64,
    /// Times a worker halved its window after losing answers from a responsive server.
    pub backoffs: u64,
    /// Times a worker marked a server down after repeated timeouts (it then gets one probe
    /// query per timeout period until it answers again).
    pub servers_marked_down: u64,
    /// Sum over the workers of their highest number of queries alive at once; an upper bound
    /// of the resolver's peak, never above `concurrency`.
    pub peak_alive_queries: u64,
    /// Whether the call stopped because it was cancelled (or the output was closed).
    pub cancelled: bool,
}

impl ResolveStats {
    fn merge(&mut self, o: &ResolveStats) {
        self.names += o.names;
        self.queries_sent += o.queries_sent;
        self.retransmits += o.retransmits;
        self.tcp_queries += o.tcp_queries;
        self.answers += o.answers;
        self.timeouts += o.timeouts;
        self.truncated += o.truncated;
        self.tcp_failures += o.tcp_failures;
        self.ignored_unknown_id += o.ignored_unknown_id;
        self.ignored_mismatched_question += o.ignored_mismatched_question;
        self.ignored_wrong_source += o.ignored_wrong_source;
        self.ignored_malformed += o.ignored_malformed;
        self.send_errors += o.send_errors;
        self.receive_errors += o.receive_errors;
        self.backoffs += o.backoffs;
        self.servers_marked_down += o.servers_marked_down;
        self.peak_alive_queries += o.peak_alive_queries;
        self.cancelled |= o.cancelled;
    }
}

/// Why a resolve call failed as a whole (individual names never fail the call).
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// The settings were rejected.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A UDP socket could not be created.
    #[error("cannot open a UDP socket: {0}")]
    Socket(#[source] io::Error),
    /// A socket worker panicked.
    #[error("a DNS socket worker failed: {0}")]
    Worker(String),
}

/// A massdns-style stub resolver: a few UDP sockets, thousands of queries in flight.
///
/// Cheap to clone the settings into; each [`resolve_stream`](Self::resolve_stream) call opens
/// its own sockets, so calls are independent apart from the shared rate limiter.
#[derive(Debug, Clone)]
pub struct Resolver {
    settings: ResolverSettings,
    bucket: Option<Arc<TokenBucket>>,
}

impl Resolver {
    /// Validates the settings. With `rate_limit_per_second` set, the resolver gets its own
    /// [`TokenBucket`], shared by all its calls; see [`with_rate_limiter`](Self::with_rate_limiter)
    /// to share one with other workers.
    pub fn new(settings: ResolverSettings) -> Result<Self, SettingsError> {
        settings.validate()?;
        let bucket = settings
            .rate_limit_per_second
            .map(|rate| Arc::new(TokenBucket::per_second(rate)));
        Ok(Self { settings, bucket })
    }

    /// Uses `bucket` for every query sent (for a campaign-wide limit shared with other
    /// resolvers or phases), replacing the one built from `rate_limit_per_second`.
    pub fn with_rate_limiter(mut self, bucket: Arc<TokenBucket>) -> Self {
        self.bucket = Some(bucket);
        self
    }

    /// The settings in use.
    pub fn settings(&self) -> &ResolverSettings {
        &self.settings
    }

    /// The rate limiter in use, if any.
    pub fn rate_limiter(&self) -> Option<&Arc<TokenBucket>> {
        self.bucket.as_ref()
    }

    /// Resolves every `(ordinal, name)` received on `input` and sends one [`DnsResult`] per
    /// name to `output`, in completion order, until `input` is closed and drained.
    ///
    /// Memory is bounded by `concurrency` whatever the input's length: names are pulled only
    /// when a worker has room, and a slow `output` holds workers back rather than queueing.
    /// On cancellation it returns promptly with `cancelled` set; queries in flight are
    /// abandoned, and names not yet sent to `output` get no result (callers re-run them).
    /// Invalid names get an `error INVALID_NAME` result without a query.
    pub async fn resolve_stream(
        &self,
        input: mpsc::Receiver<(u64, String)>,
        output: mpsc::Sender<DnsResult>,
        cancel: CancellationToken,
    ) -> Result<ResolveStats, DnsError> {
        let s = &self.settings;
        let workers = s.sockets.min(s.concurrency);
        let dual_stack = s.servers.iter().any(|srv| srv.addr.is_ipv6());
        let servers: Vec<SocketAddr> = s.servers.iter().map(|srv| srv.addr).collect();
        let weights: Vec<u32> = s.servers.iter().map(|srv| srv.weight).collect();
        let cumulative_weights = weights
            .iter()
            .scan(0u64, |sum, &w| {
                *sum += u64::from(w);
                Some(*sum)
            })
            .collect();
        let cfg = Arc::new(ShardConfig {
            send_addrs: servers
                .iter()
                .map(|&a| net::send_addr(a, dual_stack))
                .collect(),
            servers,
            weights,
            cumulative_weights,
            strategy: s.strategy,
            qtypes: s
                .distinct_record_types()
                .into_iter()
                .map(wire_type)
                .collect(),
            timeout: s.timeout,
            max_attempts: s.retries.saturating_add(1),
            tcp_concurrency: s.tcp_concurrency,
            tcp_timeout: s.tcp_timeout,
            edns: s.edns_udp_payload.map(wire::edns),
            recursion_desired: s.recursion_desired,
            retry_on_error: s.retry_on_error_rcode,
        });

        // Workers stop with the caller's token, or with ours if one of them fails.
        let stop = cancel.child_token();
        let input = Arc::new(Mutex::new(input));
        let mut tasks = JoinSet::new();
        for i in 0..workers {
            let socket =
                net::bind_udp(dual_stack, s.socket_buffer_bytes).map_err(DnsError::Socket)?;
            let cap = s.concurrency / workers + usize::from(i < s.concurrency % workers);
            let io = ShardIo {
                input: Arc::clone(&input),
                output: output.clone(),
                bucket: self.bucket.clone(),
                cancel: stop.clone(),
            };
            tasks.spawn(Shard::new(Arc::clone(&cfg), io, socket, cap).run());
        }
        drop(output);

        let mut stats = ResolveStats::default();
        let mut failure = None;
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(worker) => stats.merge(&worker),
                Err(e) => {
                    stop.cancel();
                    failure.get_or_insert_with(|| e.to_string());
                }
            }
        }
        match failure {
            Some(e) => Err(DnsError::Worker(e)),
            None => Ok(stats),
        }
    }

    /// Resolves one chunk of names and returns the results (in completion order) once all are
    /// done, or what finished before cancellation.
    pub async fn resolve_batch(
        &self,
        names: Vec<(u64, String)>,
        cancel: CancellationToken,
    ) -> Result<(Vec<DnsResult>, ResolveStats), DnsError> {
        let total = names.len();
        let (in_tx, in_rx) = mpsc::channel(1024);
        let (out_tx, mut out_rx) = mpsc::channel(1024);
        let feed = async move {
            for item in names {
                if in_tx.send(item).await.is_err() {
                    break;
                }
            }
        };
        let collect = async move {
            let mut results = Vec::with_capacity(total);
            while let Some(r) = out_rx.recv().await {
                results.push(r);
            }
            results
        };
        let (_, stats, results) =
            tokio::join!(feed, self.resolve_stream(in_rx, out_tx, cancel), collect);
        Ok((results, stats?))
    }
}
