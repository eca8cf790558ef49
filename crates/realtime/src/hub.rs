//! The hub: the latest snapshot and the subscribers of every campaign, fed by the engine
//! through [`ProgressSink::publish`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytestring::ByteString;
use dragnet_domain::CampaignId;
use dragnet_domain::content::RescoreStatus;
use dragnet_domain::progress::{PhaseProgress, ProgressKind, ProgressSink, RescoreProgress};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::RealtimeSettings;
use crate::mailbox::{Envelope, Mailbox, Outbound};
use crate::protocol::{ErrorCode, ServerMessage};

/// Where the hub gets a campaign's current state when nothing was published for it since the
/// process started (a campaign that finished before a restart, or one not running). The binary
/// implements it with the store (through `Store::run`, the store's one way to be called from
/// async code).
pub trait SnapshotSource: Send + Sync + 'static {
    /// The current states of the campaigns `campaign_ids` that exist (a campaign that does not
    /// exist is left out), or an error when they could not be loaded. The hub runs a few of
    /// these at a time; an implementation must not block the executor.
    fn snapshots(&self, campaign_ids: Vec<CampaignId>) -> SnapshotFuture<'_>;
}

/// What [`SnapshotSource::snapshots`] returns: the states found, or why none could be loaded.
pub type SnapshotFuture<'a> = Pin<
    Box<
        dyn Future<Output = Result<Vec<PhaseProgress>, Box<dyn std::error::Error + Send + Sync>>>
            + Send
            + 'a,
    >,
>;

/// Counters of the real-time server, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubMetrics {
    /// Clients connected now.
    pub clients: usize,
    /// WebSocket connections accepted since start.
    pub connections_total: u64,
    /// Messages written to clients (progress and control).
    pub messages_sent: u64,
    /// Routine updates replaced by a newer one before they were written (coalesced away).
    pub updates_coalesced: u64,
    /// Snapshots published by the engine.
    pub published: u64,
    /// Clients disconnected because their queue was full or a write timed out.
    pub slow_disconnects: u64,
    /// Clients disconnected because nothing arrived from them within the idle timeout.
    pub idle_disconnects: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) clients: AtomicUsize,
    pub(crate) connections_total: AtomicU64,
    pub(crate) messages_sent: AtomicU64,
    pub(crate) updates_coalesced: AtomicU64,
    pub(crate) published: AtomicU64,
    pub(crate) slow_disconnects: AtomicU64,
    pub(crate) idle_disconnects: AtomicU64,
}

/// What the hub knows about one campaign.
#[derive(Default)]
struct Campaign {
    /// The last sequence number assigned by a publish (0 before the first).
    seq: u64,
    /// The latest state, with the envelope sent to subscribers.
    latest: Option<Arc<Envelope>>,
    /// The latest `campaign.rescore` text while the campaign's rescore runs (pushed to a
    /// client that subscribes meanwhile); `None` otherwise.
    rescore: Option<ByteString>,
    subscribers: HashMap<u64, Arc<Mailbox>>,
}

pub(crate) struct Inner {
    pub(crate) settings: RealtimeSettings,
    campaigns: Mutex<HashMap<CampaignId, Campaign>>,
    source: Option<Arc<dyn SnapshotSource>>,
    snapshot_permits: Arc<Semaphore>,
    pub(crate) counters: Counters,
    next_client_id: AtomicU64,
    pub(crate) tracker: TaskTracker,
    pub(crate) cancel: CancellationToken,
    /// WebSocket connections per token id.
    token_connections: Mutex<HashMap<String, usize>>,
}

/// One of a token's WebSocket connection slots, held while the connection lasts; dropping it
/// gives the slot back.
pub struct TokenSlot {
    hub: Hub,
    token_id: String,
}

impl fmt::Debug for TokenSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSlot")
            .field("token_id", &self.token_id)
            .finish()
    }
}

impl Drop for TokenSlot {
    fn drop(&mut self) {
        let mut counts = self.hub.token_connections();
        if let Some(n) = counts.get_mut(&self.token_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.token_id);
            }
        }
    }
}

/// The real-time hub: receives the engine's progress, keeps the latest snapshot per campaign,
/// and fans it out to the WebSocket clients subscribed to that campaign. Cheap to clone (an
/// `Arc` inside); every clone is the same hub.
///
/// `seq`: each publish assigns the campaign's next sequence number (1, 2, …). A state loaded
/// from the [`SnapshotSource`] has `seq` 0. Numbers restart with the process.
#[derive(Clone)]
pub struct Hub {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("settings", &self.inner.settings)
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// A hub without a snapshot source: only campaigns published since start can be
    /// subscribed to.
    pub fn new(settings: RealtimeSettings) -> Self {
        Self::build(settings, None)
    }

