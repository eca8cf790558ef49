//! The row types shared by the store's modules and `backend`: what goes into a table
//! (`New…Row`) and what comes out of the queries `backend` runs on each backend's own
//! connection. They are crate-private: domain types go in and out of the store's API.

use diesel::prelude::*;

use crate::schema::{
    campaign_phases, campaigns, chunk_leases, content_rescores, content_results, content_scores,
    content_technologies, dns_results, domains, http_results,
};

/// A campaign row as read.
#[derive(Queryable, Selectable)]
#[diesel(table_name = campaigns)]
pub(crate) struct CampaignRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) current_phase: i16,
    pub(crate) launch_sequence: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) version: i64,
}

/// A phase row, as read and as inserted.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_phases)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct PhaseRow {
    pub(crate) campaign_id: i64,
    pub(crate) phase: i16,
    pub(crate) status: i16,
    pub(crate) configuration: Option<String>,
    pub(crate) total_items: i64,
    pub(crate) processed_items: i64,
    pub(crate) succeeded_items: i64,
    pub(crate) failed_items: i64,
    pub(crate) checkpoint: Option<i64>,
    pub(crate) started_at: Option<i64>,
    pub(crate) completed_at: Option<i64>,
    pub(crate) error: Option<String>,
}

/// A new campaign row.
#[derive(Insertable)]
#[diesel(table_name = campaigns)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewCampaignRow<'a> {
    pub(crate) name: &'a str,
    pub(crate) current_phase: i16,
    pub(crate) launch_sequence: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) version: i64,
}

/// A new domain row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = domains)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewDomainRow<'a> {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) name: &'a str,
}

/// A new DNS result row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = dns_results)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewDnsRow {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) status: i16,
    pub(crate) error_kind: Option<String>,
    pub(crate) addresses: String,
    pub(crate) attempts: i32,
    pub(crate) checked_at: i64,
    pub(crate) records: String,
}

/// A new HTTP result row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = http_results)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewHttpRow {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) status: i16,
    pub(crate) error_detail: Option<String>,
    pub(crate) status_code: Option<i32>,
    pub(crate) final_url: Option<String>,
    pub(crate) redirect_count: i32,
    pub(crate) title: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) content_length: Option<i64>,
    pub(crate) content_hash: Option<String>,
    pub(crate) keyword_hits: String,
    pub(crate) snapshot: Option<Vec<u8>>,
    pub(crate) fetched_at: i64,
}

/// A new content-analysis result row (JSON columns already encoded).
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = content_results)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewContentRow {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) classification: i16,
    pub(crate) confidence: f64,
    pub(crate) evidence: String,
    pub(crate) language: String,
    pub(crate) language_confidence: f64,
    pub(crate) language_source: String,
    pub(crate) technologies: String,
    pub(crate) signals: String,
    pub(crate) scoring_version: i32,
    pub(crate) error: Option<String>,
    pub(crate) analysed_at: i64,
}

/// A content result's relevance components, score and weights revision (`content_scores`).
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = content_scores)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct ScoreRow {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) score: f64,
    pub(crate) keyword_density: f64,
    pub(crate) keyword_coverage: f64,
    pub(crate) title_hit: f64,
    pub(crate) content_length: f64,
    pub(crate) not_parked: f64,
    pub(crate) weights_revision: i64,
}

/// A campaign's latest rescore (`content_rescores`).
#[derive(Debug, Clone, Insertable, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = content_rescores)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct RescoreRow {
    pub(crate) campaign_id: i64,
    pub(crate) revision: i64,
    pub(crate) state: i16,
    pub(crate) keyword_density: f64,
    pub(crate) keyword_coverage: f64,
    pub(crate) title_hit: f64,
    pub(crate) content_length: f64,
    pub(crate) not_parked: f64,
    pub(crate) scoring_version: i32,
    pub(crate) total_items: i64,
    pub(crate) processed_items: i64,
    pub(crate) next_ordinal: i64,
    pub(crate) end_ordinal: i64,
    pub(crate) started_at: i64,
    pub(crate) rescored_at: Option<i64>,
    pub(crate) error: Option<String>,
}

/// One (domain, technology) pair, for the technology filter.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = content_technologies)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewTechnologyRow {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) name: String,
}

/// A planned chunk row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = chunk_leases)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewChunkRow {
    pub(crate) campaign_id: i64,
    pub(crate) phase: i16,
    pub(crate) chunk_start: i64,
    pub(crate) chunk_end: i64,
    pub(crate) owner: Option<String>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) done: bool,
}

/// The `dns_results` columns of a domain page row (`backend::domain_page`).
pub(crate) type DnsCols = (i16, Option<String>, String, i32, i64, String);

/// The `http_results` columns of a domain page row (`backend::domain_page`).
pub(crate) type HttpCols = (
    i16,
    Option<String>,
    Option<i32>,
    Option<String>,
    i32,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    i64,
);

/// A row of a domain page: ordinal, name, and the DNS and HTTP results when present.
/// The `content_results` columns of a page row, in the order of `content_columns!`.
pub(crate) type ContentCols = (
    i16,
    f64,
    String,
    String,
    f64,
    String,
    String,
    String,
    i32,
    Option<String>,
    i64,
);

/// The `content_scores` columns of a page row, in the order of `score_columns!`: the score,
/// the five components, the weights revision.
pub(crate) type ScoreCols = (f64, f64, f64, f64, f64, f64, i64);

pub(crate) type PageRow = (
    i64,
    String,
    Option<DnsCols>,
    Option<HttpCols>,
    Option<ContentCols>,
    Option<ScoreCols>,
);

/// A new lead row (`leads`).
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = crate::schema::leads)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewLeadRow {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) status: i16,
    pub(crate) reason: Option<i16>,
    pub(crate) organisation: Option<String>,
    pub(crate) organisation_source: Option<String>,
    pub(crate) postal_address: Option<String>,
    pub(crate) contact_pages: String,
    pub(crate) score: Option<f64>,
    pub(crate) emails: i32,
    pub(crate) phones: i32,
    pub(crate) socials: i32,
    pub(crate) extracted_at: i64,
}

/// A new link of a lead to one of its contacts (`lead_contacts`).
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = crate::schema::lead_contacts)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewLeadContactRow {
    pub(crate) campaign_id: i64,
    pub(crate) ordinal: i64,
    pub(crate) contact_id: i64,
    pub(crate) position: i32,
    pub(crate) value: String,
    pub(crate) role: bool,
    pub(crate) network: Option<String>,
    pub(crate) source_url: String,
    pub(crate) location: String,
}
