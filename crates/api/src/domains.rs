//! Domain endpoints: streaming bulk import, keyset pages with results, streaming export, and
//! the generation preview.

use std::io::Write as _;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use dragnet_domain::config::generation::{DomainGenerationConfig, DomainGenerationConfigInput};
use dragnet_domain::content::PageClass;
use dragnet_domain::name::DomainName;
use dragnet_domain::{CampaignId, DnsStatus, HttpStatus, Phase, PhaseStatus};
use dragnet_store::{DomainExport, DomainFilter, InsertReport, StoreError};
use futures_util::StreamExt as _;
use tokio::sync::mpsc;

use crate::dto::{
    DomainListQuery, DomainPage, DomainResult, ExportQuery, GenerationPreview, ImportReport,
    RejectedLine,
};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::{ApiJson, media_type, too_large};
use crate::state::AppState;

/// The most bytes one import request may carry by default (about 10M names); the app's
/// [`Limits`](crate::state::Limits) set the one in force.
pub const IMPORT_LIMIT: usize = 256 * 1024 * 1024;
/// The longest line accepted in an import.
pub const MAX_LINE: usize = 1024;
/// Rejected lines listed in the report.
const MAX_REJECTED_LISTED: usize = 1000;
/// Names handed to the store per batch.
const IMPORT_BATCH: usize = 5_000;

/// The filters a domain list or export query names.
struct FilterParams {
    dns_status: Option<String>,
    http_status: Option<String>,
    keyword: Option<String>,
    classification: Option<String>,
    language: Option<String>,
    technology: Option<String>,
    min_score: Option<f64>,
}

fn filter_from(p: FilterParams) -> Result<DomainFilter, ApiError> {
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidQuery, message);
    let dns_status = p
        .dns_status
        .map(|s| {
            s.parse::<DnsStatus>().map_err(|_| {
                invalid(format!(
                    "dnsStatus `{s}` is not one of resolved, nxdomain, no_records, timeout, error"
                ))
            })
        })
        .transpose()?;
    let http_status = p
        .http_status
        .map(|s| {
            s.parse::<HttpStatus>().map_err(|_| {
                invalid(format!("httpStatus `{s}` is not one of ok, unreachable, timeout, tls_error, http_error, blocked"))
            })
        })
        .transpose()?;
    let classification = p
        .classification
        .map(|s| {
            PageClass::ALL
                .into_iter()
                .find(|c| c.as_str() == s)
                .ok_or_else(|| {
                    invalid(format!("classification `{s}` is not one of active, parked, for_sale, under_construction, default_page, empty"))
                })
        })
        .transpose()?;
    for (name, value) in [
        ("keyword", &p.keyword),
        ("language", &p.language),
        ("technology", &p.technology),
    ] {
        if value.as_ref().is_some_and(|v| v.len() > 500) {
            return Err(invalid(format!("{name} must be at most 500 bytes")));
        }
    }
    if let Some(min) = p.min_score
        && !(0.0..=100.0).contains(&min)
    {
        return Err(invalid(format!(
            "minScore must be between 0 and 100, got {min}"
        )));
    }
    Ok(DomainFilter {
        dns_status,
        http_status,
        keyword: p.keyword.filter(|k| !k.is_empty()),
        classification,
        language: p.language.filter(|l| !l.is_empty()),
        technology: p.technology.filter(|t| !t.is_empty()),
        min_score: p.min_score,
    })
}

