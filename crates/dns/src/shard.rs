//! One socket worker: a single task that owns one UDP socket, its id space, its queries in
//! flight and its deadline queue, and drives them without locks.
//!
//! Each turn of the loop receives what the socket holds, expires deadlines, reaps TCP
//! fallbacks, pulls names from the shared input, sends a bounded batch (retries interleaved
//! with first attempts, under the same window and token bucket), and hands finished names to
//! the output. When nothing is ready it waits on the socket, the next deadline, the bucket,
//! the input, the output and the TCP tasks at once.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use dragnet_domain::DnsStrategy;
use hickory_proto::op::Edns;
use hickory_proto::rr::{Name, RecordType};
use tokio::net::UdpSocket;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ids::IdPool;
use super::net;
use super::outcome::{DnsErrorKind, DnsResult, OutcomeBuilder, TypeResult};
use super::resolver::ResolveStats;
use super::wire::{self, Answer, Rejected};
use crate::rate::TokenBucket;

/// Most datagrams sent in one turn.
const SEND_BATCH: u32 = 64;
/// Most datagrams received in one turn.
const RECV_BATCH: usize = 256;
/// Names pulled from the shared input at once.
const INBOX_BATCH: usize = 128;
/// Starting congestion window (queries alive) of a worker, before it grows towards its share
/// of `concurrency`: filling thousands of slots at once would overflow a server's socket buffer.
const INITIAL_WINDOW: usize = 256;
/// The window never shrinks below this.
const MIN_WINDOW: usize = 32;
/// Consecutive timeouts (with no answer in between) after which a worker stops choosing a
/// server, apart from one probe per timeout period, until it answers again.
const DOWN_AFTER_TIMEOUTS: u32 = 16;
const NIL: u32 = u32::MAX;

/// The input shared by all workers of one `resolve_stream` call.
pub(crate) type SharedInput = Arc<Mutex<mpsc::Receiver<(u64, String)>>>;

/// Settings shared by the workers of one `resolve_stream` call.
#[derive(Debug)]
pub(crate) struct ShardConfig {
    /// Server addresses as configured (used for TCP).
    pub(crate) servers: Vec<SocketAddr>,
    /// Server addresses as seen on the UDP sockets (v4-mapped on dual-stack sockets).
    pub(crate) send_addrs: Vec<SocketAddr>,
    pub(crate) weights: Vec<u32>,
    /// Running sums of `weights`, for picking a weighted first server in O(log n).
    pub(crate) cumulative_weights: Vec<u64>,
    pub(crate) strategy: DnsStrategy,
    pub(crate) qtypes: Vec<RecordType>,
    pub(crate) timeout: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) tcp_concurrency: usize,
    pub(crate) tcp_timeout: Duration,
    pub(crate) edns: Option<Edns>,
    pub(crate) recursion_desired: bool,
    pub(crate) retry_on_error: bool,
}

