//! Campaigns and their phase rows: create, read, list, rename, configure, state changes with
//! compare-and-set, and chunked deletion.

use diesel::prelude::*;
use dragnet_domain::{Action, CampaignState, Phase, PhaseStatus};

use crate::backend::{self, AnyConnection};
use crate::error::DbResultExt as _;
use crate::rows::{CampaignRow, NewCampaignRow, PhaseRow};
use crate::schema::{
    campaign_phases, campaigns, chunk_leases, content_rescores, content_results, content_scores,
    content_summary, content_technologies, dns_results, domains, http_results,
};
use crate::{
    Applied, Campaign, CampaignFilter, CampaignId, Change, NewCampaign, Page, PhaseRecord, Store,
    StoreError, from_millis, now_millis, to_i64, to_u64,
};

/// Ordinals deleted per transaction when a campaign is deleted, so that other writers wait at
/// most one short transaction.
pub const DELETE_CHUNK: i64 = 10_000;

/// The most campaigns one list page returns.
pub const MAX_CAMPAIGN_PAGE: usize = 500;

pub(crate) fn phase_value(phase: Phase) -> i16 {
    // At most 4: the cast cannot truncate.
    phase.index() as i16
}

pub(crate) fn status_value(status: PhaseStatus) -> i16 {
    // At most 5: the cast cannot truncate.
    status.index() as i16
}

fn phase_of(value: i16) -> Result<Phase, StoreError> {
    usize::try_from(value)
        .ok()
        .and_then(Phase::from_index)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown phase value {value}")))
}

pub(crate) fn status_of(value: i16) -> Result<PhaseStatus, StoreError> {
    usize::try_from(value)
        .ok()
        .and_then(PhaseStatus::from_index)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown phase status value {value}")))
}

fn opt_time(ms: Option<i64>) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
    ms.map(from_millis).transpose()
}

impl PhaseRow {
    fn into_record(self) -> Result<PhaseRecord, StoreError> {
        Ok(PhaseRecord {
            phase: phase_of(self.phase)?,
            status: status_of(self.status)?,
            configuration: self
                .configuration
                .map(|text| {
                    serde_json::from_str(&text).map_err(|e| {
                        StoreError::Corrupt(format!("phase configuration is not JSON: {e}"))
                    })
                })
                .transpose()?,
            total: to_u64(self.total_items, "total")?,
            processed: to_u64(self.processed_items, "processed count")?,
            succeeded: to_u64(self.succeeded_items, "succeeded count")?,
            failed: to_u64(self.failed_items, "failed count")?,
            checkpoint: self
                .checkpoint
                .map(|c| to_u64(c, "checkpoint"))
                .transpose()?,
            started_at: opt_time(self.started_at)?,
            completed_at: opt_time(self.completed_at)?,
            error: self.error,
        })
    }
}

fn assemble(row: CampaignRow, phases: Vec<PhaseRow>) -> Result<Campaign, StoreError> {
    let phases = phases
        .into_iter()
        .map(PhaseRow::into_record)
        .collect::<Result<Vec<_>, _>>()?;
    let current_phase = phase_of(row.current_phase)?;
    let phase_status = phases
        .iter()
        .find(|p| p.phase == current_phase)
        .map(|p| p.status)
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "campaign {} has no row for its current phase",
                row.id
            ))
        })?;
    Ok(Campaign {
        id: CampaignId(row.id),
        name: row.name,
        state: CampaignState {
            current_phase,
            phase_status,
        },
        launch_sequence: row.launch_sequence,
        created_at: from_millis(row.created_at)?,
        updated_at: from_millis(row.updated_at)?,
        version: row.version,
        phases,
    })
}

fn load_campaign(conn: &mut AnyConnection, id: CampaignId) -> Result<Campaign, StoreError> {
    let rows = backend::load_campaign_rows(conn, id.0)?;
    let mut rows = rows.into_iter();
    let (row, first) = rows.next().ok_or(StoreError::CampaignNotFound(id))?;
    let phases = std::iter::once(first)
        .chain(rows.map(|(_, phase)| phase))
        .collect();
    assemble(row, phases)
}

fn validate_name(name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() {
        return Err(StoreError::InvalidArgument(
            "a campaign name must not be empty".to_owned(),
        ));
    }
    Ok(())
}

