//! `content_analysis` results: the pages the phase reads (the HTTP phase's snapshots) and the
//! idempotent write of what it found (the stored values of [`PageClass`] are in
//! `types::StoredEnum`, with the other enums).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use diesel::prelude::*;
use dragnet_domain::config::analysis::{RelevanceScore, RelevanceWeights, RelevanceWeightsInput};
use dragnet_domain::content::{
    ContentResult, ContentSummary, LanguageSource, PageClass, PageLanguage, RescoreRefusal,
    RescoreState, RescoreStatus,
};
use dragnet_domain::{Phase, PhaseStatus, RecordType};

use crate::backend::{self, AnyConnection};
use crate::campaigns::{
    bump_version, check_expected, config_text, current_version, phase_row, status_of,
};
use crate::domains::{decode_addresses, decode_records};
use crate::error::DbResultExt as _;
use crate::results::{check_batch, count};
use crate::rows::{ContentCols, NewContentRow, NewTechnologyRow, RescoreRow, ScoreCols, ScoreRow};
use crate::schema::{
    campaign_phases, content_rescores, content_results, content_scores, content_summary,
    dns_results, domains, http_results,
};
use crate::types::StoredEnum;
use crate::{
    CampaignId, KeywordHit, Store, StoreError, StoredPage, WriteReport, from_millis, now_millis,
    to_i64, to_millis, to_u64,
};

/// Ordinals rescored per transaction: each chunk is one `UPDATE` and commits on its own, so
/// other writers wait at most one chunk, and a killed process loses at most one chunk's
/// work (redone on resume).
pub const RESCORE_CHUNK: u64 = 100_000;

/// `content_summary.dimension` of the counts per classification.
const BY_CLASSIFICATION: i16 = 0;
/// `content_summary.dimension` of the counts per language.
const BY_LANGUAGE: i16 = 1;

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

/// A value for a JSON text column (`what` names it in the error).
pub(crate) fn json<T: serde::Serialize>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::InvalidArgument(format!("{what}: {e}")))
}