/// The channels and limits a worker shares with the others.
pub(crate) struct ShardIo {
    pub(crate) input: SharedInput,
    pub(crate) output: mpsc::Sender<DnsResult>,
    pub(crate) bucket: Option<Arc<TokenBucket>>,
    pub(crate) cancel: CancellationToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QState {
    Free,
    /// Admitted, never sent.
    Fresh,
    /// Sent over UDP; in the deadline list.
    InFlight,
    /// Timed out or failed; waiting in the retry queue. A late answer is still accepted.
    RetryWait,
    /// Truncated over UDP; waiting for or running a TCP query.
    Tcp,
}

#[derive(Debug)]
struct QuerySlot {
    state: QState,
    domain: u32,
    /// Position of the record type in `ShardConfig::qtypes`.
    rank: u8,
    id: u16,
    /// UDP sends, counted against `max_attempts`.
    attempts: u32,
    /// Server of the latest send.
    server: u32,
    /// Servers this query was sent to (indices below 64), whose answers are accepted.
    tried: u64,
    deadline: Instant,
    prev: u32,
    next: u32,
    last_error: Option<DnsErrorKind>,
    /// Bumped when the slot is freed, so queued references to an older query are ignored.
    generation: u32,
}

#[derive(Debug)]
struct DomainSlot {
    ordinal: u64,
    name: String,
    qname: Name,
    pending: u8,
    builder: OutcomeBuilder,
}

enum SendState {
    /// Nothing more to send until something happens.
    Idle,
    /// The batch was used up; more may be sendable right away.
    More,
    /// The socket's send buffer is full.
    Blocked,
    /// Waiting for tokens (rate limit or retry pacing) until this instant.
    Paced(Instant),
}

enum Event {
    Cancelled,
    Wake,
    Input(Vec<(u64, String)>),
    TcpDone(tokio::task::Id, TcpResult),
    TcpLost(tokio::task::Id),
    OutputClosed,
}

type TcpResult = (u32, u32, io::Result<Vec<u8>>);

/// What a worker knows about one server's health.
#[derive(Debug, Clone, Copy, Default)]
struct ServerHealth {
    last_answer: Option<Instant>,
    consecutive_timeouts: u32,
    down: bool,
    last_probe: Option<Instant>,
}

/// One socket worker.
pub(crate) struct Shard {
    cfg: Arc<ShardConfig>,
    io: ShardIo,
    socket: UdpSocket,
    cap: usize,
    window: usize,
    ssthresh: usize,
    growth: usize,
    last_backoff: Option<Instant>,
    ids: IdPool,
    by_id: Vec<u32>,
    queries: Vec<QuerySlot>,
    free_queries: Vec<u32>,
    domains: Vec<Option<DomainSlot>>,
    free_domains: Vec<u32>,
    alive: usize,
    head: u32,
    tail: u32,
    fresh: VecDeque<u32>,
    retry: VecDeque<(u32, u32)>,
    retry_bucket: TokenBucket,
    prefer_retry: bool,
    tcp_wait: VecDeque<(u32, u32)>,
    tcp_tasks: JoinSet<TcpResult>,
    tcp_ids: HashMap<tokio::task::Id, (u32, u32)>,
    inbox: VecDeque<(u64, String)>,
    input_closed: bool,
    out: VecDeque<DnsResult>,
    output_closed: bool,
    health: Vec<ServerHealth>,
    round_robin: usize,
    rng: fastrand::Rng,
    recv_buf: Vec<u8>,
    send_buf: Vec<u8>,
    stats: ResolveStats,
}

impl Shard {
    pub(crate) fn new(cfg: Arc<ShardConfig>, io: ShardIo, socket: UdpSocket, cap: usize) -> Self {
        let mut rng = fastrand::Rng::new();
        let ids = IdPool::new(&mut rng);
        let window = cap.min(INITIAL_WINDOW);
        // Retransmits are paced separately: at most twice a full window per timeout (and at
        // least 1000/s), with 10 ms of burst, so a wave of timeouts is spread out instead of
        // being re-sent at once into the buffer that just overflowed.
        let per_timeout = (2 * cap) as f64 / cfg.timeout.as_secs_f64().max(0.001);
        let retry_rate = per_timeout.clamp(1000.0, f64::from(u32::MAX)) as u32;
        let retry_rate = NonZeroU32::new(retry_rate).unwrap_or(NonZeroU32::MIN);
        let retry_burst =
            NonZeroU32::new((retry_rate.get() / 100).max(8)).unwrap_or(NonZeroU32::MIN);
        let servers = cfg.servers.len();
        Self {
            io,
            socket,
            cap,
            window,
            ssthresh: cap,
            growth: 0,
            last_backoff: None,
            ids,
            by_id: vec![NIL; 1 << 16],
            queries: Vec::with_capacity(window),
            free_queries: Vec::new(),
            domains: Vec::with_capacity(window),
            free_domains: Vec::new(),
            alive: 0,
            head: NIL,
            tail: NIL,
            fresh: VecDeque::new(),
            retry: VecDeque::new(),
            retry_bucket: TokenBucket::new(retry_rate, retry_burst),
            prefer_retry: true,
            tcp_wait: VecDeque::new(),
            tcp_tasks: JoinSet::new(),
            tcp_ids: HashMap::new(),
            inbox: VecDeque::with_capacity(INBOX_BATCH),
            input_closed: false,
            out: VecDeque::new(),
            output_closed: false,
            health: vec![ServerHealth::default(); servers],
            round_robin: 0,
            rng,
            recv_buf: vec![0; 65_536],
            send_buf: Vec::with_capacity(512),
            stats: ResolveStats::default(),
            cfg,
        }
    }

