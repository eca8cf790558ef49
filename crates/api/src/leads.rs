//! Lead endpoints: keyset pages of a campaign's leads with filters, the funnel's summary
//! (`analysed = qualified + Σ rejected`), and the CSV lead export for spreadsheets.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use dragnet_domain::CampaignId;
use dragnet_domain::leads::{Contact, ContactKind};
use dragnet_domain::qualification::{LeadStatus, RejectReason};
use dragnet_store::{LeadFilter, LeadSummary, ListedLead, MAX_LEAD_PAGE, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};

use crate::domains::write_csv_field;
use crate::dto::LeadDto;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::state::AppState;

/// Filters of `GET /campaigns/{id}/leads`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadListQuery {
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// Only leads with this status.
    #[param(value_type = Option<LeadStatus>)]
    pub status: Option<String>,
    /// Only domains rejected for this reason.
    #[param(value_type = Option<RejectReason>)]
    pub reason: Option<String>,
    /// Only leads with at least one contact of this kind.
    #[param(value_type = Option<ContactKind>)]
    pub kind: Option<String>,
    /// Only leads whose relevance score is at least this (0–100).
    #[param(minimum = 0, maximum = 100)]
    pub min_score: Option<f64>,
    /// Only leads with (`true`) or without (`false`) an e-mail address.
    pub has_email: Option<bool>,
    /// Only leads with (`true`) or without (`false`) a phone number.
    pub has_phone: Option<bool>,
    /// Only the domains sharing this contact: an e-mail address or an E.164 phone number
    /// (`+4930123456`), compared with the normalised value.
    pub contact: Option<String>,
}

/// One lead of a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadItem {
    /// The domain's ordinal.
    pub ordinal: u64,
    /// The domain name.
    pub name: String,
    /// The lead.
    #[serde(flatten)]
    pub lead: LeadDto,
}

/// One page of leads, in ordinal order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadPage {
    /// The leads.
    pub items: Vec<LeadItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The funnel of a campaign's lead extraction.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadSummaryDto {
    /// Domains the phase decided.
    pub analysed: u64,
    /// Qualified leads.
    pub qualified: u64,
    /// Rejected domains by reason (every reason listed, in precedence order).
    pub rejected: BTreeMap<String, u64>,
    /// `analysed == qualified + Σ rejected`: true by construction (the counts are kept by
    /// the write that stores the leads).
    pub balanced: bool,
}

impl From<LeadSummary> for LeadSummaryDto {
    fn from(s: LeadSummary) -> Self {
        let rejected_total: u64 = s.rejected.values().sum();
        let analysed = s.analysed();
        Self {
            analysed,
            qualified: s.qualified,
            rejected: s
                .rejected
                .iter()
                .map(|(r, n)| (r.as_str().to_owned(), *n))
                .collect(),
            balanced: analysed == s.qualified + rejected_total,
        }
    }
}

/// Query of the CSV lead export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadExportQuery {
    /// Start the file with a UTF-8 byte-order mark (what spreadsheet programs need to read
    /// UTF-8 CSV correctly); default false.
    pub bom: Option<bool>,
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
}

fn filter_from(q: &LeadListQuery) -> Result<LeadFilter, ApiError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            s.parse::<LeadStatus>()
                .map_err(|_| invalid(format!("status `{s}` is not one of qualified, rejected")))
        })
        .transpose()?;
    let reason = q
        .reason
        .as_deref()
        .map(|s| {
            s.parse::<RejectReason>().map_err(|_| {
                invalid(format!(
                    "reason `{s}` is not one of dns_error, dns_timeout, http_error, \
                     http_timeout, parked, no_keywords, low_score, no_contacts"
                ))
            })
        })
        .transpose()?;
    let kind = q
        .kind
        .as_deref()
        .map(|s| {
            ContactKind::ALL
                .into_iter()
                .find(|k| k.as_str() == s)
                .ok_or_else(|| invalid(format!("kind `{s}` is not one of email, phone, social")))
        })
        .transpose()?;
    if let Some(min) = q.min_score
        && !(0.0..=100.0).contains(&min)
    {
        return Err(invalid(format!(
            "minScore must be between 0 and 100, got {min}"
        )));
    }
    if q.contact.as_ref().is_some_and(|c| c.len() > 500) {
        return Err(invalid("contact must be at most 500 bytes".to_owned()));
    }
    Ok(LeadFilter {
        status,
        reason,
        kind,
        min_score: q.min_score,
        has_email: q.has_email,
        has_phone: q.has_phone,
        contact: q.contact.clone().filter(|c| !c.trim().is_empty()),
    })
}

fn item(l: ListedLead) -> LeadItem {
    LeadItem {
        ordinal: l.lead.ordinal,
        name: l.name,
        lead: LeadDto::from(l.lead),
    }
}