    /// A hub that loads the state of campaigns it has not seen from `source`.
    pub fn with_snapshot_source(
        settings: RealtimeSettings,
        source: Arc<dyn SnapshotSource>,
    ) -> Self {
        Self::build(settings, Some(source))
    }

    fn build(settings: RealtimeSettings, source: Option<Arc<dyn SnapshotSource>>) -> Self {
        let permits = settings.snapshot_concurrency.max(1);
        Self {
            inner: Arc::new(Inner {
                settings,
                campaigns: Mutex::new(HashMap::new()),
                source,
                snapshot_permits: Arc::new(Semaphore::new(permits)),
                counters: Counters::default(),
                next_client_id: AtomicU64::new(1),
                tracker: TaskTracker::new(),
                cancel: CancellationToken::new(),
                token_connections: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The hub's settings.
    pub fn settings(&self) -> &RealtimeSettings {
        &self.inner.settings
    }

    /// Clients connected now.
    pub fn client_count(&self) -> usize {
        self.inner.counters.clients.load(Ordering::Relaxed)
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> HubMetrics {
        let c = &self.inner.counters;
        HubMetrics {
            clients: c.clients.load(Ordering::Relaxed),
            connections_total: c.connections_total.load(Ordering::Relaxed),
            messages_sent: c.messages_sent.load(Ordering::Relaxed),
            updates_coalesced: c.updates_coalesced.load(Ordering::Relaxed),
            published: c.published.load(Ordering::Relaxed),
            slow_disconnects: c.slow_disconnects.load(Ordering::Relaxed),
            idle_disconnects: c.idle_disconnects.load(Ordering::Relaxed),
        }
    }

    /// The latest state of a campaign known to the hub and its `seq`.
    pub fn latest(&self, campaign_id: CampaignId) -> Option<(u64, PhaseProgress)> {
        self.campaigns()
            .get(&campaign_id)
            .and_then(|c| c.latest.as_ref())
            .map(|envelope| (envelope.seq, envelope.progress.clone()))
    }

    /// Drops what the hub holds for a campaign (its latest snapshot and `seq`), e.g. after it
    /// was deleted. Clients still subscribed keep their subscription; a later publish starts
    /// again at `seq` 1.
    pub fn forget(&self, campaign_id: CampaignId) {
        let mut campaigns = self.campaigns();
        if let Some(campaign) = campaigns.get_mut(&campaign_id) {
            if campaign.subscribers.is_empty() {
                campaigns.remove(&campaign_id);
            } else {
                campaign.latest = None;
                campaign.seq = 0;
            }
        }
    }

    /// Stops the real-time server: refuses new connections and closes every session with
    /// code 1001 ("going away"). Returns at once; [`Hub::wait`] waits for the sessions.
    pub fn shutdown(&self) {
        self.inner.cancel.cancel();
        self.inner.tracker.close();
    }

    /// Whether [`Hub::shutdown`] was called.
    pub fn is_shut_down(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Waits until every session task has ended (after [`Hub::shutdown`]).
    pub async fn wait(&self) {
        self.inner.tracker.wait().await;
    }

    fn campaigns(&self) -> MutexGuard<'_, HashMap<CampaignId, Campaign>> {
        // Every critical section leaves the map consistent before anything that could panic,
        // so a poisoned lock is still usable; the engine must never be stopped by it.
        self.inner
            .campaigns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn token_connections(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        self.inner
            .token_connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes one of `token_id`'s WebSocket connection slots, or `None` when it holds
    /// [`RealtimeSettings::max_connections_per_token`] already.
    pub fn acquire_token_slot(&self, token_id: &str) -> Option<TokenSlot> {
        let max = self.inner.settings.max_connections_per_token;
        let mut counts = self.token_connections();
        if counts.get(token_id).copied().unwrap_or(0) >= max {
            return None;
        }
        *counts.entry(token_id.to_owned()).or_insert(0) += 1;
        Some(TokenSlot {
            hub: self.clone(),
            token_id: token_id.to_owned(),
        })
    }

    /// WebSocket connections `token_id` holds now.
    pub fn token_connections_of(&self, token_id: &str) -> usize {
        self.token_connections().get(token_id).copied().unwrap_or(0)
    }

    /// A new client's mailbox, with a cancellation token that the hub's shutdown cancels.
    pub(crate) fn new_mailbox(&self) -> Arc<Mailbox> {
        let id = self.inner.next_client_id.fetch_add(1, Ordering::Relaxed);
        Arc::new(Mailbox::new(
            id,
            self.inner.settings.client_queue_capacity,
            self.inner.settings.coalesce_interval,
            self.inner.cancel.child_token(),
        ))
    }

    /// Removes a client from every campaign it is subscribed to.
    pub(crate) fn unregister(&self, mailbox: &Mailbox) {
        let ids = mailbox.subscriptions();
        let mut campaigns = self.campaigns();
        for id in ids {
            if let Some(campaign) = campaigns.get_mut(&id) {
                campaign.subscribers.remove(&mailbox.client_id);
            }
        }
    }

    /// Queues a control message for a client. An overflow cancels the client's session, which
    /// then closes the connection; nothing else to do here.
    pub(crate) fn send_control(&self, mailbox: &Mailbox, message: &ServerMessage) {
        let _ = mailbox.push_urgent(Outbound::Control(message.to_text()));
    }

    /// Handles a `subscribe`: registers the client for each campaign whose state is known (to
    /// the hub, or else to the snapshot source), then queues the acknowledgement and those
    /// states, and one error naming the campaigns that could not be subscribed. The
    /// registration and the queueing happen under the hub's lock, so no publish can slip in
    /// between and every later publish arrives after the pushed state.
    pub(crate) async fn subscribe(&self, mailbox: &Arc<Mailbox>, requested: &[CampaignId]) {
        let mut ids: Vec<CampaignId> = Vec::with_capacity(requested.len());
        for id in requested {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
        let max = self.inner.settings.max_subscriptions_per_client;
        let new_count = ids.iter().filter(|id| !mailbox.is_subscribed(**id)).count();
        let current = mailbox.subscription_count();
        if current + new_count > max {
            self.send_control(
                mailbox,
                &ServerMessage::error(
                    ErrorCode::TooManySubscriptions,
                    format!(
                        "subscribing to {new_count} more campaigns would exceed the limit of \
                         {max} per client ({current} subscribed now); nothing was subscribed"
                    ),
                ),
            );
            return;
        }

        let missing: Vec<CampaignId> = {
            let campaigns = self.campaigns();
            ids.iter()
                .copied()
                .filter(|id| {
                    !mailbox.is_subscribed(*id)
                        && campaigns.get(id).is_none_or(|c| c.latest.is_none())
                })
                .collect()
        };
        let (fetched, failed) = self.load_snapshots(missing).await;

        let mut subscribed = Vec::with_capacity(ids.len());
        let mut states = Vec::with_capacity(ids.len());
        let mut rescores = Vec::new();
        let mut unknown = Vec::new();
        let mut unavailable = Vec::new();
        let mut campaigns = self.campaigns();
        for id in ids {
            if mailbox.is_subscribed(id) {
                subscribed.push(id);
                continue;
            }
            let campaign = campaigns.entry(id).or_default();
            if campaign.latest.is_none()
                && let Some(progress) = fetched.get(&id)
            {
                // Nothing was published meanwhile: the loaded state becomes the latest, with
                // seq 0, so later subscribers need no load.
                campaign.latest =
                    Some(Arc::new(Envelope::new(progress.clone(), 0, Instant::now())));
            }
            match &campaign.latest {
                Some(envelope) => {
                    mailbox.add_subscription(id);
                    campaign
                        .subscribers
                        .insert(mailbox.client_id, Arc::clone(mailbox));
                    subscribed.push(id);
                    states.push(Arc::clone(envelope));
                    if let Some(text) = &campaign.rescore {
                        rescores.push(text.clone());
                    }
                }
                None => {
                    if campaign.subscribers.is_empty() {
                        campaigns.remove(&id);
                    }
                    if failed.contains(&id) {
                        unavailable.push(id);
                    } else {
                        unknown.push(id);
                    }
                }
            }
        }
        self.send_control(
            mailbox,
            &ServerMessage::Subscribed {
                campaign_ids: subscribed,
            },
        );
        for state in states {
            if mailbox.push_urgent(Outbound::State(state)).is_err() {
                return;
            }
        }
        for text in rescores {
            if mailbox.push_urgent(Outbound::Control(text)).is_err() {
                return;
            }
        }
        drop(campaigns);
        if !unknown.is_empty() {
            let message = match unknown.as_slice() {
                [id] => format!("campaign {id} does not exist"),
                ids => format!("campaigns {} do not exist", list_ids(ids)),
            };
            self.send_control(
                mailbox,
                &ServerMessage::error(ErrorCode::UnknownCampaign, message),
            );
        }
        if !unavailable.is_empty() {
            self.send_control(
                mailbox,
                &ServerMessage::error(
                    ErrorCode::SnapshotUnavailable,
                    format!(
                        "the state of campaign(s) {} could not be loaded; not subscribed",
                        list_ids(&unavailable)
                    ),
                ),
            );
        }
    }

    /// Loads the states of campaigns the hub has not seen from the snapshot source, at most
    /// `snapshot_concurrency` loads at a time across all clients. Returns the states found
    /// and the ids whose load failed.
    async fn load_snapshots(
        &self,
        missing: Vec<CampaignId>,
    ) -> (HashMap<CampaignId, PhaseProgress>, Vec<CampaignId>) {
        let mut found = HashMap::new();
        let Some(source) = self.inner.source.clone() else {
            return (found, Vec::new());
        };
        if missing.is_empty() {
            return (found, Vec::new());
        }
        let Ok(_permit) = Arc::clone(&self.inner.snapshot_permits)
            .acquire_owned()
            .await
        else {
            return (found, missing);
        };
        match source.snapshots(missing.clone()).await {
            Ok(loaded) => {
                for progress in loaded {
                    // A source may answer with a campaign that was not asked for by mistake;
                    // only answers for the asked ids count.
                    if missing.contains(&progress.campaign_id) {
                        found.insert(progress.campaign_id, progress);
                    }
                }
                (found, Vec::new())
            }
            Err(error) => {
                tracing::error!(%error, "snapshot source failed");
                (found, missing)
            }
        }
    }

    /// Handles an `unsubscribe`: removes the subscriptions and whatever still waits for them,
    /// then acknowledges.
    pub(crate) fn unsubscribe(&self, mailbox: &Mailbox, ids: &[CampaignId]) {
        let mut removed = Vec::with_capacity(ids.len());
        {
            let mut campaigns = self.campaigns();
            for id in ids {
                if let Some(campaign) = campaigns.get_mut(id) {
                    campaign.subscribers.remove(&mailbox.client_id);
                }
                mailbox.remove_subscription(*id);
                if !removed.contains(id) {
                    removed.push(*id);
                }
            }
        }
        self.send_control(
            mailbox,
            &ServerMessage::Unsubscribed {
                campaign_ids: removed,
            },
        );
    }
}

impl ProgressSink for Hub {
    /// Assigns the campaign's next `seq`, keeps the snapshot as the latest, and hands it to
    /// each subscriber's mailbox: a routine update replaces the one waiting there, a status
    /// change is queued. Takes the hub's lock and each subscriber's lock briefly; never waits
    /// for a client.
    fn publish(&self, progress: &PhaseProgress, kind: ProgressKind) {
        let now = Instant::now();
        let mut coalesced = 0u64;
        {
            let mut campaigns = self.campaigns();
            let campaign = campaigns.entry(progress.campaign_id).or_default();
            campaign.seq += 1;
            let envelope = Arc::new(Envelope::new(progress.clone(), campaign.seq, now));
            for mailbox in campaign.subscribers.values() {
                match kind {
                    ProgressKind::Update => {
                        coalesced += u64::from(mailbox.push_update(&envelope, now));
                    }
                    ProgressKind::StatusChange => {
                        let _ = mailbox.push_urgent(Outbound::Progress(Arc::clone(&envelope)));
                    }
                }
            }
            campaign.latest = Some(envelope);
        }
        let counters = &self.inner.counters;
        counters.published.fetch_add(1, Ordering::Relaxed);
        if coalesced > 0 {
            counters
                .updates_coalesced
                .fetch_add(coalesced, Ordering::Relaxed);
        }
    }

    /// Queues a `campaign.rescore` message for each subscriber of the campaign, in order
    /// with its other messages (the engine publishes a rescore at most every progress
    /// interval, so these are never coalesced), and keeps it for clients that subscribe
    /// while the rescore runs. Never waits for a client.
    fn publish_rescore(&self, progress: &RescoreProgress) {
        let text = ServerMessage::CampaignRescore {
            data: progress.clone(),
        }
        .to_text();
        let mut campaigns = self.campaigns();
        let running = progress.rescore.state == RescoreStatus::Running;
        let campaign = campaigns.entry(progress.campaign_id).or_default();
        for mailbox in campaign.subscribers.values() {
            let _ = mailbox.push_urgent(Outbound::Control(text.clone()));
        }
        campaign.rescore = running.then_some(text);
        if campaign.subscribers.is_empty() && campaign.latest.is_none() && !running {
            campaigns.remove(&progress.campaign_id);
        }
    }
}

/// The ids as a comma-separated list, at most 20 of them.
fn list_ids(ids: &[CampaignId]) -> String {
    let shown: Vec<String> = ids.iter().take(20).map(CampaignId::to_string).collect();
    let mut list = shown.join(", ");
    if ids.len() > 20 {
        list.push_str(&format!(" and {} more", ids.len() - 20));
    }
    list
}