pub(crate) fn config_text(value: &serde_json::Value) -> String {
    value.to_string()
}

/// Bumps the campaign's version if it is still `version`; a conflict otherwise.
pub(crate) fn bump_version(
    conn: &mut AnyConnection,
    id: CampaignId,
    version: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let updated = diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(id.0))
            .filter(campaigns::version.eq(version))
            .filter(campaigns::deleted_at.is_null()),
    )
    .set((
        campaigns::version.eq(version + 1),
        campaigns::updated_at.eq(now),
    ))
    .execute(conn)
    .db()?;
    if updated == 1 {
        return Ok(version + 1);
    }
    conflict(conn, id, version)
}

/// The error for a failed compare-and-set: a conflict naming the version found, or not found.
fn conflict<T>(conn: &mut AnyConnection, id: CampaignId, expected: i64) -> Result<T, StoreError> {
    let actual = campaigns::table
        .filter(campaigns::id.eq(id.0))
        .filter(campaigns::deleted_at.is_null())
        .select(campaigns::version)
        .first::<i64>(conn)
        .optional()
        .db()?;
    match actual {
        Some(actual) => Err(StoreError::Conflict {
            id,
            expected,
            actual,
        }),
        None => Err(StoreError::CampaignNotFound(id)),
    }
}

pub(crate) fn check_expected(
    id: CampaignId,
    expected: Option<i64>,
    actual: i64,
) -> Result<(), StoreError> {
    match expected {
        Some(expected) if expected != actual => Err(StoreError::Conflict {
            id,
            expected,
            actual,
        }),
        _ => Ok(()),
    }
}

impl Store {
    /// Creates a campaign and its five phase rows in one transaction. Phases before the
    /// initial one are recorded as skipped.
    pub fn create_campaign(&self, new: &NewCampaign) -> Result<Campaign, StoreError> {
        validate_name(&new.name)?;
        let state = CampaignState::new(new.initial_phase)?;
        let now = now_millis();
        self.write(|conn| {
            let id = backend::insert_campaign(
                conn,
                &NewCampaignRow {
                    name: &new.name,
                    current_phase: phase_value(state.current_phase),
                    launch_sequence: new.launch_sequence,
                    created_at: now,
                    updated_at: now,
                    version: 0,
                },
            )?;
            let rows: Vec<PhaseRow> = Phase::ALL
                .into_iter()
                .map(|phase| PhaseRow {
                    campaign_id: id,
                    phase: phase_value(phase),
                    status: status_value(if phase < state.current_phase {
                        PhaseStatus::Skipped
                    } else {
                        PhaseStatus::Pending
                    }),
                    configuration: new.configurations.get(&phase).map(config_text),
                    total_items: 0,
                    processed_items: 0,
                    succeeded_items: 0,
                    failed_items: 0,
                    checkpoint: None,
                    started_at: None,
                    completed_at: None,
                    error: None,
                })
                .collect();
            for row in &rows {
                diesel::insert_into(campaign_phases::table)
                    .values(row)
                    .execute(conn)
                    .db()?;
            }
            load_campaign(conn, CampaignId(id))
        })
    }

    /// The campaign with its phase rows.
    pub fn get_campaign(&self, id: CampaignId) -> Result<Campaign, StoreError> {
        load_campaign(&mut *self.conn()?, id)
    }