/// List a campaign's domains with their results, in ordinal order (keyset pages).
#[utoipa::path(
    tag = "domains",
    params(("id" = i64, Path, description = "Campaign id"), DomainListQuery),
    responses(
        (status = 200, description = "One page of domains.", body = DomainPage),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns/{id}/domains")]
pub async fn list_domains(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
    query: web::Query<DomainListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = query.into_inner();
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("limit must be between 1 and 1000, got {n}"),
            ));
        }
    };
    let by_score = match q.order.as_deref() {
        None | Some("ordinal") => false,
        Some("score") => true,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("order `{other}` is not one of ordinal, score"),
            ));
        }
    };
    let bad_cursor = |c: &str| {
        ApiError::new(
            ErrorCode::InvalidQuery,
            format!("cursor `{c}` is not a cursor from this API for this order"),
        )
    };
    let filter = filter_from(FilterParams {
        dns_status: q.dns_status,
        http_status: q.http_status,
        keyword: q.keyword,
        classification: q.classification,
        language: q.language,
        technology: q.technology,
        min_score: q.min_score,
    })?;
    let (items, next_cursor) = if by_score {
        let after = q
            .cursor
            .as_deref()
            .map(|c| decode_score_cursor(c).ok_or_else(|| bad_cursor(c)))
            .transpose()?;
        let page = state
            .store
            .run(move |s| {
                let page = s.list_domains_by_score(id, &filter, after, limit)?;
                if page.items.is_empty() {
                    s.get_campaign(id)?;
                }
                Ok::<_, StoreError>(page)
            })
            .await?;
        (page.items, page.next.map(encode_score_cursor))
    } else {
        let after = q
            .cursor
            .as_deref()
            .map(|c| c.parse::<u64>().map_err(|_| bad_cursor(c)))
            .transpose()?;
        let page = state
            .store
            .run(move |s| {
                let page = s.list_domains(id, &filter, after, limit)?;
                // An empty page may mean an unknown campaign: only then is it worth a second
                // query.
                if page.items.is_empty() {
                    s.get_campaign(id)?;
                }
                Ok::<_, StoreError>(page)
            })
            .await?;
        (page.items, page.next.map(|c| c.to_string()))
    };
    Ok(HttpResponse::Ok().json(DomainPage {
        items: items.into_iter().map(DomainResult::from).collect(),
        next_cursor,
    }))
}

/// The cursor of a page in score order: the last item's score (its exact bits, so that the
/// keyset comparison is exact) and ordinal, as `s<16 hex digits>-<ordinal>`.
fn encode_score_cursor((score, ordinal): (f64, u64)) -> String {
    format!("s{:016x}-{ordinal}", score.to_bits())
}

fn decode_score_cursor(cursor: &str) -> Option<(f64, u64)> {
    let (bits, ordinal) = cursor.strip_prefix('s')?.split_once('-')?;
    if bits.len() != 16 {
        return None;
    }
    let score = f64::from_bits(u64::from_str_radix(bits, 16).ok()?);
    (score.is_finite() && (0.0..=100.0).contains(&score))
        .then_some(())
        .and_then(|()| Some((score, ordinal.parse().ok()?)))
}