    /// Runs until the input is exhausted and every name is answered, or until cancelled.
    pub(crate) async fn run(mut self) -> ResolveStats {
        loop {
            if self.io.cancel.is_cancelled() || self.output_closed {
                self.stats.cancelled = true;
                break;
            }
            let now = Instant::now();
            let recv_full = self.receive(now);
            self.expire(now);
            self.reap_tcp();
            self.start_tcp();
            self.pull_input();
            // Flush first: a full output holds admission back, and room made here must be
            // used in this turn (nothing else would wake the worker for it).
            self.flush_output();
            let send = self.send_batch(now);
            self.flush_output();
            if self.is_done() {
                break;
            }
            let admissible =
                matches!(send, SendState::Idle) && !self.inbox.is_empty() && self.can_admit();
            if recv_full || admissible || matches!(send, SendState::More) {
                // More work is ready; let other tasks (often the server under test) run first.
                tokio::task::yield_now().await;
                continue;
            }
            match self.wait(send).await {
                Event::Cancelled => {}
                Event::Wake => {}
                Event::Input(items) => {
                    if items.is_empty() {
                        self.input_closed = true;
                    }
                    self.inbox.extend(items);
                }
                Event::TcpDone(task, (idx, generation, result)) => {
                    self.tcp_ids.remove(&task);
                    self.on_tcp_done(idx, generation, result);
                }
                Event::TcpLost(task) => {
                    if let Some((idx, generation)) = self.tcp_ids.remove(&task) {
                        self.on_tcp_done(
                            idx,
                            generation,
                            Err(io::Error::other("TCP task ended abnormally")),
                        );
                    }
                }
                Event::OutputClosed => self.output_closed = true,
            }
        }
        // Dropping the JoinSet aborts TCP queries still running; in-flight UDP queries are
        // simply forgotten with the socket.
        self.tcp_tasks.abort_all();
        self.stats
    }

    fn is_done(&self) -> bool {
        self.input_closed
            && self.inbox.is_empty()
            && self.alive == 0
            && self.out.is_empty()
            && self.tcp_tasks.is_empty()
    }

    async fn wait(&mut self, send: SendState) -> Event {
        let mut timer = self.deadline_of(self.head);
        if let SendState::Paced(at) = send {
            timer = Some(timer.map_or(at, |t| t.min(at)));
        }
        let blocked = matches!(send, SendState::Blocked);
        let want_input = self.inbox.is_empty() && !self.input_closed && self.can_admit();
        let input = Arc::clone(&self.io.input);
        let far = Instant::now() + Duration::from_secs(3600);
        tokio::select! {
            biased;
            () = self.io.cancel.cancelled() => Event::Cancelled,
            done = self.tcp_tasks.join_next_with_id(), if !self.tcp_tasks.is_empty() => match done {
                Some(Ok((task, result))) => Event::TcpDone(task, result),
                Some(Err(e)) => Event::TcpLost(e.id()),
                None => Event::Wake,
            },
            _ = self.socket.readable() => Event::Wake,
            _ = self.socket.writable(), if blocked => Event::Wake,
            permit = self.io.output.reserve(), if !self.out.is_empty() => match permit {
                Ok(permit) => {
                    if let Some(result) = self.out.pop_front() {
                        permit.send(result);
                    }
                    Event::Wake
                }
                Err(_) => Event::OutputClosed,
            },
            items = async move {
                let mut rx = input.lock().await;
                let mut items = Vec::with_capacity(INBOX_BATCH);
                rx.recv_many(&mut items, INBOX_BATCH).await;
                items
            }, if want_input => Event::Input(items),
            () = tokio::time::sleep_until(timer.unwrap_or(far)), if timer.is_some() => Event::Wake,
        }
    }

    // ---- receiving -------------------------------------------------------------------------

    /// Handles datagrams until the socket is empty or the batch is used; `true` if the batch
    /// was used up (more may be waiting).
    fn receive(&mut self, now: Instant) -> bool {
        let mut buf = std::mem::take(&mut self.recv_buf);
        let mut full = true;
        for _ in 0..RECV_BATCH {
            match self.socket.try_recv_from(&mut buf) {
                Ok((len, from)) => self.on_datagram(&buf[..len], from, now),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    full = false;
                    break;
                }
                Err(e) => {
                    // Unconnected UDP sockets rarely report errors; count and carry on.
                    self.stats.receive_errors += 1;
                    tracing::debug!(error = %e, "DNS socket receive error");
                }
            }
        }
        self.recv_buf = buf;
        full
    }

