//! Rate limiting shared by every worker of a campaign.
//!
//! A [`TokenBucket`] is cheap to share behind an [`Arc`](std::sync::Arc): the DNS resolver's
//! socket workers (and later the HTTP prober's) all draw from the same bucket, so a campaign's
//! `rateLimitPerSecond` holds whatever the number of sockets, tasks or chunks in flight.
//!
//! Invariant: over any interval of length `t`, at most `burst + rate × t` tokens are handed out.

use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket: `rate` tokens per second, holding at most `burst` tokens.
///
/// It starts full. Callers either take tokens without waiting ([`try_acquire`](Self::try_acquire),
/// [`try_acquire_up_to`](Self::try_acquire_up_to)) and ask [`wait_time`](Self::wait_time) how long
/// to sleep, or await [`acquire`](Self::acquire).
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket refilled with `rate_per_second` tokens a second, holding at most `burst`.
    pub fn new(rate_per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        let burst = f64::from(burst.get());
        Self {
            rate: f64::from(rate_per_second.get()),
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                last: Instant::now(),
            }),
        }
    }

    /// A bucket for `rate_per_second` whose burst is 50 ms worth of tokens (at least one), so
    /// that a limit holds over short intervals too.
    pub fn per_second(rate_per_second: NonZeroU32) -> Self {
        let burst = NonZeroU32::new(rate_per_second.get() / 20).unwrap_or(NonZeroU32::MIN);
        Self::new(rate_per_second, burst)
    }

    /// Tokens added per second.
    pub fn rate_per_second(&self) -> u32 {
        // `rate` was built from a u32.
        self.rate as u32
    }

    /// Most tokens the bucket holds.
    pub fn burst(&self) -> u32 {
        self.burst as u32
    }

    /// Takes `n` tokens if they are all available now.
    pub fn try_acquire(&self, n: u32) -> bool {
        let mut state = self.refilled();
        let n = f64::from(n);
        if state.tokens >= n {
            state.tokens -= n;
            true
        } else {
            false
        }
    }

    /// Takes as many whole tokens as are available now, at most `max`, and returns how many.
    pub fn try_acquire_up_to(&self, max: u32) -> u32 {
        let mut state = self.refilled();
        let available = state.tokens.floor().clamp(0.0, f64::from(max));
        state.tokens -= available;
        // `available` is a whole number in 0..=max.
        available as u32
    }

    /// Gives back `n` tokens taken but not used (never above the burst).
    pub fn refund(&self, n: u32) {
        if n == 0 {
            return;
        }
        let mut state = self.refilled();
        state.tokens = (state.tokens + f64::from(n)).min(self.burst);
    }

    /// How long until `n` tokens (at most the burst) are available; zero if they are now.
    pub fn wait_time(&self, n: u32) -> Duration {
        let state = self.refilled();
        let wanted = f64::from(n).min(self.burst);
        let missing = wanted - state.tokens;
        if missing <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(missing / self.rate)
        }
    }

    /// Waits until `n` tokens have been taken. Requests larger than the burst are served in
    /// several steps.
    pub async fn acquire(&self, n: u32) {
        let mut remaining = n;
        while remaining > 0 {
            remaining -= self.try_acquire_up_to(remaining);
            if remaining > 0 {
                let wait = self.wait_time(remaining).max(Duration::from_micros(100));
                tokio::time::sleep(wait).await;
            }
        }
    }

    fn refilled(&self) -> std::sync::MutexGuard<'_, BucketState> {
        // The state stays consistent even if a holder panicked: every update is one assignment.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(state.last).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.rate).min(self.burst);
        state.last = now;
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).expect("non-zero")
    }

    #[tokio::test(start_paused = true)]
    async fn starts_full_and_refills_at_rate() {
        let bucket = TokenBucket::new(nz(100), nz(10));
        assert_eq!(bucket.try_acquire_up_to(50), 10);
        assert!(!bucket.try_acquire(1));
        assert_eq!(bucket.wait_time(1), Duration::from_millis(10));
        tokio::time::advance(Duration::from_millis(50)).await;
        assert_eq!(bucket.try_acquire_up_to(50), 5);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(bucket.try_acquire_up_to(50), 10, "never above the burst");
    }

    #[tokio::test(start_paused = true)]
    async fn refund_is_capped_by_burst() {
        let bucket = TokenBucket::new(nz(10), nz(4));
        assert!(bucket.try_acquire(3));
        bucket.refund(10);
        assert_eq!(bucket.try_acquire_up_to(100), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_for_tokens() {
        let bucket = TokenBucket::per_second(nz(100));
        assert_eq!(bucket.burst(), 5);
        let start = Instant::now();
        bucket.acquire(105).await;
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(990), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(1100), "{elapsed:?}");
    }
}