/// Import names into a campaign: `text/plain` (one per line) or `application/x-ndjson` (one
/// JSON string, or `{"name": …}`, per line). Streamed: the body is never held whole in memory.
#[utoipa::path(
    tag = "domains",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body(content = String, content_type = "text/plain", description = "One name per line (or NDJSON with Content-Type application/x-ndjson)."),
    responses(
        (status = 200, description = "What was imported; rejected lines are listed with their reason.", body = ImportReport),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The campaign is past the point where names can be added.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the import limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither text/plain nor application/x-ndjson.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/campaigns/{id}/domains")]
pub async fn import_domains(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<CampaignId>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ndjson = match req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(media_type)
    {
        Some("text/plain") => false,
        Some("application/x-ndjson") => true,
        other => {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!(
                    "expected Content-Type text/plain or application/x-ndjson, got `{}`",
                    other.unwrap_or("nothing")
                ),
            ));
        }
    };
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // `limits.import_body_bytes` (default IMPORT_LIMIT).
    let import_limit = state.limits().import_body_bytes;
    if declared.is_some_and(|n| n > import_limit) {
        return Err(too_large(import_limit));
    }
    let campaign = state.store.run(move |s| s.get_campaign(id)).await?;
    let dns_started = campaign
        .phase(Phase::DnsValidation)
        .is_some_and(|p| p.status != PhaseStatus::Pending);
    let generating = campaign.phase(Phase::DomainGeneration).is_some_and(|p| {
        matches!(
            p.status,
            PhaseStatus::Running | PhaseStatus::Paused | PhaseStatus::Failed
        )
    });
    if dns_started || generating {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "names can be added only before domain generation runs and before dns validation starts; {} is {}",
                campaign.state.current_phase, campaign.state.phase_status
            ),
        ));
    }

    // The writer inserts names from a bounded channel while the reader reads and validates
    // the body; memory is bounded by the channel and one store batch, not the body size. Each
    // store batch is one store call, so the import holds no blocking thread and no store slot
    // while it waits for the client.
    let (tx, mut rx) = mpsc::channel::<Vec<String>>(4);
    let store = state.store.clone();
    let writer = async move {
        let size = store.insert_batch();
        let mut total = InsertReport::default();
        let mut names: Vec<String> = Vec::with_capacity(size);
        let mut open = true;
        while open || !names.is_empty() {
            while open && names.len() < size {
                match rx.recv().await {
                    Some(batch) => names.extend(batch),
                    None => open = false,
                }
            }
            // Exactly one store batch (one transaction), as if the names were one stream.
            let rest = names.split_off(size.min(names.len()));
            let batch = std::mem::replace(&mut names, rest);
            if batch.is_empty() {
                break;
            }
            let report = store.run(move |s| s.insert_domains(id, batch)).await?;
            total.inserted += report.inserted;
            total.duplicates += report.duplicates;
        }
        Ok::<_, StoreError>(total)
    };
    let reader = async move {
        let mut report = ImportReport::default();
        let mut batch = Vec::with_capacity(IMPORT_BATCH);
        let mut pending: Vec<u8> = Vec::new();
        let mut line_no = 0_u64;
        let mut received = 0_usize;
        let mut handle_line = |line: &[u8], report: &mut ImportReport, batch: &mut Vec<String>| {
            line_no += 1;
            match parse_line(line, ndjson) {
                Ok(None) => {}
                Ok(Some(name)) => batch.push(name.into_string()),
                Err(reason) => {
                    report.rejected += 1;
                    if report.rejected_lines.len() < MAX_REJECTED_LISTED {
                        let value = String::from_utf8_lossy(line);
                        report.rejected_lines.push(RejectedLine {
                            line: line_no,
                            value: value.chars().take(256).collect(),
                            reason,
                        });
                    }
                }
            }
        };
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidJson,
                    format!("reading the body failed: {e}"),
                )
            })?;
            received += chunk.len();
            if received > import_limit {
                return Err(too_large(import_limit));
            }
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(pos) = pending[start..].iter().position(|b| *b == b'\n') {
                handle_line(&pending[start..start + pos], &mut report, &mut batch);
                start += pos + 1;
                if batch.len() >= IMPORT_BATCH && tx.send(std::mem::take(&mut batch)).await.is_err()
                {
                    return Ok(report);
                }
            }
            pending.drain(..start);
            if pending.len() > MAX_LINE * 4 {
                // A "line" this long is not a name; reject it without buffering more.
                handle_line(&pending[..MAX_LINE], &mut report, &mut batch);
                pending.clear();
            }
        }
        if !pending.is_empty() {
            handle_line(&pending, &mut report, &mut batch);
        }
        if !batch.is_empty() {
            let _ = tx.send(batch).await;
        }
        Ok::<_, ApiError>(report)
    };
    let (report, written) = futures_util::join!(reader, writer);
    let inserted = written?;
    let mut report = report?;
    report.accepted = inserted.inserted;
    report.duplicates = inserted.duplicates;
    Ok(HttpResponse::Ok().json(report))
}

/// One import line (without its `\n`) → a name, nothing (blank line, or a `#` comment in
/// text/plain), or why it was rejected. Pure; public for the fuzz target `import_line`.
pub fn parse_line(line: &[u8], ndjson: bool) -> Result<Option<DomainName>, String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > MAX_LINE {
        return Err(format!("line longer than {MAX_LINE} bytes"));
    }
    let text = std::str::from_utf8(line).map_err(|_| "not valid UTF-8".to_owned())?;
    let text = text.trim();
    if text.is_empty() || (!ndjson && text.starts_with('#')) {
        return Ok(None);
    }
    let name = if ndjson {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Line {
            Name(String),
            Object { name: String },
        }
        match serde_json::from_str::<Line>(text) {
            Ok(Line::Name(n) | Line::Object { name: n }) => n,
            Err(_) => return Err("not a JSON string or an object with a `name`".to_owned()),
        }
    } else {
        text.to_owned()
    };
    DomainName::parse(&name)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Stream every matching domain with its results: NDJSON (one `DomainResult` per line) or