    fn on_datagram(&mut self, packet: &[u8], from: SocketAddr, now: Instant) {
        let Some(head) = wire::read_head(packet) else {
            self.stats.ignored_malformed += 1;
            return;
        };
        let idx = self.by_id[usize::from(head.header.metadata.id)];
        if idx == NIL {
            self.stats.ignored_unknown_id += 1;
            return;
        }
        let slot = &self.queries[idx as usize];
        if !matches!(slot.state, QState::InFlight | QState::RetryWait) {
            // A duplicate, or a UDP answer while the TCP fallback runs.
            self.stats.ignored_unknown_id += 1;
            return;
        }
        let Some(server) = self.matching_server(slot, from) else {
            self.stats.ignored_wrong_source += 1;
            return;
        };
        let qtype = self.cfg.qtypes[usize::from(slot.rank)];
        let Some(domain) = self.domains[slot.domain as usize].as_ref() else {
            return;
        };
        match head.answer(&domain.qname, qtype) {
            Err(Rejected::Malformed) => self.stats.ignored_malformed += 1,
            Err(Rejected::Mismatched) => self.stats.ignored_mismatched_question += 1,
            Ok(answer) => {
                self.stats.answers += 1;
                self.health[server as usize] = ServerHealth {
                    last_answer: Some(now),
                    ..ServerHealth::default()
                };
                self.grow_window();
                if self.queries[idx as usize].state == QState::InFlight {
                    self.unlink(idx);
                }
                self.queries[idx as usize].server = server;
                match answer {
                    Answer::Truncated => {
                        self.stats.truncated += 1;
                        let slot = &mut self.queries[idx as usize];
                        slot.state = QState::Tcp;
                        self.tcp_wait.push_back((idx, slot.generation));
                    }
                    Answer::Final(result) => self.on_result(idx, result),
                }
            }
        }
    }

    fn matching_server(&self, slot: &QuerySlot, from: SocketAddr) -> Option<u32> {
        if self.cfg.send_addrs[slot.server as usize] == from {
            return Some(slot.server);
        }
        let mut tried = slot.tried;
        while tried != 0 {
            let i = tried.trailing_zeros();
            if self.cfg.send_addrs.get(i as usize) == Some(&from) {
                return Some(i);
            }
            tried &= tried - 1;
        }
        None
    }

    /// A final answer for one record type: done, or retried if it is an error worth retrying.
    fn on_result(&mut self, idx: u32, result: TypeResult) {
        if let TypeResult::Error(kind) = result
            && self.cfg.retry_on_error
        {
            self.queries[idx as usize].last_error = Some(kind);
            self.after_failure(idx);
            return;
        }
        self.complete(idx, result);
    }

    // ---- timeouts and retries --------------------------------------------------------------

    fn expire(&mut self, now: Instant) {
        while self.head != NIL {
            let idx = self.head;
            let slot = &self.queries[idx as usize];
            if slot.deadline > now {
                break;
            }
            let server = slot.server as usize;
            self.unlink(idx);
            self.stats.timeouts += 1;
            // A timeout from a server that answers is a loss (probably a full buffer
            // somewhere); from a server that never answers it says nothing about load.
            let health = &mut self.health[server];
            let alive_server = health
                .last_answer
                .is_some_and(|t| now.saturating_duration_since(t) < 2 * self.cfg.timeout);
            health.consecutive_timeouts = health.consecutive_timeouts.saturating_add(1);
            if !health.down && health.consecutive_timeouts >= DOWN_AFTER_TIMEOUTS {
                health.down = true;
                health.last_probe = Some(now);
                self.stats.servers_marked_down += 1;
            }
            if alive_server {
                self.back_off(now);
            }
            self.after_failure(idx);
        }
    }