/// The value of a JSON text column; unreadable JSON is a corrupt row.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
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
    /// result with an `error` counts as failed, every other one as succeeded. In the same
    /// transaction, for the rows actually inserted: their scores (`content_scores`), their
    /// technologies, and the campaign's counts by classification and language
    /// ([`Store::content_summary`]).
    ///
    /// After a rescore the score written is not the one the analysis computed: it is
    /// recomputed from the result's components with the weights of the campaign's latest
    /// rescore, and the row gets that rescore's revision, so a campaign never holds scores of
    /// two weightings once its rescore completes — even for a chunk that an analysis started
    /// before the rescore was asked for writes after it.
    pub fn write_content_results(
        &self,
        id: CampaignId,
        results: &[ContentResult],
        checkpoint: Option<u64>,
    ) -> Result<WriteReport, StoreError> {
        let mut rows = Vec::with_capacity(results.len());
        let mut scores = Vec::with_capacity(results.len());
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
                scoring_version: i32::try_from(r.components.scoring_version).unwrap_or(i32::MAX),
                error: r.error.clone(),
                analysed_at: to_millis(r.analysed_at),
            });
            let c = &r.components;
            scores.push(ScoreRow {
                campaign_id: id.0,
                ordinal,
                score: clamp(r.relevance_score, 100.0),
                keyword_density: clamp(c.keyword_density, 1.0),
                keyword_coverage: clamp(c.keyword_coverage, 1.0),
                title_hit: clamp(c.title_hit, 1.0),
                content_length: clamp(c.content_length, 1.0),
                not_parked: clamp(c.not_parked, 1.0),
                weights_revision: 0,
            });
        }
        let checkpoint = checkpoint.map(|c| to_i64(c, "checkpoint")).transpose()?;
        self.write(|conn| {
            // The campaign row's lock orders this write with `begin_rescore` on PostgreSQL:
            // the rescore read below is then the latest, and a rescore that begins after
            // this write commits sees (and rescores) its rows.
            if !backend::lock_campaign(conn, id.0)? {
                return Err(StoreError::CampaignNotFound(id));
            }
            check_batch(conn, id, rows.iter().map(|r| r.ordinal).max())?;
            let inserted = backend::insert_content_results(conn, &rows)?;
            let inserted_set: HashSet<i64> = inserted.iter().copied().collect();
            // Scores, technologies and counts only for the domains this write analysed (a
            // retried chunk may hold some that an earlier attempt already wrote).
            let rescore = rescore_row(conn, id)?.map(stored_weights).transpose()?;
            let mut new_scores: Vec<ScoreRow> = scores
                .into_iter()
                .filter(|s| inserted_set.contains(&s.ordinal))
                .collect();
            if let Some((revision, weights)) = rescore {
                for s in &mut new_scores {
                    s.score = weights.relevance_score(&components_of(s, 0));
                    s.weights_revision = revision;
                }
            }
            backend::insert_content_scores(conn, &new_scores)?;
            let techs: Vec<NewTechnologyRow> = technologies
                .into_iter()
                .filter(|t| inserted_set.contains(&t.ordinal))
                .collect();
            backend::insert_content_technologies(conn, &techs)?;
            let mut by_class: HashMap<i16, i64> = HashMap::new();
            let mut by_language: HashMap<&str, i64> = HashMap::new();
            for row in rows.iter().filter(|r| inserted_set.contains(&r.ordinal)) {
                *by_class.entry(row.classification).or_default() += 1;
                *by_language.entry(row.language.as_str()).or_default() += 1;
            }
            for (class, n) in by_class {
                backend::add_to_summary(conn, id.0, BY_CLASSIFICATION, &class.to_string(), n)?;
            }
            for (language, n) in by_language {
                backend::add_to_summary(conn, id.0, BY_LANGUAGE, language, n)?;
            }
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
            .inner_join(
                content_scores::table.on(content_scores::campaign_id
                    .eq(content_results::campaign_id)
                    .and(content_scores::ordinal.eq(content_results::ordinal))),
            )
            .filter(content_results::campaign_id.eq(id.0))
            .filter(content_results::ordinal.eq(ordinal))
            .select((NewContentRow::as_select(), ScoreRow::as_select()))
            .first::<(NewContentRow, ScoreRow)>(&mut self.conn()?)
            .optional()
            .db()?;
        row.map(|(content, score)| decode_content(content, &score))
            .transpose()
    }

    /// The campaign's content results counted by classification (every class, 0 when none)
    /// and by language (the languages found): counts kept by [`Store::write_content_results`],
    /// read without grouping the results. An unknown campaign has an empty summary.
    pub fn content_summary(&self, id: CampaignId) -> Result<ContentSummary, StoreError> {
        let rows: Vec<(i16, String, i64)> = content_summary::table
            .filter(content_summary::campaign_id.eq(id.0))
            .select((
                content_summary::dimension,
                content_summary::value,
                content_summary::items,
            ))
            .load(&mut self.conn()?)
            .db()?;
        let mut summary = ContentSummary::empty();
        for (dimension, value, items) in rows {
            let items = to_u64(items, "summary count")?;
            match dimension {
                BY_CLASSIFICATION => {
                    let class = value
                        .parse::<i16>()
                        .ok()
                        .and_then(PageClass::from_index)
                        .ok_or_else(|| {
                            StoreError::Corrupt(format!("unknown summary classification {value}"))
                        })?;
                    summary.by_classification.insert(class, items);
                }
                BY_LANGUAGE => {
                    if items > 0 {
                        summary.by_language.insert(value, items);
                    }
                }
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "unknown summary dimension {other}"
                    )));
                }
            }
        }
        Ok(summary)
    }

    /// The campaign's latest rescore, if it was ever rescored.
    pub fn rescore_state(&self, id: CampaignId) -> Result<Option<RescoreState>, StoreError> {
        content_rescores::table
            .filter(content_rescores::campaign_id.eq(id.0))
            .select(RescoreRow::as_select())
            .first::<RescoreRow>(&mut self.conn()?)
            .optional()
            .db()?
            .map(decode_rescore)
            .transpose()
    }

    /// Begins a rescore of the campaign's content results with `weights` (formula version
    /// `scoring_version`), atomically: refuses while `content_analysis` is running or paused,
    /// while another rescore runs, or when there is no result ([`StoreError::RescoreRefused`]);
    /// otherwise records the phase's new `configuration` (the caller's, with the new weights
    /// written down; stored as given, like every configuration), bumps the campaign's version
    /// (compare-and-set from `expected_version`: [`StoreError::Conflict`] if it moved) and
    /// records the rescore as running with the next revision. The scores change only as
    /// [`Store::rescore_chunk`] is called.
    pub fn begin_rescore(
        &self,
        id: CampaignId,
        weights: &RelevanceWeights,
        scoring_version: u32,
        configuration: &serde_json::Value,
        expected_version: i64,
    ) -> Result<RescoreState, StoreError> {
        let now = now_millis();
        let scoring_version = i32::try_from(scoring_version).unwrap_or(i32::MAX);
        self.write(|conn| {
            if !backend::lock_campaign(conn, id.0)? {
                return Err(StoreError::CampaignNotFound(id));
            }
            let version = current_version(conn, id)?;
            check_expected(id, Some(expected_version), version)?;
            let status = campaign_phases::table
                .filter(campaign_phases::campaign_id.eq(id.0))
                .filter(
                    campaign_phases::phase
                        .eq(crate::campaigns::phase_value(Phase::ContentAnalysis)),
                )
                .select(campaign_phases::status)
                .first::<i16>(conn)
                .db()?;
            let status = status_of(status)?;
            if matches!(status, PhaseStatus::Running | PhaseStatus::Paused) {
                return Err(RescoreRefusal::PhaseActive { status }.into());
            }
            let previous = backend::rescore_for_update(conn, id.0)?;
            if let Some(p) = &previous
                && p.state == RescoreStatus::Running.index()
            {
                return Err(RescoreRefusal::AlreadyRunning {
                    revision: to_u64(p.revision, "rescore revision")?,
                }
                .into());
            }
            let (total, first, last): (i64, Option<i64>, Option<i64>) = content_scores::table
                .filter(content_scores::campaign_id.eq(id.0))
                .select((
                    diesel::dsl::count_star(),
                    diesel::dsl::min(content_scores::ordinal),
                    diesel::dsl::max(content_scores::ordinal),
                ))
                .first(conn)
                .db()?;
            let (Some(first), Some(last)) = (first, last) else {
                return Err(RescoreRefusal::NoResults.into());
            };
            bump_version(conn, id, version, now)?;
            diesel::update(phase_row(id, Phase::ContentAnalysis))
                .set(campaign_phases::configuration.eq(Some(config_text(configuration))))
                .execute(conn)
                .db()?;
            let row = RescoreRow {
                campaign_id: id.0,
                revision: previous.map_or(1, |p| p.revision + 1),
                state: RescoreStatus::Running.index(),
                keyword_density: weights.keyword_density(),
                keyword_coverage: weights.keyword_coverage(),
                title_hit: weights.title_hit(),
                content_length: weights.content_length(),
                not_parked: weights.not_parked(),
                scoring_version,
                total_items: total,
                processed_items: 0,
                next_ordinal: first,
                end_ordinal: last + 1,
                started_at: now,
                rescored_at: None,
                error: None,
            };
            diesel::delete(content_rescores::table.filter(content_rescores::campaign_id.eq(id.0)))
                .execute(conn)
                .db()?;
            diesel::insert_into(content_rescores::table)
                .values(&row)
                .execute(conn)
                .db()?;
            decode_rescore(row)
        })
    }

    /// Rescores the next chunk (at most `max_ordinals` ordinals) of the campaign's running
    /// rescore `revision`, in one transaction that also records how far it got; the last
    /// chunk marks the rescore completed. Returns the rescore's state afterwards. When the
    /// campaign's rescore is no longer `revision` or no longer running (another process
    /// finished it, a newer one replaced it), nothing is done and its current state is
    /// returned: callers loop while the state is `running` with their revision.
    pub fn rescore_chunk(
        &self,
        id: CampaignId,
        revision: u64,
        max_ordinals: u64,
    ) -> Result<RescoreState, StoreError> {
        let revision = to_i64(revision, "rescore revision")?;
        let span = to_i64(max_ordinals.max(1), "rescore chunk")?;
        self.write(|conn| {
            let mut row =
                backend::rescore_for_update(conn, id.0)?.ok_or(StoreError::CampaignNotFound(id))?;
            if row.revision != revision || row.state != RescoreStatus::Running.index() {
                return decode_rescore(row);
            }
            let from = row.next_ordinal;
            let to = from.saturating_add(span).min(row.end_ordinal);
            if from < to {
                let updated = backend::rescore_scores(
                    conn,
                    id.0,
                    revision,
                    [
                        row.keyword_density,
                        row.keyword_coverage,
                        row.title_hit,
                        row.content_length,
                        row.not_parked,
                    ],
                    from,
                    to,
                )?;
                row.processed_items += updated as i64;
            }
            row.next_ordinal = to;
            if to >= row.end_ordinal {
                row.state = RescoreStatus::Completed.index();
                row.rescored_at = Some(now_millis());
            }
            diesel::update(content_rescores::table.filter(content_rescores::campaign_id.eq(id.0)))
                .set(&row)
                .execute(conn)
                .db()?;
            decode_rescore(row)
        })
    }

    /// Marks the campaign's rescore `revision` failed with `error`, if it is still running.
    /// Its scores stay mixed (some rows rescored, some not; each row's revision says which)
    /// until a new rescore completes.
    pub fn fail_rescore(
        &self,
        id: CampaignId,
        revision: u64,
        error: &str,
    ) -> Result<(), StoreError> {
        let revision = to_i64(revision, "rescore revision")?;
        self.write(|conn| {
            diesel::update(
                content_rescores::table
                    .filter(content_rescores::campaign_id.eq(id.0))
                    .filter(content_rescores::revision.eq(revision))
                    .filter(content_rescores::state.eq(RescoreStatus::Running.index())),
            )
            .set((
                content_rescores::state.eq(RescoreStatus::Failed.index()),
                content_rescores::error.eq(Some(error)),
            ))
            .execute(conn)
            .db()?;
            Ok(())
        })
    }

    /// The rescores still running, with their revisions: after a restart, the ones a
    /// previous process did not finish.
    pub fn running_rescores(&self) -> Result<Vec<(CampaignId, u64)>, StoreError> {
        let rows: Vec<(i64, i64)> = content_rescores::table
            .filter(content_rescores::state.eq(RescoreStatus::Running.index()))
            .select((content_rescores::campaign_id, content_rescores::revision))
            .order(content_rescores::campaign_id.asc())
            .load(&mut self.conn()?)
            .db()?;
        rows.into_iter()
            .map(|(id, revision)| Ok((CampaignId(id), to_u64(revision, "rescore revision")?)))
            .collect()
    }
}