/// CSV (flattened, with a header). Memory stays bounded; a client that disconnects stops the
/// query.
#[utoipa::path(
    tag = "domains",
    params(("id" = i64, Path, description = "Campaign id"), ExportQuery),
    responses(
        (status = 200, description = "The export, streamed.", content_type = "application/x-ndjson", body = DomainResult),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns/{id}/export")]
pub async fn export_domains(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = query.into_inner();
    let csv = match q.format.as_deref() {
        None | Some("ndjson") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("format `{other}` is not one of ndjson, csv"),
            ));
        }
    };
    let filter = filter_from(FilterParams {
        dns_status: q.dns_status,
        http_status: q.http_status,
        keyword: q.keyword,
        classification: q.classification,
        language: q.language,
        technology: q.technology,
        min_score: q.min_score,
    })?;
    state.store.run(move |s| s.get_campaign(id)).await?;
    let (tx, rx) = mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    let store = state.store.clone();
    // The export is read and encoded in chunks of about 60 KiB, each by one store call, and
    // stops when the receiver (the response) is dropped, i.e. when the client disconnects.
    // Between chunks it holds no blocking thread and no store slot.
    actix_web::rt::spawn(async move {
        let mut next = Some(ExportStep {
            rows: store.export_domains(id, filter),
            header: csv,
            sent: 0,
            finished: false,
        });
        let mut sent = 0;
        while let Some(mut step) = next.take().filter(|s| !s.finished) {
            let chunk = store
                .run(move |_| {
                    let chunk = step.encode(csv);
                    Ok::<_, StoreError>((step, chunk))
                })
                .await
                .map_or_else(
                    |e| Err(std::io::Error::other(e.to_string())),
                    |(step, chunk)| {
                        sent = step.sent;
                        // After an error the export ends.
                        next = chunk.is_ok().then_some(step);
                        chunk
                    },
                );
            match chunk {
                Ok(chunk) if chunk.is_empty() => break,
                Ok(chunk) => {
                    if tx.send(Ok(web::Bytes::from(chunk))).await.is_err() {
                        tracing::info!(campaign = %id, rows = sent, "export stopped: the client disconnected");
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(campaign = %id, error = %e, "export failed");
                    let _ = tx.send(Err(e)).await;
                    break;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let (content_type, extension) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "ndjson")
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"campaign-{id}.{extension}\""),
        ))
        .streaming(stream))
}

/// Where a streaming export is: the rows still to read, and what was sent.
struct ExportStep {
    rows: DomainExport,
    /// The CSV header is still to be written.
    header: bool,
    /// Rows encoded so far.
    sent: u64,
    /// The last row was read.
    finished: bool,
}

impl ExportStep {
    /// Reads and encodes rows (NDJSON or CSV) until about 60 KiB are ready or the rows end;
    /// blocks on the store. An error ends the export: what was encoded with it is dropped.
    fn encode(&mut self, csv: bool) -> Result<Vec<u8>, std::io::Error> {
        let mut buf = Vec::with_capacity(64 * 1024);
        if std::mem::take(&mut self.header) {
            buf.extend_from_slice(CSV_HEADER.as_bytes());
        }
        while buf.len() < 60 * 1024 {
            let Some(record) = self.rows.next() else {
                self.finished = true;
                break;
            };
            let record = record.map_err(|e| std::io::Error::other(e.to_string()))?;
            self.sent += 1;
            let item = DomainResult::from(record);
            if csv {
                write_csv(&mut buf, &item)?;
            } else {
                serde_json::to_writer(&mut buf, &item).map_err(std::io::Error::other)?;
                buf.write_all(b"\n")?;
            }
        }
        Ok(buf)
    }
}

const CSV_HEADER: &str = "ordinal,name,dns_status,dns_addresses,dns_records,dns_error_kind,dns_attempts,dns_checked_at,http_status,http_error_detail,http_status_code,http_final_url,http_redirect_count,http_title,http_content_type,http_content_length,http_content_hash,http_keyword_hits,http_fetched_at,content_classification,content_confidence,content_language,content_technologies,content_relevance_score\n";