    /// A failed attempt: queue a retry if attempts remain, else end with the last error (or
    /// timeout).
    fn after_failure(&mut self, idx: u32) {
        let slot = &mut self.queries[idx as usize];
        if slot.attempts < self.cfg.max_attempts {
            slot.state = QState::RetryWait;
            self.retry.push_back((idx, slot.generation));
        } else {
            let result = slot
                .last_error
                .map_or(TypeResult::Timeout, TypeResult::Error);
            self.complete(idx, result);
        }
    }

    fn back_off(&mut self, now: Instant) {
        if self
            .last_backoff
            .is_some_and(|t| now.saturating_duration_since(t) < self.cfg.timeout)
        {
            return;
        }
        self.last_backoff = Some(now);
        self.ssthresh = (self.window / 2).max(MIN_WINDOW).min(self.cap);
        self.window = self.ssthresh;
        self.growth = 0;
        self.stats.backoffs += 1;
    }

    fn grow_window(&mut self) {
        if self.window >= self.cap {
            return;
        }
        if self.window < self.ssthresh {
            self.window += 1;
        } else {
            self.growth += 1;
            if self.growth >= self.window {
                self.growth = 0;
                self.window += 1;
            }
        }
    }

    // ---- the deadline list (send order = deadline order, since the timeout is fixed) -------

    fn deadline_of(&self, idx: u32) -> Option<Instant> {
        (idx != NIL).then(|| self.queries[idx as usize].deadline)
    }

    fn push_back(&mut self, idx: u32) {
        let tail = self.tail;
        {
            let slot = &mut self.queries[idx as usize];
            slot.prev = tail;
            slot.next = NIL;
        }
        if tail == NIL {
            self.head = idx;
        } else {
            self.queries[tail as usize].next = idx;
        }
        self.tail = idx;
    }

    fn unlink(&mut self, idx: u32) {
        let (prev, next) = {
            let slot = &mut self.queries[idx as usize];
            let links = (slot.prev, slot.next);
            slot.prev = NIL;
            slot.next = NIL;
            links
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.queries[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.queries[next as usize].prev = prev;
        }
    }

    // ---- admission and completion ----------------------------------------------------------

    fn can_admit(&self) -> bool {
        let n = self.cfg.qtypes.len();
        (self.alive == 0 || self.alive + n <= self.window) && self.out.len() < self.cap
    }

    fn pull_input(&mut self) {
        if self.input_closed || self.inbox.len() >= INBOX_BATCH / 2 {
            return;
        }
        let Ok(mut rx) = self.io.input.try_lock() else {
            return;
        };
        while self.inbox.len() < INBOX_BATCH {
            match rx.try_recv() {
                Ok(item) => self.inbox.push_back(item),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.input_closed = true;
                    break;
                }
            }
        }
    }

    /// Admits the next name from the inbox, creating one fresh query per record type.
    fn admit_one(&mut self) -> bool {
        loop {
            if !self.can_admit() {
                return false;
            }
            let Some((ordinal, name)) = self.inbox.pop_front() else {
                return false;
            };
            let Some(qname) = wire::parse_name(&name) else {
                self.stats.names += 1;
                self.out.push_back(DnsResult {
                    ordinal,
                    name,
                    outcome: OutcomeBuilder::invalid_name(),
                });
                continue;
            };
            let n = self.cfg.qtypes.len();
            let domain = DomainSlot {
                ordinal,
                name,
                qname,
                // At most MAX_RECORD_TYPES types.
                pending: n as u8,
                builder: OutcomeBuilder::default(),
            };
            let d = match self.free_domains.pop() {
                Some(d) => {
                    self.domains[d as usize] = Some(domain);
                    d
                }
                None => {
                    self.domains.push(Some(domain));
                    (self.domains.len() - 1) as u32
                }
            };
            for rank in 0..n {
                // Cannot fail: alive queries never exceed 60,000 of the 65,536 ids.
                let Some(id) = self.ids.take() else {
                    return false;
                };
                let slot = QuerySlot {
                    state: QState::Fresh,
                    domain: d,
                    rank: rank as u8,
                    id,
                    attempts: 0,
                    server: 0,
                    tried: 0,
                    deadline: Instant::now(),
                    prev: NIL,
                    next: NIL,
                    last_error: None,
                    generation: 0,
                };
                let idx = match self.free_queries.pop() {
                    Some(i) => {
                        let generation = self.queries[i as usize].generation;
                        self.queries[i as usize] = QuerySlot { generation, ..slot };
                        i
                    }
                    None => {
                        self.queries.push(slot);
                        (self.queries.len() - 1) as u32
                    }
                };
                self.by_id[usize::from(id)] = idx;
                self.alive += 1;
                self.fresh.push_back(idx);
            }
            self.stats.peak_alive_queries = self.stats.peak_alive_queries.max(self.alive as u64);
            return true;
        }
    }

