//! One client's outbound mailbox: what the hub has for the client and the session has not yet
//! written, and the per-campaign coalescing.
//!
//! Two parts, both behind one short-held lock:
//! - an ordered, bounded queue of messages that must not be coalesced (status changes, the
//!   state pushed on subscribe, acknowledgements, errors). When it is full the client is too
//!   slow: the mailbox marks itself overflowed and cancels the session, and pushes fail fast;
//! - one slot per subscribed campaign holding the latest routine update not yet written,
//!   replaced by each newer one, so routine updates never make the mailbox grow.
//!
//! The session takes what is due with [`Mailbox::take_due`]: the whole queue at once, and a
//! slot's update once `coalesce_interval` has passed since that campaign's last message to
//! this client (measured from its publish time; see [`Slot::due`]). Sequence numbers per campaign only grow through the mailbox: a queued status
//! change drops an older update waiting in the slot, and the queue is always written before
//! the slots.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use bytestring::ByteString;
use dragnet_domain::CampaignId;
use dragnet_domain::progress::PhaseProgress;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::protocol::progress_text;

/// A published snapshot, shared by every subscriber. Its text is built the first time a
/// session writes it, not by the publisher: under a flood most snapshots are replaced before
/// anyone writes them, and the engine's `publish` stays cheap.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub(crate) campaign_id: CampaignId,
    pub(crate) seq: u64,
    pub(crate) progress: PhaseProgress,
    /// When the hub received it; the coalescing spaces messages by this time.
    pub(crate) published_at: Instant,
    text: OnceLock<ByteString>,
}

impl Envelope {
    pub(crate) fn new(progress: PhaseProgress, seq: u64, published_at: Instant) -> Self {
        Self {
            campaign_id: progress.campaign_id,
            seq,
            progress,
            published_at,
            text: OnceLock::new(),
        }
    }

    /// The `campaign.progress` text, built once.
    pub(crate) fn text(&self) -> ByteString {
        self.text
            .get_or_init(|| progress_text(self.seq, &self.progress))
            .clone()
    }
}

/// A message waiting to be written.
#[derive(Debug, Clone)]
pub(crate) enum Outbound {
    /// A `campaign.progress` message.
    Progress(Arc<Envelope>),
    /// The `campaign.progress` message pushed on subscribe. It answers a request rather than
    /// being part of the stream of updates, so it does not start a coalescing interval: an
    /// update published just after it is not held back.
    State(Arc<Envelope>),
    /// Any other message (acknowledgement, error).
    Control(ByteString),
}

impl Outbound {
    pub(crate) fn text(&self) -> ByteString {
        match self {
            Outbound::Progress(envelope) | Outbound::State(envelope) => envelope.text(),
            Outbound::Control(text) => text.clone(),
        }
    }
}

/// The queue was full: the client has been marked too slow and its session cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow;

#[derive(Debug, Default)]
struct Slot {
    /// The newest routine update not yet taken.
    pending: Option<Arc<Envelope>>,
    /// The last progress message for this campaign taken for writing: when it was published,
    /// and when it was taken.
    last_sent: Option<(Instant, Instant)>,
}