fn write_csv(out: &mut Vec<u8>, d: &DomainResult) -> std::io::Result<()> {
    let mut fields: Vec<String> = vec![d.ordinal.to_string(), d.name.clone()];
    match &d.dns {
        Some(r) => fields.extend([
            r.status.to_string(),
            r.addresses.join(" "),
            // `TYPE value`, `; `-separated.
            r.records
                .iter()
                .map(|record| format!("{} {}", record.record_type, record.value))
                .collect::<Vec<_>>()
                .join("; "),
            r.error_kind.clone().unwrap_or_default(),
            r.attempts.to_string(),
            r.checked_at.to_rfc3339(),
        ]),
        None => fields.extend(std::iter::repeat_n(String::new(), 6)),
    }
    match &d.http {
        Some(r) => fields.extend([
            r.status.to_string(),
            r.error_detail.clone().unwrap_or_default(),
            r.status_code.map(|c| c.to_string()).unwrap_or_default(),
            r.final_url.clone().unwrap_or_default(),
            r.redirect_count.to_string(),
            r.title.clone().unwrap_or_default(),
            r.content_type.clone().unwrap_or_default(),
            r.content_length.map(|l| l.to_string()).unwrap_or_default(),
            r.content_hash.clone().unwrap_or_default(),
            // `pattern=count` (visible text) and `+n` title hits, `; `-separated.
            r.keyword_hits
                .iter()
                .map(|h| {
                    if h.title_count > 0 {
                        format!("{}={}+{}", h.pattern, h.count, h.title_count)
                    } else {
                        format!("{}={}", h.pattern, h.count)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            r.fetched_at.to_rfc3339(),
        ]),
        None => fields.extend(std::iter::repeat_n(String::new(), 11)),
    }
    match &d.content {
        Some(c) => fields.extend([
            c.classification.to_string(),
            format!("{:.3}", c.confidence),
            c.language.code.clone(),
            c.technologies
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            format!("{:.2}", c.relevance_score),
        ]),
        None => fields.extend(std::iter::repeat_n(String::new(), 5)),
    }
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_csv_field(out, field);
    }
    out.push(b'\n');
    Ok(())
}

/// RFC 4180 quoting; fields starting with a formula character are prefixed with `'` so that
/// spreadsheets do not evaluate page titles.
/// One CSV cell (the domain export's and the lead export's): quoted when it holds a
/// separator, quote or line break; a cell a spreadsheet would evaluate (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) is quoted with a leading `'` so it stays text
/// (OWASP's CSV injection advice).
pub(crate) fn write_csv_field(out: &mut Vec<u8>, field: &str) {
    let formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = formula || field.contains([',', '"', '\n', '\r']);
    if !needs_quotes {
        out.extend_from_slice(field.as_bytes());
        return;
    }
    out.push(b'"');
    if formula {
        out.push(b'\'');
    }
    for b in field.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Preview a `domainGeneration` configuration: its total, the first names, and what remains
/// after earlier campaigns with the same pattern.
#[utoipa::path(
    tag = "generation",
    request_body = DomainGenerationConfigInput,
    responses(
        (status = 200, description = "The preview.", body = GenerationPreview),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid configuration; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/generation/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    body: ApiJson<DomainGenerationConfigInput>,
) -> Result<HttpResponse, ApiError> {
    let config = DomainGenerationConfig::try_from(body.0).map_err(ApiError::validation)?;
    let key = config.pattern_key();
    let mark = state
        .store
        .run(move |s| s.pattern_mark(&key))
        .await?
        .unwrap_or(0);
    let total = config.total();
    let range = config.campaign_range();
    let first_names: Vec<String> = config
        .generator()
        .names(range.start..range.end.min(range.start + 20))
        .map(|n| n.to_string())
        .collect();
    let remaining = total.saturating_sub(u128::from(mark));
    let mut warnings = Vec::new();
    if config.exceeds_remaining() {
        warnings.push(format!(
            "maxDomains asks for more names than remain after offsetStart; the campaign gets {}",
            range.end - range.start
        ));
    }
    if u128::from(mark) > range.start {
        warnings.push(format!(
            "earlier campaigns with this pattern already received names up to ordinal {mark}; \
             this range overlaps them"
        ));
    }
    Ok(HttpResponse::Ok().json(GenerationPreview {
        total_combinations: total.to_string(),
        campaign_count: (range.end - range.start).to_string(),
        first_names,
        remaining_after_earlier_campaigns: remaining.to_string(),
        warnings,
    }))
}
