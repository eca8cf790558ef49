//! `content_analysis` results: the pages the phase reads (the HTTP phase's snapshots) and the
//! idempotent write of what it found (the stored values of [`PageClass`] are in
//! `types::StoredEnum`, with the other enums).

use std::collections::HashSet;
use std::ops::Range;

use diesel::prelude::*;
use dragnet_domain::content::{ContentResult, LanguageSource, PageClass, PageLanguage};
use dragnet_domain::{Phase, RecordType};

use crate::backend;
use crate::domains::{decode_addresses, decode_records};
use crate::error::DbResultExt as _;
use crate::results::{check_batch, count};
use crate::rows::{ContentCols, NewContentRow, NewTechnologyRow};
use crate::schema::{content_results, dns_results, domains, http_results};
use crate::types::StoredEnum;
use crate::{
    CampaignId, KeywordHit, Store, StoreError, StoredPage, WriteReport, from_millis, to_i64,
    to_millis, to_u64,
};

fn language_source_str(source: LanguageSource) -> &'static str {
    match source {
        LanguageSource::Text => "text",
        LanguageSource::HtmlLang => "html_lang",
        LanguageSource::None => "none",
    }
}

fn language_source_from(value: &str) -> LanguageSource {
    match value {
        "text" => LanguageSource::Text,
        "html_lang" => LanguageSource::HtmlLang,
        _ => LanguageSource::None,
    }
}

fn json<T: serde::Serialize>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::InvalidArgument(format!("{what}: {e}")))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

impl Store {
    /// How many domains of the campaign have a page snapshot: the `content_analysis` total.
    pub fn count_pages(&self, id: CampaignId) -> Result<u64, StoreError> {
        let n: i64 = http_results::table
            .filter(http_results::campaign_id.eq(id.0))
            .filter(http_results::snapshot.is_not_null())
            .count()
            .get_result(&mut self.conn()?)
            .db()?;
        to_u64(n, "count")
    }