impl Slot {
    /// When the next routine update may be taken: one interval after the *publish* time of
    /// the last message sent, and at least half an interval after it was taken.
    ///
    /// Spacing by publish time keeps an engine that publishes exactly once per interval from
    /// being held back: spacing by send time alone would delay each update by the previous
    /// one's delivery time plus timer rounding, a lag that grows every cycle up to a whole
    /// interval. The half-interval floor keeps a session that fell behind from sending two
    /// updates back to back. Under a flood the message taken was published just before, so
    /// the rate stays one per interval.
    fn due(&self, interval: Duration, now: Instant) -> Instant {
        match self.last_sent {
            None => now,
            Some((published, taken)) => (published + interval).max(taken + interval / 2),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Outbound>,
    /// One per subscribed campaign: the mailbox doubles as the client's subscription set.
    slots: HashMap<CampaignId, Slot>,
    /// When the session will next look at the slots without being notified; `None` when it
    /// waits for a notification. Publishers notify only when an update is due earlier, so a
    /// flood of updates wakes the session about once per interval, not once per update.
    wake_at: Option<Instant>,
    overflowed: bool,
}

/// One client's mailbox. Shared between the hub (publishers push) and the client's session
/// (which takes and writes).
#[derive(Debug)]
pub(crate) struct Mailbox {
    pub(crate) client_id: u64,
    capacity: usize,
    interval: Duration,
    state: Mutex<State>,
    /// Wakes the session; stores one permit, so a notification is never lost.
    pub(crate) notify: Notify,
    /// Cancelled when the client overflows or the hub shuts down.
    pub(crate) cancel: CancellationToken,
}

impl Mailbox {
    pub(crate) fn new(
        client_id: u64,
        capacity: usize,
        interval: Duration,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            client_id,
            capacity: capacity.max(1),
            interval,
            state: Mutex::new(State::default()),
            notify: Notify::new(),
            cancel,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent in a way that
        // matters more than losing the client, so a poisoned lock is used as is.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the mailbox overflowed (the client is being disconnected as too slow).
    pub(crate) fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// Number of subscribed campaigns.
    pub(crate) fn subscription_count(&self) -> usize {
        self.lock().slots.len()
    }

    /// Whether the client is subscribed to `campaign_id`.
    pub(crate) fn is_subscribed(&self, campaign_id: CampaignId) -> bool {
        self.lock().slots.contains_key(&campaign_id)
    }

    /// The subscribed campaigns.
    pub(crate) fn subscriptions(&self) -> Vec<CampaignId> {
        self.lock().slots.keys().copied().collect()
    }

    /// Adds a subscription (no-op when already subscribed).
    pub(crate) fn add_subscription(&self, campaign_id: CampaignId) {
        self.lock().slots.entry(campaign_id).or_default();
    }

    /// Removes a subscription and everything still waiting for that campaign, so that no
    /// progress for it follows the `unsubscribed` acknowledgement.
    pub(crate) fn remove_subscription(&self, campaign_id: CampaignId) {
        let mut state = self.lock();
        state.slots.remove(&campaign_id);
        state.queue.retain(
            |out| !matches!(out, Outbound::Progress(e) | Outbound::State(e) if e.campaign_id == campaign_id),
        );
    }

    /// Stores a routine update in its campaign's slot, replacing an older one. Returns whether
    /// an older update was replaced (coalesced away). Never blocks beyond the short lock.
    pub(crate) fn push_update(&self, envelope: &Arc<Envelope>, now: Instant) -> bool {
        let mut state = self.lock();
        if state.overflowed {
            return false;
        }
        let interval = self.interval;
        let Some(slot) = state.slots.get_mut(&envelope.campaign_id) else {
            return false;
        };
        let replaced = slot.pending.replace(Arc::clone(envelope)).is_some();
        let due = slot.due(interval, now).max(now);
        if state.wake_at.is_none_or(|wake| due < wake) {
            state.wake_at = Some(due);
            drop(state);
            self.notify.notify_one();
        }
        replaced
    }

    /// Appends a message that must not be coalesced. A progress message drops the older
    /// update waiting in its campaign's slot. Fails (and cancels the session) when the queue
    /// is full.
    pub(crate) fn push_urgent(&self, out: Outbound) -> Result<(), Overflow> {
        let mut state = self.lock();
        if state.overflowed {
            return Err(Overflow);
        }
        if state.queue.len() >= self.capacity {
            state.overflowed = true;
            state.queue.clear();
            state.slots.clear();
            drop(state);
            self.cancel.cancel();
            return Err(Overflow);
        }
        if let Outbound::Progress(envelope) = &out
            && let Some(slot) = state.slots.get_mut(&envelope.campaign_id)
            && slot
                .pending
                .as_ref()
                .is_some_and(|pending| pending.seq < envelope.seq)
        {
            slot.pending = None;
        }
        state.queue.push_back(out);
        drop(state);
        self.notify.notify_one();
        Ok(())
    }

    /// Takes everything due at `now`, in the order to write it: the whole queue, then each
    /// slot whose campaign's last message is at least one interval old. Returns also when
    /// the next slot falls due, if any; the session sleeps until then or a notification.
    pub(crate) fn take_due(&self, now: Instant) -> (Vec<Outbound>, Option<Instant>) {
        let mut state = self.lock();
        let state = &mut *state;
        let mut out: Vec<Outbound> = state.queue.drain(..).collect();
        for message in &out {
            if let Outbound::Progress(envelope) = message
                && let Some(slot) = state.slots.get_mut(&envelope.campaign_id)
            {
                slot.last_sent = Some((envelope.published_at, now));
            }
        }
        let mut next: Option<Instant> = None;
        for slot in state.slots.values_mut() {
            if slot.pending.is_none() {
                continue;
            }
            let due = slot.due(self.interval, now);
            if due <= now {
                if let Some(envelope) = slot.pending.take() {
                    slot.last_sent = Some((envelope.published_at, now));
                    out.push(Outbound::Progress(envelope));
                }
            } else {
                next = Some(next.map_or(due, |n| n.min(due)));
            }
        }
        state.wake_at = next;
        (out, next)
    }
}

#[cfg(test)]
mod tests {
    use dragnet_domain::{Phase, PhaseStatus};

    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// A snapshot of `campaign_id` with `seq`, published at `at`.
    fn envelope(campaign_id: i64, seq: u64, at: Instant) -> Arc<Envelope> {
        Arc::new(Envelope::new(
            PhaseProgress {
                campaign_id: CampaignId(campaign_id),
                current_phase: Phase::DnsValidation,
                phase_status: PhaseStatus::Running,
                total_items: 0,
                processed_items: seq,
                successful_items: seq,
                failed_items: 0,
                rate_per_second: 0.0,
                eta_seconds: None,
            },
            seq,
            at,
        ))
    }

    /// Publishes a routine update at `at`.
    fn update(mb: &Mailbox, campaign_id: i64, seq: u64, at: Instant) -> bool {
        mb.push_update(&envelope(campaign_id, seq, at), at)
    }

    /// Publishes a status change at `at`.
    fn status(mb: &Mailbox, campaign_id: i64, seq: u64, at: Instant) {
        mb.push_urgent(Outbound::Progress(envelope(campaign_id, seq, at)))
            .unwrap();
    }

    fn mailbox(capacity: usize) -> Mailbox {
        let mailbox = Mailbox::new(1, capacity, 250 * MS, CancellationToken::new());
        mailbox.add_subscription(CampaignId(1));
        mailbox.add_subscription(CampaignId(2));
        mailbox
    }

    /// `campaign:seq` for progress, the text for control messages.
    fn texts(out: &[Outbound]) -> Vec<String> {
        out.iter()
            .map(|o| match o {
                Outbound::Progress(e) | Outbound::State(e) => {
                    format!("{}:{}", e.campaign_id, e.seq)
                }
                Outbound::Control(text) => text.to_string(),
            })
            .collect()
    }

    #[test]
    fn first_update_is_due_at_once_then_one_per_interval() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        update(&mb, 1, 1, t0);
        let (out, next) = mb.take_due(t0);
        assert_eq!(texts(&out), ["1:1"]);
        assert_eq!(next, None);

        // A flood within the interval: only the latest is kept, due one interval later.
        let mut replaced = 0;
        for seq in 2..=1000 {
            replaced += usize::from(update(&mb, 1, seq, t0 + 10 * MS));
        }
        assert_eq!(replaced, 998);
        let (out, next) = mb.take_due(t0 + 100 * MS);
        assert!(out.is_empty());
        assert_eq!(next, Some(t0 + 250 * MS));
        // The trailing flush delivers the latest state.
        let (out, next) = mb.take_due(t0 + 250 * MS);
        assert_eq!(texts(&out), ["1:1000"]);
        assert_eq!(next, None);
    }

    #[test]
    fn a_flood_yields_one_message_per_interval() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        let mut sent = Vec::new();
        // 10 updates per millisecond for 2 s; the session looks whenever it is due.
        let mut next_look = t0;
        for ms in 0..2000u32 {
            let now = t0 + MS * ms;
            for i in 0..10 {
                update(&mb, 1, u64::from(ms * 10 + i + 1), now);
            }
            if now >= next_look {
                let (out, next) = mb.take_due(now);
                sent.extend(out.iter().map(|_| ms));
                next_look = next.unwrap_or(now);
            }
        }
        assert_eq!(sent.len(), 8, "{sent:?}");
        assert!(sent.windows(2).all(|w| w[1] - w[0] >= 250), "{sent:?}");
    }

    #[test]
    fn engine_cadence_is_not_held_back() {
        // The engine publishes once per interval; each message takes 5 ms to be taken. Every
        // update is due on arrival, however many cycles pass.
        let mb = mailbox(8);
        let t0 = Instant::now();
        for k in 0..100u32 {
            let published = t0 + 250 * MS * k;
            update(&mb, 1, u64::from(k + 1), published);
            let (out, _) = mb.take_due(published + 5 * MS);
            assert_eq!(texts(&out), [format!("1:{}", k + 1)], "cycle {k}");
        }
    }

    #[test]
    fn a_late_session_does_not_send_back_to_back() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        update(&mb, 1, 1, t0);
        // Taken late, 240 ms after its publish.
        mb.take_due(t0 + 240 * MS);
        update(&mb, 1, 2, t0 + 250 * MS);
        let (out, next) = mb.take_due(t0 + 250 * MS);
        assert!(out.is_empty());
        assert_eq!(next, Some(t0 + 365 * MS));
    }

