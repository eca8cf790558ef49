//! Domains: streaming bulk inserts, generated chunks with the pattern high-water marks, keyset
//! pages joined with the phase results, and the streaming export.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::ops::Range;

use diesel::prelude::*;
use dragnet_domain::{DnsRecord, Phase};

use crate::backend::{self, AnyConnection};
use crate::campaigns::phase_value;
use crate::error::DbResultExt as _;
use crate::rows::{DnsCols, HttpCols, NewDomainRow, PageRow};
use crate::schema::{campaign_phases, dns_results, domains, pattern_marks};
use crate::types::StoredEnum;
use crate::{
    CampaignId, DnsResult, DnsStatus, DomainFilter, DomainRecord, HttpResult, HttpStatus,
    InsertReport, KeywordHit, Page, ResolvedDomain, Store, StoreError, from_millis, now_millis,
    to_i64, to_u64,
};

/// Names per transaction in [`Store::insert_domains`] on SQLite, where a transaction holds
/// the database's one write lock (and per internal step elsewhere).
pub const INSERT_BATCH: usize = 10_000;

/// Names per transaction in [`Store::insert_domains`] on PostgreSQL: row locks only, so
/// larger batches (fewer commits and COPY round trips) cost other writers nothing.
pub const INSERT_BATCH_POSTGRES: usize = 50_000;

/// The most domains one page returns.
pub const MAX_DOMAIN_PAGE: usize = 1000;

/// Domains per page read by [`Store::export_domains`].
pub const EXPORT_PAGE: usize = 1000;

/// A chunk of generated names for [`Store::insert_generated_chunk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedChunk<'a> {
    /// The campaign ordinals the names receive, in order; there must be exactly as many
    /// names as ordinals.
    pub ordinals: Range<u64>,
    /// The canonical key of the generator parameters
    /// (`DomainGenerationConfig::pattern_key()`).
    pub pattern_key: &'a str,
    /// The pattern ordinal after the chunk's last name: the high-water mark is raised to it
    /// (never lowered).
    pub pattern_end: u64,
}