/// List a campaign's leads (every domain the lead phase decided) in ordinal order, in keyset
/// pages.
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Campaign id"), LeadListQuery),
    responses(
        (status = 200, description = "One page of leads.", body = LeadPage),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns/{id}/leads")]
pub async fn list_leads(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
    query: web::Query<LeadListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = query.into_inner();
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=MAX_LEAD_PAGE) => n,
        Some(n) => {
            return Err(invalid(format!(
                "limit must be between 1 and {MAX_LEAD_PAGE}, got {n}"
            )));
        }
    };
    let filter = filter_from(&q)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<u64>()
                .map_err(|_| invalid(format!("cursor `{c}` is not a cursor from this API")))
        })
        .transpose()?;
    let items = state
        .store
        .run(move |s| {
            let items = s.list_leads(id, &filter, after, limit)?;
            if items.is_empty() {
                s.get_campaign(id)?;
            }
            Ok::<_, StoreError>(items)
        })
        .await?;
    let next_cursor = (items.len() == limit)
        .then(|| items.last().map(|l| l.lead.ordinal.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(LeadPage {
        items: items.into_iter().map(item).collect(),
        next_cursor,
    }))
}

/// The funnel: how many domains were analysed, qualified and rejected for each reason.
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The counts.", body = LeadSummaryDto),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns/{id}/leads/summary")]
pub async fn lead_summary(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let summary = state
        .store
        .run(move |s| {
            s.get_campaign(id)?;
            s.lead_summary(id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(LeadSummaryDto::from(summary)))
}

const LEAD_CSV_HEADER: &str =
    "domain,organisation,email,phone,socials,score,contact_page,page_url\r\n";

/// The qualified leads as CSV, one row per domain: the organisation, the best e-mail address
/// and phone number (a non-role one first), the social profiles, the score and where to check
/// them. Cells that a spreadsheet would read as a formula get a leading `'` (as in the domain
/// export's CSV).
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Campaign id"), LeadExportQuery),
    responses(
        (status = 200, description = "The CSV, streamed.", content_type = "text/csv", body = String),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns/{id}/leads/export")]
pub async fn export_leads(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
    query: web::Query<LeadExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let bom = query.bom.unwrap_or(false);
    state.store.run(move |s| s.get_campaign(id)).await?;
    let (tx, rx) = mpsc::channel::<Result<web::Bytes, std::io::Error>>(4);
    let store = state.store.clone();
    actix_web::rt::spawn(async move {
        let mut head = Vec::new();
        if bom {
            head.extend_from_slice("\u{feff}".as_bytes());
        }
        head.extend_from_slice(LEAD_CSV_HEADER.as_bytes());
        if tx.send(Ok(web::Bytes::from(head))).await.is_err() {
            return;
        }
        let filter = LeadFilter {
            status: Some(LeadStatus::Qualified),
            ..LeadFilter::default()
        };
        let mut after = None;
        loop {
            let page_filter = filter.clone();
            let page = store
                .run(move |s| s.list_leads(id, &page_filter, after, MAX_LEAD_PAGE))
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(campaign = %id, error = %e, "lead export failed");
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let mut out = Vec::with_capacity(page.len() * 200);
            for l in &page {
                write_lead_row(&mut out, l);
            }
            let done = page.len() < MAX_LEAD_PAGE;
            after = page.last().map(|l| l.lead.ordinal);
            if tx.send(Ok(web::Bytes::from(out))).await.is_err() || done {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"campaign-{id}-leads.csv\""),
        ))
        .streaming(stream))
}

/// The best contact of a kind: the first that is not a role address (`info@` …), else the
/// first.
fn best(contacts: &[Contact], kind: ContactKind) -> Option<&Contact> {
    let mut of_kind = contacts.iter().filter(|c| c.kind == kind);
    let first = of_kind.clone().next();
    of_kind.find(|c| !c.role).or(first)
}

fn write_lead_row(out: &mut Vec<u8>, l: &ListedLead) {
    let contacts = &l.lead.extract.contacts;
    let socials: Vec<&str> = contacts
        .iter()
        .filter(|c| c.kind == ContactKind::Social)
        .map(|c| c.normalized.as_str())
        .collect();
    let fields = [
        l.name.clone(),
        l.lead.extract.organisation.clone().unwrap_or_default(),
        best(contacts, ContactKind::Email)
            .map(|c| c.normalized.clone())
            .unwrap_or_default(),
        best(contacts, ContactKind::Phone)
            .map(|c| c.normalized.clone())
            .unwrap_or_default(),
        socials.join(" "),
        l.lead.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
        l.lead
            .extract
            .contact_pages
            .first()
            .cloned()
            .unwrap_or_default(),
        contacts
            .first()
            .map(|c| c.source_url.clone())
            .unwrap_or_default(),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_csv_field(out, field);
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_guarded() {
        let mut out = Vec::new();
        for (field, expected) in [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+4930123456", "\"'+4930123456\""),
            ("-1", "\"'-1\""),
            ("@cmd", "\"'@cmd\""),
            ("\tcmd", "\"'\tcmd\""),
        ] {
            out.clear();
            write_csv_field(&mut out, field);
            assert_eq!(String::from_utf8_lossy(&out), expected, "{field}");
        }
    }
}