    /// The pages kept for the domains in `range` (ordinals), in ordinal order.
    pub fn pages_in(
        &self,
        id: CampaignId,
        range: Range<u64>,
    ) -> Result<Vec<StoredPage>, StoreError> {
        let start = to_i64(range.start, "ordinal")?;
        let end = to_i64(range.end, "ordinal")?;
        type Row = (
            i64,
            String,
            Option<String>,
            String,
            Option<Vec<u8>>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = http_results::table
            .inner_join(
                domains::table.on(domains::campaign_id
                    .eq(http_results::campaign_id)
                    .and(domains::ordinal.eq(http_results::ordinal))),
            )
            .left_join(
                dns_results::table.on(dns_results::campaign_id
                    .eq(http_results::campaign_id)
                    .and(dns_results::ordinal.eq(http_results::ordinal))),
            )
            .filter(http_results::campaign_id.eq(id.0))
            .filter(http_results::ordinal.ge(start))
            .filter(http_results::ordinal.lt(end))
            .filter(http_results::snapshot.is_not_null())
            .order(http_results::ordinal.asc())
            .select((
                http_results::ordinal,
                domains::name,
                http_results::final_url,
                http_results::keyword_hits,
                http_results::snapshot,
                dns_results::addresses.nullable(),
                dns_results::records.nullable(),
            ))
            .load(&mut self.conn()?)
            .db()?;
        rows.into_iter()
            .filter_map(
                |(ordinal, name, final_url, hits, snapshot, addresses, records)| {
                    let snapshot = snapshot?;
                    Some((ordinal, name, final_url, hits, snapshot, addresses, records))
                },
            )
            .map(
                |(ordinal, name, final_url, hits, snapshot, addresses, records)| {
                    let records = decode_records(records.as_deref().unwrap_or_default())?;
                    Ok(StoredPage {
                        nameservers: records
                            .into_iter()
                            .filter(|r| r.record_type == RecordType::Ns)
                            .map(|r| r.value)
                            .collect(),
                        ordinal: to_u64(ordinal, "ordinal")?,
                        name,
                        final_url,
                        keyword_hits: parse::<Vec<KeywordHit>>(&hits, "keyword hits")?,
                        snapshot,
                        addresses: match addresses {
                            Some(a) => decode_addresses(&a)?,
                            None => Vec::new(),
                        },
                    })
                },
            )
            .collect()
    }

    /// Writes a batch of content results; idempotent like [`Store::write_dns_results`]. A
    /// result with an `error` counts as failed, every other one as succeeded.
    pub fn write_content_results(
        &self,
        id: CampaignId,
        results: &[ContentResult],
        checkpoint: Option<u64>,
    ) -> Result<WriteReport, StoreError> {
        let mut rows = Vec::with_capacity(results.len());
        let mut technologies = Vec::new();
        let mut failed = HashSet::new();
        for r in results {
            let ordinal = to_i64(r.ordinal, "ordinal")?;
            if r.error.is_some() {
                failed.insert(ordinal);
            }
            for t in &r.technologies {
                technologies.push(NewTechnologyRow {
                    campaign_id: id.0,
                    ordinal,
                    name: t.name.clone(),
                });
            }
            rows.push(NewContentRow {
                campaign_id: id.0,
                ordinal,
                classification: r.classification.index(),
                confidence: r.confidence.clamp(0.0, 1.0),
                evidence: json(&r.evidence, "evidence")?,
                language: r.language.code.clone(),
                language_confidence: r.language.confidence.clamp(0.0, 1.0),
                language_source: language_source_str(r.language.source).to_owned(),
                technologies: json(&r.technologies, "technologies")?,
                signals: json(&r.signals, "signals")?,
                components: json(&r.components, "components")?,
                score: r.relevance_score.clamp(0.0, 100.0),
                scoring_version: i32::try_from(r.components.scoring_version).unwrap_or(i32::MAX),
                error: r.error.clone(),
                analysed_at: to_millis(r.analysed_at),
            });
        }
        let checkpoint = checkpoint.map(|c| to_i64(c, "checkpoint")).transpose()?;
        self.write(|conn| {
            check_batch(conn, id, rows.iter().map(|r| r.ordinal).max())?;
            let inserted = backend::insert_content_results(conn, &rows)?;
            let inserted_set: HashSet<i64> = inserted.iter().copied().collect();
            // Technologies only for the domains this write analysed (a retried chunk may
            // hold some that an earlier attempt already wrote; those are skipped anyway).
            let techs: Vec<NewTechnologyRow> = technologies
                .into_iter()
                .filter(|t| inserted_set.contains(&t.ordinal))
                .collect();
            backend::insert_content_technologies(conn, &techs)?;
            let succeeded = inserted.iter().filter(|o| !failed.contains(o)).count();
            count(
                conn,
                id,
                Phase::ContentAnalysis,
                inserted.len(),
                succeeded,
                checkpoint,
            )?;
            Ok(WriteReport {
                inserted: inserted.len() as u64,
                already_present: (rows.len() - inserted.len()) as u64,
            })
        })
    }

    /// The content result of one domain, if it has one.
    pub fn content_result(
        &self,
        id: CampaignId,
        ordinal: u64,
    ) -> Result<Option<ContentResult>, StoreError> {
        let ordinal = to_i64(ordinal, "ordinal")?;
        let row = content_results::table
            .filter(content_results::campaign_id.eq(id.0))
            .filter(content_results::ordinal.eq(ordinal))
            .select(NewContentRow::as_select())
            .first::<NewContentRow>(&mut self.conn()?)
            .optional()
            .db()?;
        row.map(decode_content).transpose()
    }
}

/// A content result from the columns of a page row.
pub(crate) fn decode_content_cols(
    ordinal: i64,
    (
        classification,
        confidence,
        evidence,
        language,
        language_confidence,
        language_source,
        technologies,
        signals,
        components,
        score,
        scoring_version,
        error,
        analysed_at,
    ): ContentCols,
) -> Result<ContentResult, StoreError> {
    decode_content(NewContentRow {
        campaign_id: 0,
        ordinal,
        classification,
        confidence,
        evidence,
        language,
        language_confidence,
        language_source,
        technologies,
        signals,
        components,
        score,
        scoring_version,
        error,
        analysed_at,
    })
}

/// A content result as stored.
pub(crate) fn decode_content(row: NewContentRow) -> Result<ContentResult, StoreError> {
    Ok(ContentResult {
        ordinal: to_u64(row.ordinal, "ordinal")?,
        classification: PageClass::decode(row.classification)?,
        confidence: row.confidence,
        evidence: parse(&row.evidence, "evidence")?,
        language: PageLanguage {
            code: row.language,
            confidence: row.language_confidence,
            source: language_source_from(&row.language_source),
        },
        technologies: parse(&row.technologies, "technologies")?,
        signals: parse(&row.signals, "signals")?,
        components: parse(&row.components, "components")?,
        relevance_score: row.score,
        error: row.error,
        analysed_at: from_millis(row.analysed_at)?,
    })
}