/// Clamps into `0..=max`, mapping NaN to 0 (the columns' CHECK constraints).
fn clamp(x: f64, max: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, max) }
}

/// The campaign's rescore row, if any. Not locked: a content write holds the campaign's
/// lock, which `begin_rescore` takes too, and `rescore_chunk` never touches the rows a write
/// inserts at the rescore's revision.
fn rescore_row(conn: &mut AnyConnection, id: CampaignId) -> Result<Option<RescoreRow>, StoreError> {
    content_rescores::table
        .filter(content_rescores::campaign_id.eq(id.0))
        .select(RescoreRow::as_select())
        .first::<RescoreRow>(conn)
        .optional()
        .db()
}

/// A rescore row's revision and weights.
fn stored_weights(row: RescoreRow) -> Result<(i64, RelevanceWeights), StoreError> {
    let weights = RelevanceWeights::try_from(RelevanceWeightsInput {
        keyword_density: Some(row.keyword_density),
        keyword_coverage: Some(row.keyword_coverage),
        title_hit: Some(row.title_hit),
        content_length: Some(row.content_length),
        not_parked: Some(row.not_parked),
    })
    .map_err(|e| StoreError::Corrupt(format!("stored rescore weights: {e}")))?;
    Ok((row.revision, weights))
}

fn decode_rescore(row: RescoreRow) -> Result<RescoreState, StoreError> {
    let state = RescoreStatus::decode(row.state)?;
    let scoring_version = u32::try_from(row.scoring_version).map_err(|_| {
        StoreError::Corrupt(format!("negative scoring version {}", row.scoring_version))
    })?;
    let total_items = to_u64(row.total_items, "rescore total")?;
    let processed_items = to_u64(row.processed_items, "rescore count")?;
    let started_at = from_millis(row.started_at)?;
    let rescored_at = row.rescored_at.map(from_millis).transpose()?;
    let error = row.error.clone();
    let (revision, weights) = stored_weights(row)?;
    Ok(RescoreState {
        revision: to_u64(revision, "rescore revision")?,
        state,
        weights,
        scoring_version,
        total_items,
        processed_items,
        started_at,
        rescored_at,
        error,
    })
}