    #[test]
    fn the_state_pushed_on_subscribe_does_not_hold_back_the_next_update() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        mb.push_urgent(Outbound::State(envelope(1, 7, t0 - 10 * MS)))
            .unwrap();
        let (out, _) = mb.take_due(t0);
        assert_eq!(texts(&out), ["1:7"]);
        update(&mb, 1, 8, t0 + MS);
        let (out, _) = mb.take_due(t0 + MS);
        assert_eq!(texts(&out), ["1:8"]);
        // From then on, one per interval.
        update(&mb, 1, 9, t0 + 2 * MS);
        let (out, next) = mb.take_due(t0 + 2 * MS);
        assert!(out.is_empty());
        assert_eq!(next, Some(t0 + 251 * MS));
    }

    #[test]
    fn campaigns_are_coalesced_independently() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        update(&mb, 1, 1, t0);
        mb.take_due(t0);
        update(&mb, 1, 2, t0 + MS);
        update(&mb, 2, 1, t0 + MS);
        let (out, next) = mb.take_due(t0 + MS);
        assert_eq!(texts(&out), ["2:1"]);
        assert_eq!(next, Some(t0 + 250 * MS));
    }

    #[test]
    fn status_changes_are_never_coalesced_and_keep_order() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        update(&mb, 1, 1, t0);
        mb.take_due(t0);
        update(&mb, 1, 2, t0 + MS);
        // Two status changes within one interval, with updates in between.
        status(&mb, 1, 3, t0 + MS);
        update(&mb, 1, 4, t0 + 2 * MS);
        status(&mb, 1, 5, t0 + 2 * MS);
        update(&mb, 1, 6, t0 + 3 * MS);
        let (out, next) = mb.take_due(t0 + 3 * MS);
        // The older updates 2 and 4 were superseded by the status changes; 6 waits for one
        // interval after the last status change's publish.
        assert_eq!(texts(&out), ["1:3", "1:5"]);
        assert_eq!(next, Some(t0 + 252 * MS));
        let (out, _) = mb.take_due(t0 + 252 * MS);
        assert_eq!(texts(&out), ["1:6"]);
    }

    #[test]
    fn full_queue_overflows_and_cancels() {
        let mb = mailbox(2);
        mb.push_urgent(Outbound::Control("a".into())).unwrap();
        mb.push_urgent(Outbound::Control("b".into())).unwrap();
        assert!(!mb.cancel.is_cancelled());
        assert_eq!(mb.push_urgent(Outbound::Control("c".into())), Err(Overflow));
        assert!(mb.cancel.is_cancelled());
        assert!(mb.overflowed());
        assert_eq!(mb.push_urgent(Outbound::Control("d".into())), Err(Overflow));
        assert!(!update(&mb, 1, 1, Instant::now()));
    }

    #[test]
    fn updates_do_not_fill_the_queue() {
        let mb = mailbox(1);
        let t0 = Instant::now();
        for seq in 1..=10_000 {
            update(&mb, 1, seq, t0);
        }
        assert!(!mb.overflowed());
        let (out, _) = mb.take_due(t0);
        assert_eq!(texts(&out), ["1:10000"]);
    }

    #[test]
    fn unsubscribe_drops_what_waits() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        status(&mb, 1, 1, t0);
        update(&mb, 1, 2, t0);
        status(&mb, 2, 1, t0);
        mb.remove_subscription(CampaignId(1));
        assert!(!mb.is_subscribed(CampaignId(1)));
        // Updates for a campaign not subscribed are ignored.
        update(&mb, 1, 3, t0);
        let (out, _) = mb.take_due(t0);
        assert_eq!(texts(&out), ["2:1"]);
    }

    #[test]
    fn the_text_is_the_one_progress_format() {
        let t0 = Instant::now();
        let text = envelope(4, 9, t0).text();
        assert!(
            text.starts_with(r#"{"type":"campaign.progress","seq":9,"data":{"campaignId":4,"#),
            "{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn notifications_are_rare_under_a_flood() {
        let mb = mailbox(8);
        let t0 = Instant::now();
        update(&mb, 1, 1, t0);
        // Consume the permit of the first push.
        mb.notify.notified().await;
        mb.take_due(t0);
        update(&mb, 1, 2, t0 + MS);
        // Due later than anything the session waits for: one notification.
        mb.notify.notified().await;
        let (out, next) = mb.take_due(t0 + MS);
        assert!(out.is_empty());
        assert_eq!(next, Some(t0 + 250 * MS));
        // Further updates in the same interval are covered by the session's timer.
        for seq in 3..100 {
            update(&mb, 1, seq, t0 + 2 * MS);
        }
        let woke = tokio::time::timeout(100 * MS, mb.notify.notified()).await;
        assert!(woke.is_err(), "no notification expected");
    }
}
