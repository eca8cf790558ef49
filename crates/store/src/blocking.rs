//! The one way async code calls the store: [`Store::run`] (and [`Store::open_async`] to open
//! one). The store's API is synchronous because diesel blocks; these run it on tokio's
//! blocking pool, bounded by the store's own gate, and turn a panicked or cancelled blocking
//! task into a [`StoreError::Internal`] instead of a panic in the caller.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinError;

use crate::{Store, StoreError, StoreOptions};

/// Bounds the store calls running at once on the blocking pool: one permit per pooled
/// connection, owned by one store (its clones share it).
#[derive(Debug)]
pub(crate) struct Gate(Arc<Semaphore>);

impl Gate {
    /// A gate letting `permits` calls run at once (at least one).
    pub(crate) fn new(permits: u32) -> Self {
        let permits = usize::try_from(permits)
            .unwrap_or(Semaphore::MAX_PERMITS)
            .clamp(1, Semaphore::MAX_PERMITS);
        Self(Arc::new(Semaphore::new(permits)))
    }
}

impl Store {
    /// Runs `f` with this store on tokio's blocking pool, never on the executor's threads,
    /// and returns its result. The engine, the API, the progress hub's snapshots and the
    /// binary all call the store through it.
    ///
    /// At most as many calls run at once as the store has connections
    /// ([`StoreOptions::max_connections`]); the others wait here, on the executor, rather than
    /// on blocking threads parked in the connection pool: under 64 concurrent requests and 8
    /// connections, 56 threads waiting on the pool's lock cost a futex or a `sched_yield` per
    /// hand-over and stretched the tail latency. The bound belongs to this store (its clones
    /// share it; another store has its own). A call keeps its slot until `f` returns, even
    /// when the returned future is dropped first, because blocking work cannot be stopped.
    ///
    /// `f` should be one short piece of work (a call or a few): long-running work that takes
    /// connections now and then (an export, an import fed from a request body) runs one
    /// `run` per batch, so that it never holds a slot while it waits for something else.
    ///
    /// # Errors
    ///
    /// `f`'s error; and [`StoreError::Internal`] (converted to `E`) when `f` panicked, when
    /// the runtime shut down before the task ran, or when called outside a tokio runtime.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Store) -> Result<T, E> + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| {
            StoreError::Internal(format!("store call outside a tokio runtime: {e}"))
        })?;
        let permit = Arc::clone(&self.inner.gate.0)
            .acquire_owned()
            .await
            // The gate is never closed.
            .map_err(|e| StoreError::Internal(format!("store gate: {e}")))?;
        let store = self.clone();
        runtime
            .spawn_blocking(move || {
                let _permit = permit;
                f(&store)
            })
            .await
            .map_err(join_error)?
    }

    /// [`Store::open`] on tokio's blocking pool, for async callers: opening connects, checks
    /// the schema and may apply migrations.
    ///
    /// # Errors
    ///
    /// Those of [`Store::open`], and [`StoreError::Internal`] as for [`Store::run`].
    pub async fn open_async(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let url = url.to_owned();
        tokio::runtime::Handle::try_current()
            .map_err(|e| StoreError::Internal(format!("store call outside a tokio runtime: {e}")))?
            .spawn_blocking(move || Store::open(&url, options))
            .await
            .map_err(join_error)?
    }
}

/// The error for a blocking store task that panicked or was cancelled (the runtime shutting
/// down), with the panic's message when it has one.
fn join_error(e: JoinError) -> StoreError {
    match e.try_into_panic() {
        Ok(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            StoreError::Internal(format!("a store call panicked: {message}"))
        }
        Err(_) => StoreError::Internal(
            "a store call was cancelled: the runtime is shutting down".to_owned(),
        ),
    }
}
