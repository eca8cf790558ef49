//! Idempotent writes of phase results: insert-if-absent, with the phase counters raised by
//! exactly the rows inserted, in the same transaction.

use diesel::prelude::*;
use dragnet_domain::Phase;

use crate::backend::{self, AnyConnection};
use crate::campaigns::phase_value;
use crate::domains::{encode_addresses, encode_records, next_ordinal};
use crate::error::DbResultExt as _;
use crate::rows::{NewDnsRow, NewHttpRow};
use crate::schema::{campaign_phases, campaigns, http_results};
use crate::types::StoredEnum;
use crate::{
    CampaignId, DnsResult, DnsStatus, HttpStatus, NewHttpResult, Store, StoreError, WriteReport,
    to_i64, to_millis,
};

impl Store {
    /// Writes a batch of DNS results. A result for an ordinal that already has one is skipped,
    /// so writing the same batch twice (a retried chunk) leaves one row per domain; the
    /// `dns_validation` counters grow by exactly the rows inserted (`resolved` counts as
    /// succeeded, every other status as failed). With `checkpoint`, the phase's checkpoint is
    /// set in the same transaction.
    pub fn write_dns_results(
        &self,
        id: CampaignId,
        results: &[DnsResult],
        checkpoint: Option<u64>,
    ) -> Result<WriteReport, StoreError> {
        let rows = results
            .iter()
            .map(|r| {
                Ok(NewDnsRow {
                    campaign_id: id.0,
                    ordinal: to_i64(r.ordinal, "ordinal")?,
                    status: r.status.index(),
                    error_kind: r.error_kind.clone(),
                    addresses: encode_addresses(&r.addresses),
                    attempts: i32::try_from(r.attempts).unwrap_or(i32::MAX),
                    checked_at: to_millis(r.checked_at),
                    records: encode_records(&r.records)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let checkpoint = checkpoint.map(|c| to_i64(c, "checkpoint")).transpose()?;
        self.write(|conn| {
            check_batch(conn, id, rows.iter().map(|r| r.ordinal).max())?;
            let statuses = backend::insert_dns_results(conn, &rows)?;
            let succeeded = statuses
                .iter()
                .filter(|s| DnsStatus::from_index(**s).is_some_and(DnsStatus::is_success))
                .count();
            count(
                conn,
                id,
                Phase::DnsValidation,
                statuses.len(),
                succeeded,
                checkpoint,
            )?;
            Ok(WriteReport {
                inserted: statuses.len() as u64,
                already_present: (rows.len() - statuses.len()) as u64,
            })
        })
    }

    /// Writes a batch of HTTP results with their snapshots; idempotent like
    /// [`Store::write_dns_results`] (`ok` counts as succeeded in `http_keyword_validation`).
    pub fn write_http_results(
        &self,
        id: CampaignId,
        results: &[NewHttpResult],
        checkpoint: Option<u64>,
    ) -> Result<WriteReport, StoreError> {
        let rows = results
            .iter()
            .map(|n| {
                let r = &n.result;
                Ok(NewHttpRow {
                    campaign_id: id.0,
                    ordinal: to_i64(r.ordinal, "ordinal")?,
                    status: r.status.index(),
                    error_detail: r.error_detail.clone(),
                    status_code: r.status_code.map(i32::from),
                    final_url: r.final_url.clone(),
                    redirect_count: i32::try_from(r.redirect_count).unwrap_or(i32::MAX),
                    title: r.title.clone(),
                    content_type: r.content_type.clone(),
                    content_length: r
                        .content_length
                        .map(|l| to_i64(l, "content length"))
                        .transpose()?,
                    content_hash: r.content_hash.clone(),
                    keyword_hits: serde_json::to_string(&r.keyword_hits)
                        .map_err(|e| StoreError::InvalidArgument(format!("keyword hits: {e}")))?,
                    snapshot: n.snapshot.clone(),
                    fetched_at: to_millis(r.fetched_at),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let checkpoint = checkpoint.map(|c| to_i64(c, "checkpoint")).transpose()?;
        self.write(|conn| {
            check_batch(conn, id, rows.iter().map(|r| r.ordinal).max())?;
            let statuses = backend::insert_http_results(conn, &rows)?;
            let succeeded = statuses
                .iter()
                .filter(|s| HttpStatus::from_index(**s).is_some_and(HttpStatus::is_success))
                .count();
            count(
                conn,
                id,
                Phase::HttpKeywordValidation,
                statuses.len(),
                succeeded,
                checkpoint,
            )?;
            Ok(WriteReport {
                inserted: statuses.len() as u64,
                already_present: (rows.len() - statuses.len()) as u64,
            })
        })
    }

    /// The compressed page snapshot kept for a domain, if any.
    pub fn http_snapshot(
        &self,
        id: CampaignId,
        ordinal: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let ordinal = to_i64(ordinal, "ordinal")?;
        Ok(http_results::table
            .filter(http_results::campaign_id.eq(id.0))
            .filter(http_results::ordinal.eq(ordinal))
            .select(http_results::snapshot)
            .first::<Option<Vec<u8>>>(&mut self.conn()?)
            .optional()
            .db()?
            .flatten())
    }
}

/// Checks that the campaign exists and is not being deleted, and that no result is for an
/// ordinal past the campaign's last domain. (The result tables have no foreign keys, for
/// throughput; this one index lookup per batch stands in for them.)
pub(crate) fn check_batch(
    conn: &mut AnyConnection,
    id: CampaignId,
    highest: Option<i64>,
) -> Result<(), StoreError> {
    let live = campaigns::table
        .filter(campaigns::id.eq(id.0))
        .filter(campaigns::deleted_at.is_null())
        .select(campaigns::id)
        .first::<i64>(conn)
        .optional()
        .db()?;
    live.ok_or(StoreError::CampaignNotFound(id))?;
    if let Some(highest) = highest {
        let next = next_ordinal(conn, id)?;
        if highest >= next {
            return Err(StoreError::InvalidArgument(format!(
                "a result for ordinal {highest}, but campaign {id} has no domain past {}",
                next - 1
            )));
        }
    }
    Ok(())
}

pub(crate) fn count(
    conn: &mut AnyConnection,
    id: CampaignId,
    phase: Phase,
    inserted: usize,
    succeeded: usize,
    checkpoint: Option<i64>,
) -> Result<(), StoreError> {
    let target = campaign_phases::table
        .filter(campaign_phases::campaign_id.eq(id.0))
        .filter(campaign_phases::phase.eq(phase_value(phase)));
    let (inserted, succeeded) = (inserted as i64, succeeded as i64);
    if inserted > 0 {
        diesel::update(target)
            .set((
                campaign_phases::processed_items.eq(campaign_phases::processed_items + inserted),
                campaign_phases::succeeded_items.eq(campaign_phases::succeeded_items + succeeded),
                campaign_phases::failed_items
                    .eq(campaign_phases::failed_items + (inserted - succeeded)),
            ))
            .execute(conn)
            .db()?;
    }
    if let Some(checkpoint) = checkpoint {
        diesel::update(target)
            .set(campaign_phases::checkpoint.eq(checkpoint))
            .execute(conn)
            .db()?;
    }
    Ok(())
}
