//! Chunk leases: the ordinals of a phase split into chunks that workers claim with an expiry,
//! renew while they work, and complete. A worker that dies leaves its lease to expire, after
//! which another claims the chunk.

use std::time::Duration;

use diesel::prelude::*;
use dragnet_domain::Phase;

use crate::backend;
use crate::campaigns::phase_value;
use crate::error::DbResultExt as _;
use crate::rows::NewChunkRow;
use crate::schema::chunk_leases;
use crate::{CampaignId, Chunk, Store, StoreError, from_millis, now_millis, to_i64, to_u64};

fn lease_millis(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Plans the chunks of `ordinals` for a phase: `[start, start + size)`, … up to
    /// `ordinals.end`. Idempotent: planning again with the same range and size is a no-op
    /// that returns the chunk count, and a different plan for a phase that already has one is
    /// refused with [`StoreError::ChunkPlanMismatch`] (chunk boundaries never move under
    /// workers). An empty range plans no chunks.
    pub fn plan_chunks(
        &self,
        id: CampaignId,
        phase: Phase,
        ordinals: std::ops::Range<u64>,
        chunk_size: u64,
    ) -> Result<u64, StoreError> {
        if chunk_size == 0 {
            return Err(StoreError::InvalidArgument(
                "chunk size must be positive".to_owned(),
            ));
        }
        let first = to_i64(ordinals.start, "ordinal")?;
        let last = to_i64(ordinals.end.max(ordinals.start), "ordinal")?;
        let size = to_i64(chunk_size, "chunk size")?;
        let expected = (ordinals.end.saturating_sub(ordinals.start)).div_ceil(chunk_size);
        let phase_v = phase_value(phase);
        self.write(|conn| {
            if !backend::lock_campaign(conn, id.0)? {
                return Err(StoreError::CampaignNotFound(id));
            }
            let existing: Option<(i64, i64)> = chunk_leases::table
                .filter(chunk_leases::campaign_id.eq(id.0))
                .filter(chunk_leases::phase.eq(phase_v))
                .select((chunk_leases::chunk_start, chunk_leases::chunk_end))
                .order(chunk_leases::chunk_start.asc())
                .first(conn)
                .optional()
                .db()?;
            if let Some((start, end)) = existing {
                let count: i64 = chunk_leases::table
                    .filter(chunk_leases::campaign_id.eq(id.0))
                    .filter(chunk_leases::phase.eq(phase_v))
                    .count()
                    .get_result(conn)
                    .db()?;
                let last_end: Option<i64> = chunk_leases::table
                    .filter(chunk_leases::campaign_id.eq(id.0))
                    .filter(chunk_leases::phase.eq(phase_v))
                    .select(diesel::dsl::max(chunk_leases::chunk_end))
                    .first(conn)
                    .db()?;
                if start != first
                    || end != first.saturating_add(size).min(last)
                    || last_end != Some(last)
                    || to_u64(count, "count")? != expected
                {
                    return Err(StoreError::ChunkPlanMismatch {
                        id,
                        phase,
                        detail: format!(
                            "{count} chunks over [{start}, {}) exist; asked for {expected} \
                             chunks of {chunk_size} over [{first}, {last})",
                            last_end.unwrap_or(0)
                        ),
                    });
                }
                return Ok(expected);
            }
            let mut start = first;
            let mut rows = Vec::with_capacity(backend::ROWS_PER_STATEMENT);
            while start < last {
                let end = start.saturating_add(size).min(last);
                rows.push(NewChunkRow {
                    campaign_id: id.0,
                    phase: phase_v,
                    chunk_start: start,
                    chunk_end: end,
                    owner: None,
                    expires_at: None,
                    done: false,
                });
                if rows.len() == backend::ROWS_PER_STATEMENT {
                    backend::insert_chunks(conn, &rows)?;
                    rows.clear();
                }
                start = end;
            }
            backend::insert_chunks(conn, &rows)?;
            Ok(expected)
        })
    }

    /// The ordinals covered by the chunks planned for a phase, if any were planned.
    pub fn chunk_plan(
        &self,
        id: CampaignId,
        phase: Phase,
    ) -> Result<Option<std::ops::Range<u64>>, StoreError> {
        let (first, last): (Option<i64>, Option<i64>) = chunk_leases::table
            .filter(chunk_leases::campaign_id.eq(id.0))
            .filter(chunk_leases::phase.eq(phase_value(phase)))
            .select((
                diesel::dsl::min(chunk_leases::chunk_start),
                diesel::dsl::max(chunk_leases::chunk_end),
            ))
            .first(&mut self.conn()?)
            .db()?;
        match (first, last) {
            (Some(first), Some(last)) => {
                Ok(Some(to_u64(first, "ordinal")?..to_u64(last, "ordinal")?))
            }
            _ => Ok(None),
        }
    }

    /// Releases every unfinished lease held by `owner`: a restarted worker calls it for its
    /// own name so that its previous incarnation's chunks are picked up at once instead of
    /// after their leases expire. Returns how many were released.
    pub fn release_chunks_of(&self, owner: &str) -> Result<u64, StoreError> {
        self.write(|conn| {
            let n = diesel::update(
                chunk_leases::table
                    .filter(chunk_leases::owner.eq(owner))
                    .filter(chunk_leases::done.eq(false)),
            )
            .set((
                chunk_leases::owner.eq(None::<String>),
                chunk_leases::expires_at.eq(None::<i64>),
            ))
            .execute(conn)
            .db()?;
            Ok(n as u64)
        })
    }

    /// Leases the lowest chunk of (campaign, phase) that is not done and is unowned or whose
    /// lease expired, to `owner` for `lease`. `None` when no chunk is available. Under
    /// contention each available chunk goes to exactly one claimer.
    pub fn claim_chunk(
        &self,
        id: CampaignId,
        phase: Phase,
        owner: &str,
        lease: Duration,
    ) -> Result<Option<Chunk>, StoreError> {
        let now = now_millis();
        let expires = now.saturating_add(lease_millis(lease));
        let claimed = self.write(|conn| {
            backend::claim_chunk(conn, id.0, phase_value(phase), owner, now, expires)
        })?;
        claimed
            .map(|(start, end)| {
                Ok(Chunk {
                    campaign: id,
                    phase,
                    start: to_u64(start, "chunk start")?,
                    end: to_u64(end, "chunk end")?,
                    owner: owner.to_owned(),
                    expires_at: from_millis(expires)?,
                })
            })
            .transpose()
    }

    /// Extends a lease the caller still holds; [`StoreError::LeaseLost`] otherwise.
    pub fn renew_chunk(&self, chunk: &Chunk, lease: Duration) -> Result<Chunk, StoreError> {
        let expires = now_millis().saturating_add(lease_millis(lease));
        self.update_held(chunk, chunk_leases::expires_at.eq(Some(expires)))?;
        Ok(Chunk {
            expires_at: from_millis(expires)?,
            ..chunk.clone()
        })
    }

    /// Marks a chunk done; only its current owner may. [`StoreError::LeaseLost`] otherwise.
    pub fn complete_chunk(&self, chunk: &Chunk) -> Result<(), StoreError> {
        self.update_held(chunk, chunk_leases::done.eq(true))
    }

    /// Gives a lease back before it expires (for example when the phase is paused), so that
    /// another worker may claim the chunk at once.
    pub fn release_chunk(&self, chunk: &Chunk) -> Result<(), StoreError> {
        self.update_held(
            chunk,
            (
                chunk_leases::owner.eq(None::<String>),
                chunk_leases::expires_at.eq(None::<i64>),
            ),
        )
    }

    /// Clears the expired leases of chunks that are not done, everywhere; returns how many.
    /// (Claims already treat expired leases as free; this keeps the table readable.)
    pub fn reclaim_expired(&self) -> Result<u64, StoreError> {
        let now = now_millis();
        let n = self.write(|conn| {
            diesel::update(
                chunk_leases::table
                    .filter(chunk_leases::done.eq(false))
                    .filter(chunk_leases::expires_at.le(now)),
            )
            .set((
                chunk_leases::owner.eq(None::<String>),
                chunk_leases::expires_at.eq(None::<i64>),
            ))
            .execute(conn)
            .db()
        })?;
        Ok(n as u64)
    }

    /// How many chunks of a phase are done, out of how many planned.
    pub fn chunk_progress(&self, id: CampaignId, phase: Phase) -> Result<(u64, u64), StoreError> {
        let rows: Vec<bool> = chunk_leases::table
            .filter(chunk_leases::campaign_id.eq(id.0))
            .filter(chunk_leases::phase.eq(phase_value(phase)))
            .select(chunk_leases::done)
            .load(&mut self.conn()?)
            .db()?;
        let done = rows.iter().filter(|d| **d).count() as u64;
        Ok((done, rows.len() as u64))
    }

    fn update_held<V>(&self, chunk: &Chunk, changes: V) -> Result<(), StoreError>
    where
        V: diesel::AsChangeset<Target = chunk_leases::table> + Clone,
        V::Changeset: diesel::query_builder::QueryFragment<backend::MultiBackend>,
    {
        let start = to_i64(chunk.start, "chunk start")?;
        let n = self.write(|conn| {
            diesel::update(
                chunk_leases::table
                    .filter(chunk_leases::campaign_id.eq(chunk.campaign.0))
                    .filter(chunk_leases::phase.eq(phase_value(chunk.phase)))
                    .filter(chunk_leases::chunk_start.eq(start))
                    .filter(chunk_leases::owner.eq(&chunk.owner))
                    .filter(chunk_leases::done.eq(false)),
            )
            .set(changes)
            .execute(conn)
            .db()
        })?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost {
                id: chunk.campaign,
                phase: chunk.phase,
                chunk_start: chunk.start,
                owner: chunk.owner.clone(),
            })
        }
    }
}