    /// One page of campaigns, newest first. Pass the previous page's `next` as `before` to
    /// continue (keyset on the id; no OFFSET). `limit` is capped at [`MAX_CAMPAIGN_PAGE`].
    pub fn list_campaigns(
        &self,
        filter: &CampaignFilter,
        before: Option<CampaignId>,
        limit: usize,
    ) -> Result<Page<Campaign, CampaignId>, StoreError> {
        let limit = limit.clamp(1, MAX_CAMPAIGN_PAGE);
        let mut conn = self.conn()?;
        let mut query = campaigns::table
            .inner_join(
                campaign_phases::table.on(campaign_phases::campaign_id
                    .eq(campaigns::id)
                    .and(campaign_phases::phase.eq(campaigns::current_phase))),
            )
            .filter(campaigns::deleted_at.is_null())
            .select(CampaignRow::as_select())
            .order(campaigns::id.desc())
            .limit(limit as i64 + 1)
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(campaigns::id.lt(before.0));
        }
        if let Some(phase) = filter.current_phase {
            query = query.filter(campaigns::current_phase.eq(phase_value(phase)));
        }
        if let Some(status) = filter.phase_status {
            query = query.filter(campaign_phases::status.eq(status_value(status)));
        }
        if let Some(needle) = &filter.name_contains {
            query = query.filter(
                lower(campaigns::name)
                    .like(format!("%{}%", escape_like(&needle.to_lowercase())))
                    .escape('\\'),
            );
        }
        let mut rows: Vec<CampaignRow> = query.load(&mut conn).db()?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut phases: Vec<PhaseRow> = campaign_phases::table
            .filter(campaign_phases::campaign_id.eq_any(&ids))
            .order((
                campaign_phases::campaign_id.asc(),
                campaign_phases::phase.asc(),
            ))
            .select(PhaseRow::as_select())
            .load(&mut conn)
            .db()?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let (mine, rest): (Vec<PhaseRow>, Vec<PhaseRow>) =
                phases.into_iter().partition(|p| p.campaign_id == row.id);
            phases = rest;
            items.push(assemble(row, mine)?);
        }
        let next = if more {
            items.last().map(|c| c.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Renames a campaign; with `expected_version`, only if it is still at that version.
    /// Returns the new version.
    pub fn rename_campaign(
        &self,
        id: CampaignId,
        name: &str,
        expected_version: Option<i64>,
    ) -> Result<i64, StoreError> {
        validate_name(name)?;
        let now = now_millis();
        self.write(|conn| {
            let version = current_version(conn, id)?;
            check_expected(id, expected_version, version)?;
            let new_version = bump_version(conn, id, version, now)?;
            diesel::update(campaigns::table.filter(campaigns::id.eq(id.0)))
                .set(campaigns::name.eq(name))
                .execute(conn)
                .db()?;
            Ok(new_version)
        })
    }

    /// Replaces (or with `None` removes) one phase's configuration, validated by the caller.
    /// Returns the campaign's new version.
    pub fn set_phase_configuration(
        &self,
        id: CampaignId,
        phase: Phase,
        configuration: Option<&serde_json::Value>,
        expected_version: Option<i64>,
    ) -> Result<i64, StoreError> {
        let now = now_millis();
        self.write(|conn| {
            let version = current_version(conn, id)?;
            check_expected(id, expected_version, version)?;
            let new_version = bump_version(conn, id, version, now)?;
            diesel::update(phase_row(id, phase))
                .set(campaign_phases::configuration.eq(configuration.map(config_text)))
                .execute(conn)
                .db()?;
            Ok(new_version)
        })
    }

    /// Sets the number of items a phase has to process (when the engine starts it).
    pub fn set_phase_total(
        &self,
        id: CampaignId,
        phase: Phase,
        total: u64,
    ) -> Result<(), StoreError> {
        let total = to_i64(total, "total")?;
        self.write(|conn| {
            let n = diesel::update(phase_row(id, phase))
                .set(campaign_phases::total_items.eq(total))
                .execute(conn)
                .db()?;
            found(n, id)
        })
    }

    /// Records that every ordinal below `checkpoint` is done for `phase`.
    pub fn set_checkpoint(
        &self,
        id: CampaignId,
        phase: Phase,
        checkpoint: u64,
    ) -> Result<(), StoreError> {
        let checkpoint = to_i64(checkpoint, "checkpoint")?;
        self.write(|conn| {
            let n = diesel::update(phase_row(id, phase))
                .set(campaign_phases::checkpoint.eq(checkpoint))
                .execute(conn)
                .db()?;
            found(n, id)
        })
    }

    /// Applies a state change with the domain crate's rules, atomically: reads the state,
    /// computes the transition with [`CampaignState::apply`], bumps the version with a
    /// compare-and-set and writes the phase rows (the target, and the phases an advance
    /// skips). Of two concurrent changes one wins; the other gets
    /// [`StoreError::Conflict`] (the state moved under it) or [`StoreError::Transition`]
    /// (it saw the new state, in which the action is not allowed).
    pub fn apply_action(&self, id: CampaignId, change: &Change) -> Result<Applied, StoreError> {
        let now = now_millis();
        self.write(|conn| {
            let (phase, version) = campaigns::table
                .filter(campaigns::id.eq(id.0))
                .filter(campaigns::deleted_at.is_null())
                .select((campaigns::current_phase, campaigns::version))
                .first::<(i16, i64)>(conn)
                .optional()
                .db()?
                .ok_or(StoreError::CampaignNotFound(id))?;
            check_expected(id, change.expected_version, version)?;
            let current_phase = phase_of(phase)?;
            let status = campaign_phases::table
                .filter(campaign_phases::campaign_id.eq(id.0))
                .filter(campaign_phases::phase.eq(phase))
                .select(campaign_phases::status)
                .first::<i16>(conn)
                .db()?;
            let state = CampaignState {
                current_phase,
                phase_status: status_of(status)?,
            };
            let transition = state.apply(change.action)?;
            let updated = diesel::update(
                campaigns::table
                    .filter(campaigns::id.eq(id.0))
                    .filter(campaigns::version.eq(version)),
            )
            .set((
                campaigns::current_phase.eq(phase_value(transition.to.current_phase)),
                campaigns::version.eq(version + 1),
                campaigns::updated_at.eq(now),
            ))
            .execute(conn)
            .db()?;
            if updated != 1 {
                return conflict(conn, id, version);
            }
            for skipped in &transition.skipped {
                diesel::update(phase_row(id, *skipped))
                    .set(campaign_phases::status.eq(status_value(PhaseStatus::Skipped)))
                    .execute(conn)
                    .db()?;
            }
            write_phase_status(
                conn,
                id,
                transition.to.current_phase,
                transition.to.phase_status,
                change,
                now,
            )?;
            Ok(Applied {
                transition,
                version: version + 1,
            })
        })
    }

    /// Deletes a campaign and everything it owns. The campaign disappears from reads at once;
    /// its rows are then deleted in transactions of [`DELETE_CHUNK`] ordinals, so a 2M-domain
    /// campaign never holds the write lock for more than a moment. If the process stops
    /// half-way, [`Store::purge_deleted`] finishes the job.
    pub fn delete_campaign(&self, id: CampaignId) -> Result<(), StoreError> {
        let now = now_millis();
        let marked = self.write(|conn| {
            diesel::update(
                campaigns::table
                    .filter(campaigns::id.eq(id.0))
                    .filter(campaigns::deleted_at.is_null()),
            )
            .set(campaigns::deleted_at.eq(now))
            .execute(conn)
            .db()
        })?;
        found(marked, id)?;
        self.purge(id)
    }

    /// Finishes deletions interrupted by a stop; returns how many campaigns were purged.
    pub fn purge_deleted(&self) -> Result<usize, StoreError> {
        let ids: Vec<i64> = campaigns::table
            .filter(campaigns::deleted_at.is_not_null())
            .select(campaigns::id)
            .load(&mut self.conn()?)
            .db()?;
        for id in &ids {
            self.purge(CampaignId(*id))?;
        }
        Ok(ids.len())
    }

    fn purge(&self, id: CampaignId) -> Result<(), StoreError> {
        loop {
            let finished = self.write(|conn| {
                let lowest: Option<i64> = domains::table
                    .filter(domains::campaign_id.eq(id.0))
                    .select(diesel::dsl::min(domains::ordinal))
                    .first(conn)
                    .db()?;
                let Some(lo) = lowest else {
                    return Ok(true);
                };
                let hi = lo.saturating_add(DELETE_CHUNK);
                diesel::delete(
                    dns_results::table
                        .filter(dns_results::campaign_id.eq(id.0))
                        .filter(dns_results::ordinal.ge(lo))
                        .filter(dns_results::ordinal.lt(hi)),
                )
                .execute(conn)
                .db()?;
                diesel::delete(
                    http_results::table
                        .filter(http_results::campaign_id.eq(id.0))
                        .filter(http_results::ordinal.ge(lo))
                        .filter(http_results::ordinal.lt(hi)),
                )
                .execute(conn)
                .db()?;
                diesel::delete(
                    content_results::table
                        .filter(content_results::campaign_id.eq(id.0))
                        .filter(content_results::ordinal.ge(lo))
                        .filter(content_results::ordinal.lt(hi)),
                )
                .execute(conn)
                .db()?;
                diesel::delete(
                    content_scores::table
                        .filter(content_scores::campaign_id.eq(id.0))
                        .filter(content_scores::ordinal.ge(lo))
                        .filter(content_scores::ordinal.lt(hi)),
                )
                .execute(conn)
                .db()?;
                diesel::delete(
                    domains::table
                        .filter(domains::campaign_id.eq(id.0))
                        .filter(domains::ordinal.ge(lo))
                        .filter(domains::ordinal.lt(hi)),
                )
                .execute(conn)
                .db()?;
                Ok(false)
            })?;
            if finished {
                break;
            }
        }
        self.write(|conn| {
            // Keyed by (campaign, name, ordinal): removed in one statement, not by range.
            diesel::delete(
                content_technologies::table.filter(content_technologies::campaign_id.eq(id.0)),
            )
            .execute(conn)
            .db()?;
            diesel::delete(content_summary::table.filter(content_summary::campaign_id.eq(id.0)))
                .execute(conn)
                .db()?;
            diesel::delete(content_rescores::table.filter(content_rescores::campaign_id.eq(id.0)))
                .execute(conn)
                .db()?;
            diesel::delete(chunk_leases::table.filter(chunk_leases::campaign_id.eq(id.0)))
                .execute(conn)
                .db()?;
            diesel::delete(campaign_phases::table.filter(campaign_phases::campaign_id.eq(id.0)))
                .execute(conn)
                .db()?;
            diesel::delete(campaigns::table.filter(campaigns::id.eq(id.0)))
                .execute(conn)
                .db()?;
            Ok(())
        })
    }
}

diesel::define_sql_function! {
    /// Lower-cases text (ASCII only on SQLite).
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) fn current_version(conn: &mut AnyConnection, id: CampaignId) -> Result<i64, StoreError> {
    campaigns::table
        .filter(campaigns::id.eq(id.0))
        .filter(campaigns::deleted_at.is_null())
        .select(campaigns::version)
        .first::<i64>(conn)
        .optional()
        .db()?
        .ok_or(StoreError::CampaignNotFound(id))
}

pub(crate) type PhaseRowFilter = diesel::dsl::Filter<
    diesel::dsl::Filter<campaign_phases::table, diesel::dsl::Eq<campaign_phases::campaign_id, i64>>,
    diesel::dsl::Eq<campaign_phases::phase, i16>,
>;

pub(crate) fn phase_row(id: CampaignId, phase: Phase) -> PhaseRowFilter {
    campaign_phases::table
        .filter(campaign_phases::campaign_id.eq(id.0))
        .filter(campaign_phases::phase.eq(phase_value(phase)))
}

fn found(rows: usize, id: CampaignId) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::CampaignNotFound(id))
    } else {
        Ok(())
    }
}