/// The components of a score row, with `scoring_version`; `score` is the stored score's
/// weighted sum (`score / 100`), so that `relevanceScore = 100 × components.score` holds
/// for every row, rescored or not.
fn components_of(s: &ScoreRow, scoring_version: u32) -> RelevanceScore {
    RelevanceScore {
        score: s.score / 100.0,
        keyword_density: s.keyword_density,
        keyword_coverage: s.keyword_coverage,
        title_hit: s.title_hit,
        content_length: s.content_length,
        not_parked: s.not_parked,
        scoring_version,
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
        scoring_version,
        error,
        analysed_at,
    ): ContentCols,
    (
        score,
        keyword_density,
        keyword_coverage,
        title_hit,
        content_length,
        not_parked,
        weights_revision,
    ): ScoreCols,
) -> Result<ContentResult, StoreError> {
    decode_content(
        NewContentRow {
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
            scoring_version,
            error,
            analysed_at,
        },
        &ScoreRow {
            campaign_id: 0,
            ordinal,
            score,
            keyword_density,
            keyword_coverage,
            title_hit,
            content_length,
            not_parked,
            weights_revision,
        },
    )
}

/// A content result as stored: its row and its score row.
pub(crate) fn decode_content(
    row: NewContentRow,
    score: &ScoreRow,
) -> Result<ContentResult, StoreError> {
    let scoring_version = u32::try_from(row.scoring_version).map_err(|_| {
        StoreError::Corrupt(format!("negative scoring version {}", row.scoring_version))
    })?;
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
        components: components_of(score, scoring_version),
        relevance_score: score.score,
        weights_revision: to_u64(score.weights_revision, "weights revision")?,
        error: row.error,
        analysed_at: from_millis(row.analysed_at)?,
    })
}