impl Store {
    /// Appends names to a campaign, streaming: the input is consumed in batches of
    /// [`INSERT_BATCH`] ([`INSERT_BATCH_POSTGRES`] on PostgreSQL), each inserted in its own transaction (COPY on PostgreSQL, large
    /// multi-row inserts on SQLite), so memory stays bounded and other writers are never
    /// blocked for long. Names get increasing ordinals after the campaign's highest one.
    /// Names the campaign already has (or that repeat within the input) are counted as
    /// duplicates and skipped; their ordinals are left unused.
    ///
    /// The caller validates and normalises the names (`DomainName::parse`); the store only
    /// stores them. A failure stops the insert: earlier batches stay inserted.
    pub fn insert_domains<I>(&self, id: CampaignId, names: I) -> Result<InsertReport, StoreError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut names = names.into_iter();
        let mut report = InsertReport::default();
        let size = self.insert_batch();
        let mut batch: Vec<I::Item> = Vec::with_capacity(size);
        loop {
            batch.clear();
            batch.extend(names.by_ref().take(size));
            if batch.is_empty() {
                return Ok(report);
            }
            let inserted = self.write(|conn| {
                if !backend::lock_campaign(conn, id.0)? {
                    return Err(StoreError::CampaignNotFound(id));
                }
                let start = next_ordinal(conn, id)?;
                let rows: Vec<NewDomainRow<'_>> = batch
                    .iter()
                    .zip(start..)
                    .map(|(name, ordinal)| NewDomainRow {
                        campaign_id: id.0,
                        ordinal,
                        name: name.as_ref(),
                    })
                    .collect();
                backend::insert_domains(conn, &rows)
            })?;
            report.inserted += inserted;
            report.duplicates += batch.len() as u64 - inserted;
        }
    }

    /// Inserts one chunk of generated names at the given campaign ordinals and raises the
    /// pattern's high-water mark, in one transaction, and adds the inserted count to the
    /// `domain_generation` counters (processed and succeeded). Re-running a chunk after a
    /// crash inserts nothing twice: names or ordinals already present count as duplicates
    /// and leave the counters unchanged.
    pub fn insert_generated_chunk<I>(
        &self,
        id: CampaignId,
        chunk: &GeneratedChunk<'_>,
        names: I,
    ) -> Result<InsertReport, StoreError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let first = to_i64(chunk.ordinals.start, "ordinal")?;
        let end = to_i64(chunk.ordinals.end, "ordinal")?;
        let pattern_end = to_i64(chunk.pattern_end, "pattern ordinal")?;
        let now = now_millis();
        let mut names = names.into_iter();
        self.write(|conn| {
            if !backend::lock_campaign(conn, id.0)? {
                return Err(StoreError::CampaignNotFound(id));
            }
            let mut report = InsertReport::default();
            let mut ordinal = first;
            let mut batch: Vec<I::Item> = Vec::with_capacity(INSERT_BATCH);
            loop {
                batch.clear();
                batch.extend(names.by_ref().take(INSERT_BATCH));
                if batch.is_empty() {
                    break;
                }
                if ordinal + batch.len() as i64 > end {
                    return Err(StoreError::InvalidArgument(format!(
                        "more names than the {} ordinals of the chunk",
                        end - first
                    )));
                }
                let rows: Vec<NewDomainRow<'_>> = batch
                    .iter()
                    .zip(ordinal..)
                    .map(|(name, ordinal)| NewDomainRow {
                        campaign_id: id.0,
                        ordinal,
                        name: name.as_ref(),
                    })
                    .collect();
                let inserted = backend::insert_domains(conn, &rows)?;
                report.inserted += inserted;
                report.duplicates += batch.len() as u64 - inserted;
                ordinal += batch.len() as i64;
            }
            if ordinal != end {
                return Err(StoreError::InvalidArgument(format!(
                    "{} names for a chunk of {} ordinals",
                    ordinal - first,
                    end - first
                )));
            }
            raise_mark(conn, chunk.pattern_key, pattern_end, now)?;
            let inserted = report.inserted as i64;
            diesel::update(
                campaign_phases::table
                    .filter(campaign_phases::campaign_id.eq(id.0))
                    .filter(campaign_phases::phase.eq(phase_value(Phase::DomainGeneration))),
            )
            .set((
                campaign_phases::processed_items.eq(campaign_phases::processed_items + inserted),
                campaign_phases::succeeded_items.eq(campaign_phases::succeeded_items + inserted),
            ))
            .execute(conn)
            .db()?;
            Ok(report)
        })
    }

    /// The high-water mark of a pattern: the first pattern ordinal no campaign has received
    /// (`None` when no campaign used the pattern).
    pub fn pattern_mark(&self, pattern_key: &str) -> Result<Option<u64>, StoreError> {
        pattern_marks::table
            .filter(pattern_marks::pattern_key.eq(pattern_key))
            .select(pattern_marks::next_ordinal)
            .first::<i64>(&mut self.conn()?)
            .optional()
            .db()?
            .map(|v| to_u64(v, "pattern ordinal"))
            .transpose()
    }

    /// Atomically reserves the next `count` pattern ordinals of a pattern with
    /// `pattern_total` names, for a campaign that continues where earlier ones stopped.
    /// Two callers never receive overlapping ranges. Fails with
    /// [`StoreError::PatternExhausted`] when fewer than `count` remain (never wraps around).
    pub fn reserve_pattern_range(
        &self,
        pattern_key: &str,
        count: u64,
        pattern_total: u128,
    ) -> Result<Range<u64>, StoreError> {
        let now = now_millis();
        self.write(|conn| {
            backend::ensure_mark(conn, pattern_key, now)?;
            let start = to_u64(
                backend::mark_for_update(conn, pattern_key)?,
                "pattern ordinal",
            )?;
            let remaining = pattern_total.saturating_sub(u128::from(start));
            if u128::from(count) > remaining {
                return Err(StoreError::PatternExhausted {
                    key: pattern_key.to_owned(),
                    requested: count,
                    remaining: u64::try_from(remaining).unwrap_or(u64::MAX),
                });
            }
            let end = start.checked_add(count).ok_or(StoreError::OutOfRange {
                what: "pattern ordinal",
                value: u128::from(start) + u128::from(count),
            })?;
            let end_value = to_i64(end, "pattern ordinal")?;
            diesel::update(pattern_marks::table.filter(pattern_marks::pattern_key.eq(pattern_key)))
                .set((
                    pattern_marks::next_ordinal.eq(end_value),
                    pattern_marks::updated_at.eq(now),
                ))
                .execute(conn)
                .db()?;
            Ok(start..end)
        })
    }

    /// Names per transaction in [`Store::insert_domains`] on this store's backend
    /// ([`INSERT_BATCH`] or [`INSERT_BATCH_POSTGRES`]): a caller that feeds it from a stream
    /// hands it batches of this size.
    pub fn insert_batch(&self) -> usize {
        self.backend().insert_batch()
    }

    /// The ordinal the next imported name would receive: one past the campaign's highest.
    pub fn next_ordinal(&self, id: CampaignId) -> Result<u64, StoreError> {
        let mut conn = self.conn()?;
        let next = next_ordinal(&mut conn, id)?;
        to_u64(next, "ordinal")
    }

    /// The names with ordinals in `range`, in ordinal order, for a phase's chunk. The caller
    /// bounds the range (a chunk), so the result is bounded too.
    pub fn domain_names_in(
        &self,
        id: CampaignId,
        range: Range<u64>,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let start = to_i64(range.start, "ordinal")?;
        let end = to_i64(range.end, "ordinal")?;
        let rows: Vec<(i64, String)> = domains::table
            .filter(domains::campaign_id.eq(id.0))
            .filter(domains::ordinal.ge(start))
            .filter(domains::ordinal.lt(end))
            .order(domains::ordinal.asc())
            .select((domains::ordinal, domains::name))
            .load(&mut self.conn()?)
            .db()?;
        rows.into_iter()
            .map(|(ordinal, name)| Ok((to_u64(ordinal, "ordinal")?, name)))
            .collect()
    }

    /// The domains in `range` whose DNS result is `resolved`, with the addresses it found, in
    /// ordinal order: the input of `http_keyword_validation`.
    pub fn resolved_domains_in(
        &self,
        id: CampaignId,
        range: Range<u64>,
    ) -> Result<Vec<ResolvedDomain>, StoreError> {
        let start = to_i64(range.start, "ordinal")?;
        let end = to_i64(range.end, "ordinal")?;
        let rows: Vec<(i64, String, String)> = domains::table
            .inner_join(
                dns_results::table.on(dns_results::campaign_id
                    .eq(domains::campaign_id)
                    .and(dns_results::ordinal.eq(domains::ordinal))),
            )
            .filter(domains::campaign_id.eq(id.0))
            .filter(domains::ordinal.ge(start))
            .filter(domains::ordinal.lt(end))
            .filter(dns_results::status.eq(DnsStatus::Resolved.index()))
            .order(domains::ordinal.asc())
            .select((domains::ordinal, domains::name, dns_results::addresses))
            .load(&mut self.conn()?)
            .db()?;
        rows.into_iter()
            .map(|(ordinal, name, addresses)| {
                Ok(ResolvedDomain {
                    ordinal: to_u64(ordinal, "ordinal")?,
                    name,
                    addresses: decode_addresses(&addresses)?,
                })
            })
            .collect()
    }

    /// How many of a campaign's domains have a DNS result with `status`.
    pub fn count_dns_status(&self, id: CampaignId, status: DnsStatus) -> Result<u64, StoreError> {
        let n: i64 = dns_results::table
            .filter(dns_results::campaign_id.eq(id.0))
            .filter(dns_results::status.eq(status.index()))
            .count()
            .get_result(&mut self.conn()?)
            .db()?;
        to_u64(n, "count")
    }

    /// Completes a phase's counters by counting: `n` items processed and succeeded (for
    /// `domain_generation` of a campaign whose domains were imported as a list).
    pub fn record_counted(&self, id: CampaignId, phase: Phase, n: u64) -> Result<(), StoreError> {
        let n = to_i64(n, "count")?;
        self.write(|conn| {
            diesel::update(
                campaign_phases::table
                    .filter(campaign_phases::campaign_id.eq(id.0))
                    .filter(campaign_phases::phase.eq(phase_value(phase))),
            )
            .set((
                campaign_phases::total_items.eq(n),
                campaign_phases::processed_items.eq(n),
                campaign_phases::succeeded_items.eq(n),
                campaign_phases::failed_items.eq(0_i64),
            ))
            .execute(conn)
            .db()?;
            Ok(())
        })
    }

    /// How many domains a campaign has.
    pub fn count_domains(&self, id: CampaignId) -> Result<u64, StoreError> {
        let n: i64 = domains::table
            .filter(domains::campaign_id.eq(id.0))
            .count()
            .get_result(&mut self.conn()?)
            .db()?;
        to_u64(n, "count")
    }

    /// One page of a campaign's domains with their results, in ordinal order, starting after
    /// `after` (keyset: `WHERE ordinal > after ORDER BY ordinal LIMIT n`; no OFFSET). `limit`
    /// is capped at [`MAX_DOMAIN_PAGE`]. `next` is the cursor for the following page.
    pub fn list_domains(
        &self,
        id: CampaignId,
        filter: &DomainFilter,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Page<DomainRecord, u64>, StoreError> {
        let limit = limit.clamp(1, MAX_DOMAIN_PAGE);
        let mut conn = self.conn()?;
        let items = page(&mut conn, id, filter, after, limit)?;
        let next = if items.len() == limit {
            items.last().map(|d| d.ordinal)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// One page of a campaign's analysed domains in relevance order — score descending, then
    /// ordinal — after the keyset `after` (`(score, ordinal)` of the previous page's last item;
    /// no OFFSET, so "the 100 best" is one index range read at any campaign size). Domains
    /// without a content result are not listed. `next` is the cursor for the following page.
    pub fn list_domains_by_score(
        &self,
        id: CampaignId,
        filter: &DomainFilter,
        after: Option<(f64, u64)>,
        limit: usize,
    ) -> Result<Page<DomainRecord, (f64, u64)>, StoreError> {
        let limit = limit.clamp(1, MAX_DOMAIN_PAGE);
        let after = after
            .map(|(score, ordinal)| to_i64(ordinal, "ordinal").map(|o| (score, o)))
            .transpose()?;
        let mut conn = self.conn()?;
        let mut items = backend::score_page(&mut conn, id.0, filter, after, limit, decode_row)?;
        crate::leads::attach_leads(&mut conn, id, &mut items)?;
        let next = if items.len() == limit {
            items
                .last()
                .and_then(|d| d.content.as_ref().map(|c| (c.relevance_score, d.ordinal)))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// All of a campaign's domains matching `filter`, with their results, in ordinal order,
    /// read lazily in pages of [`EXPORT_PAGE`] so memory stays bounded whatever the campaign's
    /// size. Each page uses a pooled connection only while it is read, so the export is not
    /// one snapshot: rows written during it may or may not appear.
    pub fn export_domains(&self, id: CampaignId, filter: DomainFilter) -> DomainExport {
        DomainExport {
            store: self.clone(),
            id,
            filter,
            after: None,
            buffer: VecDeque::new(),
            finished: false,
        }
    }
}

/// The iterator returned by [`Store::export_domains`].
#[derive(Debug)]
pub struct DomainExport {
    store: Store,
    id: CampaignId,
    filter: DomainFilter,
    after: Option<u64>,
    buffer: VecDeque<DomainRecord>,
    finished: bool,
}

impl Iterator for DomainExport {
    type Item = Result<DomainRecord, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty() && !self.finished {
            let fetched = self.store.conn().and_then(|mut conn| {
                page(&mut conn, self.id, &self.filter, self.after, EXPORT_PAGE)
            });
            match fetched {
                Ok(items) => {
                    self.finished = items.len() < EXPORT_PAGE;
                    self.after = items.last().map(|d| d.ordinal).or(self.after);
                    self.buffer.extend(items);
                }
                Err(e) => {
                    self.finished = true;
                    return Some(Err(e));
                }
            }
        }
        self.buffer.pop_front().map(Ok)
    }
}

pub(crate) fn next_ordinal(conn: &mut AnyConnection, id: CampaignId) -> Result<i64, StoreError> {
    let max: Option<i64> = domains::table
        .filter(domains::campaign_id.eq(id.0))
        .select(diesel::dsl::max(domains::ordinal))
        .first(conn)
        .db()?;
    Ok(max.map_or(0, |m| m + 1))
}

/// Raises the mark of `key` to `to` if it is lower.
fn raise_mark(conn: &mut AnyConnection, key: &str, to: i64, now: i64) -> Result<(), StoreError> {
    backend::ensure_mark(conn, key, now)?;
    diesel::update(
        pattern_marks::table
            .filter(pattern_marks::pattern_key.eq(key))
            .filter(pattern_marks::next_ordinal.lt(to)),
    )
    .set((
        pattern_marks::next_ordinal.eq(to),
        pattern_marks::updated_at.eq(now),
    ))
    .execute(conn)
    .db()?;
    Ok(())
}

/// One page of a campaign's domains with their results (see [`Store::list_domains`]).
fn page(
    conn: &mut AnyConnection,
    id: CampaignId,
    filter: &DomainFilter,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<DomainRecord>, StoreError> {
    // Ordinals are never negative (a CHECK constraint), so -1 stands for "from the start" and
    // one statement serves both.
    let after = after.map_or(Ok(-1), |a| to_i64(a, "ordinal"))?;
    let mut items = backend::domain_page(conn, id.0, filter, after, limit, decode_row)?;
    crate::leads::attach_leads(conn, id, &mut items)?;
    Ok(items)
}

fn decode_row(
    (ordinal, name, dns, http, content, score): PageRow,
) -> Result<DomainRecord, StoreError> {
    let stored = ordinal;
    let ordinal = to_u64(ordinal, "ordinal")?;
    let content = match (content, score) {
        (Some(c), Some(s)) => Some(crate::content::decode_content_cols(stored, c, s)?),
        (None, _) => None,
        // Both rows are written in one transaction.
        (Some(_), None) => {
            return Err(StoreError::Corrupt(format!(
                "content result of ordinal {stored} has no score row"
            )));
        }
    };
    Ok(DomainRecord {
        ordinal,
        name,
        dns: dns.map(|d| decode_dns(ordinal, d)).transpose()?,
        http: http.map(|h| decode_http(ordinal, h)).transpose()?,
        content,
        // Filled in for the whole page at once (`leads::attach_leads`).
        lead: None,
    })
}

/// Addresses are stored as one comma-separated text column, identical on both backends.
pub(crate) fn encode_addresses(addresses: &[IpAddr]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(addresses.len() * 16);
    for (i, address) in addresses.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{address}");
    }
    out
}

pub(crate) fn decode_addresses(addresses: &str) -> Result<Vec<IpAddr>, StoreError> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    addresses
        .split(',')
        .map(|a| {
            a.parse::<IpAddr>()
                .map_err(|_| StoreError::Corrupt(format!("stored address `{a}` is not an IP")))
        })
        .collect()
}

/// The stored form of a DNS result's records: a JSON array, `''` for none.
pub(crate) fn encode_records(records: &[DnsRecord]) -> Result<String, StoreError> {
    if records.is_empty() {
        return Ok(String::new());
    }
    crate::content::json(&records, "DNS records")
}

/// The records of a stored DNS result.
pub(crate) fn decode_records(records: &str) -> Result<Vec<DnsRecord>, StoreError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    crate::content::parse(records, "stored DNS records")
}

fn decode_dns(ordinal: u64, cols: DnsCols) -> Result<DnsResult, StoreError> {
    let (status, error_kind, addresses, attempts, checked_at, records) = cols;
    let addresses = decode_addresses(&addresses)?;
    Ok(DnsResult {
        ordinal,
        status: DnsStatus::decode(status)?,
        error_kind,
        addresses,
        records: decode_records(&records)?,
        attempts: u32::try_from(attempts)
            .map_err(|_| StoreError::Corrupt(format!("negative attempts {attempts}")))?,
        checked_at: from_millis(checked_at)?,
    })
}

fn decode_http(ordinal: u64, cols: HttpCols) -> Result<HttpResult, StoreError> {
    let (
        status,
        error_detail,
        status_code,
        final_url,
        redirect_count,
        title,
        content_type,
        content_length,
        content_hash,
        keyword_hits,
        fetched_at,
    ) = cols;
    let keyword_hits: Vec<KeywordHit> = serde_json::from_str(&keyword_hits)
        .map_err(|e| StoreError::Corrupt(format!("keyword hits are not valid JSON: {e}")))?;
    Ok(HttpResult {
        ordinal,
        status: HttpStatus::decode(status)?,
        error_detail,
        status_code: status_code
            .map(|c| u16::try_from(c).map_err(|_| StoreError::Corrupt(format!("status code {c}"))))
            .transpose()?,
        final_url,
        redirect_count: u32::try_from(redirect_count)
            .map_err(|_| StoreError::Corrupt(format!("redirect count {redirect_count}")))?,
        title,
        content_type,
        content_length: content_length
            .map(|l| to_u64(l, "content length"))
            .transpose()?,
        content_hash,
        keyword_hits,
        fetched_at: from_millis(fetched_at)?,
    })
}