    /// Ends one record type's query (it must not be in the deadline list).
    fn complete(&mut self, idx: u32, result: TypeResult) {
        let (d, rank) = {
            let slot = &mut self.queries[idx as usize];
            self.by_id[usize::from(slot.id)] = NIL;
            self.ids.release(slot.id);
            slot.state = QState::Free;
            slot.generation = slot.generation.wrapping_add(1);
            (slot.domain, usize::from(slot.rank))
        };
        self.free_queries.push(idx);
        self.alive -= 1;
        let Some(domain) = self.domains[d as usize].as_mut() else {
            return;
        };
        domain.builder.add(rank, result);
        domain.pending -= 1;
        if domain.pending == 0
            && let Some(domain) = self.domains[d as usize].take()
        {
            self.free_domains.push(d);
            self.stats.names += 1;
            self.out.push_back(DnsResult {
                ordinal: domain.ordinal,
                name: domain.name,
                outcome: domain.builder.finish(),
            });
        }
    }

    fn flush_output(&mut self) {
        while let Some(result) = self.out.pop_front() {
            match self.io.output.try_send(result) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(result)) => {
                    self.out.push_front(result);
                    break;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.output_closed = true;
                    self.out.clear();
                    break;
                }
            }
        }
    }

    // ---- sending ---------------------------------------------------------------------------

    fn send_batch(&mut self, now: Instant) -> SendState {
        let mut budget = SEND_BATCH;
        if let Some(bucket) = &self.io.bucket {
            if self.fresh.is_empty() && self.retry.is_empty() && self.inbox.is_empty() {
                return SendState::Idle;
            }
            budget = bucket.try_acquire_up_to(SEND_BATCH);
            if budget == 0 {
                return SendState::Paced(now + bucket.wait_time(1));
            }
        }
        let mut sent = 0;
        let mut state = SendState::Idle;
        while sent < budget {
            // Drop references to queries that were answered late while waiting for a retry.
            while let Some(&(idx, generation)) = self.retry.front() {
                let slot = &self.queries[idx as usize];
                if slot.generation == generation && slot.state == QState::RetryWait {
                    break;
                }
                self.retry.pop_front();
            }
            if self.fresh.is_empty() {
                self.admit_one();
            }
            let take_retry = !self.retry.is_empty()
                && (self.fresh.is_empty() || self.prefer_retry)
                && self.retry_bucket.try_acquire(1);
            let (idx, from_retry) = if take_retry {
                match self.retry.pop_front() {
                    Some((idx, _)) => (idx, true),
                    None => break,
                }
            } else if let Some(idx) = self.fresh.pop_front() {
                (idx, false)
            } else {
                if !self.retry.is_empty() {
                    state = SendState::Paced(now + self.retry_bucket.wait_time(1));
                }
                break;
            };
            self.prefer_retry = !from_retry;
            match self.send_query(idx, now) {
                Sent::Yes => sent += 1,
                Sent::WouldBlock => {
                    if from_retry {
                        self.retry_bucket.refund(1);
                        let generation = self.queries[idx as usize].generation;
                        self.retry.push_front((idx, generation));
                    } else {
                        self.fresh.push_front(idx);
                    }
                    state = SendState::Blocked;
                    break;
                }
            }
        }
        if let Some(bucket) = &self.io.bucket {
            bucket.refund(budget - sent);
        }
        if sent == budget && matches!(state, SendState::Idle) {
            SendState::More
        } else {
            state
        }
    }

    fn send_query(&mut self, idx: u32, now: Instant) -> Sent {
        let (d, rank, id, attempts, prev_server, tried) = {
            let s = &self.queries[idx as usize];
            (s.domain, s.rank, s.id, s.attempts, s.server, s.tried)
        };
        let server = if attempts == 0 {
            let pick = self.first_server();
            self.steer(pick, None, now)
        } else {
            let pick = self.next_server(prev_server, tried);
            self.steer(pick, Some(prev_server), now)
        };
        let qtype = self.cfg.qtypes[usize::from(rank)];
        let Some(domain) = self.domains[d as usize].as_mut() else {
            return Sent::Yes;
        };
        if wire::encode_query(
            &mut self.send_buf,
            id,
            &domain.qname,
            qtype,
            self.cfg.recursion_desired,
            self.cfg.edns.as_ref(),
        )
        .is_err()
        {
            self.complete(idx, TypeResult::Error(DnsErrorKind::InvalidName));
            return Sent::Yes;
        }
        let to = self.cfg.send_addrs[server as usize];
        let result = self.socket.try_send_to(&self.send_buf, to);
        if let Err(e) = &result
            && e.kind() == io::ErrorKind::WouldBlock
        {
            return Sent::WouldBlock;
        }
        let slot = &mut self.queries[idx as usize];
        slot.attempts += 1;
        slot.server = server;
        if server < 64 {
            slot.tried |= 1 << server;
        }
        match result {
            Ok(_) => {
                domain.builder.add_attempt();
                self.stats.queries_sent += 1;
                if attempts > 0 {
                    self.stats.retransmits += 1;
                }
                slot.state = QState::InFlight;
                slot.deadline = now + self.cfg.timeout;
                self.push_back(idx);
            }
            Err(e) => {
                self.stats.send_errors += 1;
                tracing::debug!(error = %e, server = %to, "DNS send failed");
                slot.last_error = Some(DnsErrorKind::Network);
                self.after_failure(idx);
            }
        }
        Sent::Yes
    }

    /// Whether `server` may be used now: it is up, or it is down and due for its probe (one
    /// query per timeout period, so that a recovered server is noticed).
    fn usable(&mut self, server: usize, now: Instant) -> bool {
        let timeout = self.cfg.timeout;
        let health = &mut self.health[server];
        if !health.down {
            return true;
        }
        if health
            .last_probe
            .is_none_or(|t| now.saturating_duration_since(t) >= timeout)
        {
            health.last_probe = Some(now);
            return true;
        }
        false
    }

    /// The strategy's pick, or, if that server is down, the next server in order that is up
    /// (never one with weight 0 under `weighted`, never `exclude`); the pick itself if none.
    fn steer(&mut self, pick: u32, exclude: Option<u32>, now: Instant) -> u32 {
        let n = self.cfg.servers.len();
        let i = pick as usize;
        if n == 1 || self.usable(i, now) {
            return pick;
        }
        let weighted = self.cfg.strategy == DnsStrategy::Weighted;
        (1..n)
            .map(|k| (i + k) % n)
            .find(|&j| {
                Some(j as u32) != exclude
                    && !self.health[j].down
                    && !(weighted && self.cfg.weights[j] == 0)
            })
            .map_or(pick, |j| j as u32)
    }

    fn first_server(&mut self) -> u32 {
        let n = self.cfg.servers.len();
        if n == 1 {
            return 0;
        }
        let i = match self.cfg.strategy {
            DnsStrategy::RoundRobin => {
                let i = self.round_robin % n;
                self.round_robin = self.round_robin.wrapping_add(1);
                i
            }
            DnsStrategy::Random => self.rng.usize(..n),
            DnsStrategy::Weighted => {
                let cumulative = &self.cfg.cumulative_weights;
                let total = cumulative.last().copied().unwrap_or(0);
                if total == 0 {
                    0
                } else {
                    let r = self.rng.u64(..total);
                    cumulative.partition_point(|&c| c <= r)
                }
            }
            DnsStrategy::Failover => 0,
        };
        i as u32
    }

    fn next_server(&mut self, current: u32, tried: u64) -> u32 {
        let n = self.cfg.servers.len();
        if n == 1 {
            return 0;
        }
        let current = current as usize;
        let untried = |i: usize| i >= 64 || tried & (1 << i) == 0;
        let i = match self.cfg.strategy {
            DnsStrategy::RoundRobin | DnsStrategy::Failover => (current + 1) % n,
            DnsStrategy::Random => {
                let fresh: Vec<usize> = (0..n).filter(|&i| untried(i)).collect();
                if fresh.is_empty() {
                    let pick = self.rng.usize(..n - 1);
                    if pick >= current { pick + 1 } else { pick }
                } else {
                    fresh[self.rng.usize(..fresh.len())]
                }
            }
            DnsStrategy::Weighted => {
                let weights = &self.cfg.weights;
                let pick = |rng: &mut fastrand::Rng, eligible: &dyn Fn(usize) -> bool| {
                    let total: u64 = (0..n)
                        .filter(|&i| eligible(i))
                        .map(|i| u64::from(weights[i]))
                        .sum();
                    if total == 0 {
                        return None;
                    }
                    let mut r = rng.u64(..total);
                    (0..n).filter(|&i| eligible(i)).find(|&i| {
                        let w = u64::from(weights[i]);
                        if r < w {
                            true
                        } else {
                            r -= w;
                            false
                        }
                    })
                };
                pick(&mut self.rng, &untried)
                    .or_else(|| pick(&mut self.rng, &|i| i != current))
                    .unwrap_or(current)
            }
        };
        i as u32
    }

    // ---- TCP fallback ----------------------------------------------------------------------

    fn start_tcp(&mut self) {
        while self.tcp_tasks.len() < self.cfg.tcp_concurrency {
            let Some((idx, generation)) = self.tcp_wait.pop_front() else {
                return;
            };
            let slot = &self.queries[idx as usize];
            if slot.generation != generation || slot.state != QState::Tcp {
                continue;
            }
            let (d, rank, id, server) = (slot.domain, slot.rank, slot.id, slot.server);
            let qtype = self.cfg.qtypes[usize::from(rank)];
            let Some(domain) = self.domains[d as usize].as_mut() else {
                continue;
            };
            let mut query = Vec::with_capacity(64);
            if wire::encode_query(
                &mut query,
                id,
                &domain.qname,
                qtype,
                self.cfg.recursion_desired,
                self.cfg.edns.as_ref(),
            )
            .is_err()
            {
                self.complete(idx, TypeResult::Error(DnsErrorKind::InvalidName));
                continue;
            }
            domain.builder.add_attempt();
            self.stats.tcp_queries += 1;
            let addr = self.cfg.servers[server as usize];
            let timeout = self.cfg.tcp_timeout;
            let bucket = self.io.bucket.clone();
            let handle = self.tcp_tasks.spawn(async move {
                if let Some(bucket) = bucket {
                    bucket.acquire(1).await;
                }
                let result = net::tcp_exchange(addr, &query, timeout).await;
                (idx, generation, result)
            });
            self.tcp_ids.insert(handle.id(), (idx, generation));
        }
    }

    fn reap_tcp(&mut self) {
        while let Some(done) = self.tcp_tasks.try_join_next_with_id() {
            match done {
                Ok((task, (idx, generation, result))) => {
                    self.tcp_ids.remove(&task);
                    self.on_tcp_done(idx, generation, result);
                }
                Err(e) => {
                    if let Some((idx, generation)) = self.tcp_ids.remove(&e.id()) {
                        self.on_tcp_done(
                            idx,
                            generation,
                            Err(io::Error::other("TCP task ended abnormally")),
                        );
                    }
                }
            }
        }
    }

    fn on_tcp_done(&mut self, idx: u32, generation: u32, result: io::Result<Vec<u8>>) {
        let slot = &self.queries[idx as usize];
        if slot.generation != generation || slot.state != QState::Tcp {
            return;
        }
        let answer = match &result {
            Ok(bytes) => match (
                wire::read_head(bytes),
                self.domains[slot.domain as usize].as_ref(),
            ) {
                (Some(head), Some(domain)) if head.header.metadata.id == slot.id => head
                    .answer(&domain.qname, self.cfg.qtypes[usize::from(slot.rank)])
                    .ok(),
                _ => None,
            },
            Err(e) => {
                tracing::debug!(error = %e, "DNS TCP fallback failed");
                None
            }
        };
        match answer {
            Some(Answer::Final(result)) => {
                self.stats.answers += 1;
                self.on_result(idx, result);
            }
            Some(Answer::Truncated) | None => {
                self.stats.tcp_failures += 1;
                self.queries[idx as usize].last_error = Some(DnsErrorKind::TcpFailed);
                self.after_failure(idx);
            }
        }
    }
}

enum Sent {
    Yes,
    WouldBlock,
}