/// Writes a phase row's new status with the timestamps and error that go with it.
fn write_phase_status(
    conn: &mut AnyConnection,
    id: CampaignId,
    phase: Phase,
    status: PhaseStatus,
    change: &Change,
    now: i64,
) -> Result<(), StoreError> {
    let target = phase_row(id, phase);
    let status_col = campaign_phases::status.eq(status_value(status));
    match status {
        PhaseStatus::Running => {
            // A retry continues the phase: it keeps its first start time, clears the error.
            diesel::update(target)
                .set((
                    status_col,
                    campaign_phases::completed_at.eq(None::<i64>),
                    campaign_phases::error.eq(None::<String>),
                ))
                .execute(conn)
                .db()?;
            diesel::update(phase_row(id, phase).filter(campaign_phases::started_at.is_null()))
                .set(campaign_phases::started_at.eq(Some(now)))
                .execute(conn)
                .db()?;
        }
        PhaseStatus::Completed | PhaseStatus::Failed => {
            let error = if status == PhaseStatus::Failed {
                Some(change.error.clone().unwrap_or_else(|| match change.action {
                    Action::Cancel => "cancelled by the user".to_owned(),
                    _ => "failed".to_owned(),
                }))
            } else {
                None
            };
            diesel::update(target)
                .set((
                    status_col,
                    campaign_phases::completed_at.eq(Some(now)),
                    campaign_phases::error.eq(error),
                ))
                .execute(conn)
                .db()?;
        }
        PhaseStatus::Pending | PhaseStatus::Paused | PhaseStatus::Skipped => {
            diesel::update(target).set(status_col).execute(conn).db()?;
        }
    }
    Ok(())
}
