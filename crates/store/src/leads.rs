//! `lead_extraction` results: what the phase reads of each domain (the earlier phases'
//! results and the stored page), the idempotent write of its leads and their contacts, the
//! funnel's counts kept by that write, and the reads the API serves.
//!
//! A contact found on several domains is one `contacts` row linked from each domain
//! (`lead_contacts`); the counts per outcome (`lead_counts`) are added in the transaction that
//! inserts the leads, only for the rows it inserted, so `analysed = qualified + Σ rejected`
//! holds whatever was retried, resumed or killed.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use dragnet_domain::content::PageClass;
use dragnet_domain::leads::{
    Contact, ContactKind, ContactLocation, LeadExtract, OrganisationSource, PostalAddress,
    SocialNetwork,
};
use dragnet_domain::qualification::{LeadStatus, Qualification, RejectReason};
use dragnet_domain::{DnsStatus, HttpStatus, Phase};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::{self, AnyConnection};
use crate::content::{json, parse};
use crate::error::DbResultExt as _;
use crate::results::{check_batch, count};
use crate::rows::{NewLeadContactRow, NewLeadRow};
use crate::schema::{
    contacts, content_results, content_scores, dns_results, domains, http_results, lead_contacts,
    lead_counts, leads,
};
use crate::types::StoredEnum;
use crate::{
    CampaignId, DomainRecord, KeywordHit, Store, StoreError, WriteReport, from_millis, to_i64,
    to_millis, to_u64,
};

/// Most leads in one page of [`Store::list_leads`].
pub const MAX_LEAD_PAGE: usize = 1000;

/// One domain as the lead phase sees it: what the earlier phases found and the stored page.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelDomain {
    /// Its ordinal in the campaign.
    pub ordinal: u64,
    /// The domain name.
    pub name: String,
    /// The DNS result's status, if the DNS phase looked the name up.
    pub dns: Option<DnsStatus>,
    /// The HTTP result's status, if the HTTP phase probed it.
    pub http: Option<HttpStatus>,
    /// The URL the page was finally fetched from.
    pub final_url: Option<String>,
    /// Keyword hits on the page: visible text and title together.
    pub keyword_hits: u64,
    /// The compressed page snapshot, when the HTTP phase kept one.
    pub snapshot: Option<Vec<u8>>,
    /// Content analysis' class and relevance score (0–100), when it analysed the page.
    pub content: Option<(PageClass, f64)>,
}

/// One domain's lead: the decision, what extraction found, the score it was judged on.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadResult {
    /// The domain's ordinal.
    pub ordinal: u64,
    /// Qualified, or rejected with its one reason.
    pub qualification: Qualification,
    /// The organisation, its address, contact pages and contacts (empty when the domain had
    /// no page to read).
    pub extract: LeadExtract,
    /// Content analysis' relevance score (0–100), when that phase ran.
    pub score: Option<f64>,
    /// When the phase decided.
    pub extracted_at: DateTime<Utc>,
}

/// A lead with its domain name, as lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedLead {
    /// The domain name.
    pub name: String,
    /// The lead.
    pub lead: LeadResult,
}

/// The funnel's counts: every analysed domain is qualified or rejected for one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadSummary {
    /// Qualified leads.
    pub qualified: u64,
    /// Rejected domains by reason (every reason present, 0 when none).
    pub rejected: BTreeMap<RejectReason, u64>,
}

impl LeadSummary {
    /// Domains analysed: qualified + every rejection.
    pub fn analysed(&self) -> u64 {
        self.qualified + self.rejected.values().sum::<u64>()
    }
}

/// Filters of [`Store::list_leads`]; empty ones match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadFilter {
    /// Only leads with this status.
    pub status: Option<LeadStatus>,
    /// Only domains rejected for this reason.
    pub reason: Option<RejectReason>,
    /// Only leads with at least one contact of this kind.
    pub kind: Option<ContactKind>,
    /// Only leads whose relevance score is at least this (0–100).
    pub min_score: Option<f64>,
    /// Only leads with (`true`) or without (`false`) an e-mail address.
    pub has_email: Option<bool>,
    /// Only leads with (`true`) or without (`false`) a phone number.
    pub has_phone: Option<bool>,
    /// Only the domains sharing this contact (an e-mail address or phone number as written
    /// or normalised: matched against the normalised value).
    pub contact: Option<String>,
}

/// An enum's serde spelling (`json_ld`), for text columns.
fn spelling<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The enum spelled `text`.
fn from_spelling<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("stored {what} `{text}`")))
}

/// The `lead_counts.outcome` of a decision: 0 qualified, 1 + the reason's stored value.
fn outcome(q: Qualification) -> i16 {
    match q {
        Qualification::Qualified => 0,
        Qualification::Rejected(reason) => 1 + reason.index(),
    }
}

impl Store {
    /// How many domains the campaign has: the `lead_extraction` total (every domain is
    /// analysed, and gets a lead row).
    pub fn count_funnel(&self, id: CampaignId) -> Result<u64, StoreError> {
        let n: i64 = domains::table
            .filter(domains::campaign_id.eq(id.0))
            .count()
            .get_result(&mut self.conn()?)
            .db()?;
        to_u64(n, "count")
    }

    /// Every domain in `range` (ordinals) with what the earlier phases found, in ordinal
    /// order.
    pub fn funnel_in(
        &self,
        id: CampaignId,
        range: Range<u64>,
    ) -> Result<Vec<FunnelDomain>, StoreError> {
        let start = to_i64(range.start, "ordinal")?;
        let end = to_i64(range.end, "ordinal")?;
        type Row = (
            i64,
            String,
            Option<i16>,
            Option<i16>,
            Option<String>,
            Option<String>,
            Option<Vec<u8>>,
            Option<i16>,
            Option<f64>,
        );
        let rows: Vec<Row> = domains::table
            .left_join(
                dns_results::table.on(dns_results::campaign_id
                    .eq(domains::campaign_id)
                    .and(dns_results::ordinal.eq(domains::ordinal))),
            )
            .left_join(
                http_results::table.on(http_results::campaign_id
                    .eq(domains::campaign_id)
                    .and(http_results::ordinal.eq(domains::ordinal))),
            )
            .left_join(
                content_results::table.on(content_results::campaign_id
                    .eq(domains::campaign_id)
                    .and(content_results::ordinal.eq(domains::ordinal))),
            )
            .left_join(
                content_scores::table.on(content_scores::campaign_id
                    .eq(domains::campaign_id)
                    .and(content_scores::ordinal.eq(domains::ordinal))),
            )
            .filter(domains::campaign_id.eq(id.0))
            .filter(domains::ordinal.ge(start))
            .filter(domains::ordinal.lt(end))
            .order(domains::ordinal.asc())
            .select((
                domains::ordinal,
                domains::name,
                dns_results::status.nullable(),
                http_results::status.nullable(),
                http_results::final_url.nullable(),
                http_results::keyword_hits.nullable(),
                http_results::snapshot.nullable(),
                content_results::classification.nullable(),
                content_scores::score.nullable(),
            ))
            .load(&mut self.conn()?)
            .db()?;
        rows.into_iter()
            .map(
                |(ordinal, name, dns, http, final_url, hits, snapshot, class, score)| {
                    let keyword_hits = match hits {
                        Some(text) => parse::<Vec<KeywordHit>>(&text, "keyword hits")?
                            .iter()
                            .map(|h| u64::from(h.count) + u64::from(h.title_count))
                            .sum(),
                        None => 0,
                    };
                    let content = match class {
                        Some(c) => Some((PageClass::decode(c)?, score.unwrap_or(0.0))),
                        None => None,
                    };
                    Ok(FunnelDomain {
                        ordinal: to_u64(ordinal, "ordinal")?,
                        name,
                        dns: dns.map(DnsStatus::decode).transpose()?,
                        http: http.map(HttpStatus::decode).transpose()?,
                        final_url,
                        keyword_hits,
                        snapshot,
                        content,
                    })
                },
            )
            .collect()
    }

    /// Writes a batch of leads; idempotent like [`Store::write_dns_results`]: a lead already
    /// written is skipped with its contacts and not counted again. The phase counters count
    /// every inserted lead as processed and the qualified ones as succeeded; the funnel's
    /// counts per outcome grow in the same transaction.
    pub fn write_leads(
        &self,
        id: CampaignId,
        results: &[LeadResult],
        checkpoint: Option<u64>,
    ) -> Result<WriteReport, StoreError> {
        let mut rows = Vec::with_capacity(results.len());
        for r in results {
            let count_of =
                |kind| i32::try_from(r.extract.contacts_of(kind).count()).unwrap_or(i32::MAX);
            rows.push(NewLeadRow {
                campaign_id: id.0,
                ordinal: to_i64(r.ordinal, "ordinal")?,
                status: r.qualification.status().index(),
                reason: r.qualification.reason().map(StoredEnum::index),
                organisation: r.extract.organisation.clone(),
                organisation_source: r.extract.organisation_source.map(spelling),
                postal_address: r
                    .extract
                    .postal_address
                    .as_ref()
                    .map(|a| json(a, "postal address"))
                    .transpose()?,
                contact_pages: json(&r.extract.contact_pages, "contact pages")?,
                score: r.score.map(|s| s.clamp(0.0, 100.0)),
                emails: count_of(ContactKind::Email),
                phones: count_of(ContactKind::Phone),
                socials: count_of(ContactKind::Social),
                extracted_at: to_millis(r.extracted_at),
            });
        }
        let checkpoint = checkpoint.map(|c| to_i64(c, "checkpoint")).transpose()?;
        self.write(|conn| {
            check_batch(conn, id, rows.iter().map(|r| r.ordinal).max())?;
            let inserted: HashSet<i64> = backend::insert_leads(conn, &rows)?.into_iter().collect();
            let fresh: Vec<(&LeadResult, i64)> = results
                .iter()
                .zip(&rows)
                .filter(|(_, row)| inserted.contains(&row.ordinal))
                .map(|(r, row)| (r, row.ordinal))
                .collect();
            // The contacts of the leads inserted, once per campaign, then the links.
            let mut wanted: Vec<(i16, String)> = Vec::new();
            let mut seen = HashSet::new();
            for (r, _) in &fresh {
                for c in &r.extract.contacts {
                    let key = (c.kind.index(), c.normalized.clone());
                    if seen.insert(key.clone()) {
                        wanted.push(key);
                    }
                }
            }
            let ids = backend::contact_ids(conn, id.0, &wanted)?;
            let mut links = Vec::new();
            for (r, ordinal) in &fresh {
                let mut linked = HashSet::new();
                for (position, c) in r.extract.contacts.iter().enumerate() {
                    let key = (c.kind.index(), c.normalized.clone());
                    let contact_id = *ids.get(&key).ok_or_else(|| {
                        StoreError::Internal(format!("contact {} was not stored", c.normalized))
                    })?;
                    if !linked.insert(contact_id) {
                        continue;
                    }
                    links.push(NewLeadContactRow {
                        campaign_id: id.0,
                        ordinal: *ordinal,
                        contact_id,
                        position: i32::try_from(position).unwrap_or(i32::MAX),
                        value: c.value.clone(),
                        role: c.role,
                        network: c.network.map(spelling),
                        source_url: c.source_url.clone(),
                        location: spelling(c.location),
                    });
                }
            }
            backend::insert_lead_contacts(conn, &links)?;
            let mut outcomes: BTreeMap<i16, i64> = BTreeMap::new();
            for (r, _) in &fresh {
                *outcomes.entry(outcome(r.qualification)).or_default() += 1;
            }
            for (outcome, n) in outcomes {
                backend::add_lead_count(conn, id.0, outcome, n)?;
            }
            let qualified = fresh
                .iter()
                .filter(|(r, _)| r.qualification == Qualification::Qualified)
                .count();
            count(
                conn,
                id,
                Phase::LeadExtraction,
                fresh.len(),
                qualified,
                checkpoint,
            )?;
            Ok(WriteReport {
                inserted: fresh.len() as u64,
                already_present: (rows.len() - fresh.len()) as u64,
            })
        })
    }

    /// The funnel's counts, as the writes kept them.
    pub fn lead_summary(&self, id: CampaignId) -> Result<LeadSummary, StoreError> {
        let rows: Vec<(i16, i64)> = lead_counts::table
            .filter(lead_counts::campaign_id.eq(id.0))
            .select((lead_counts::outcome, lead_counts::count))
            .load(&mut self.conn()?)
            .db()?;
        let mut summary = LeadSummary {
            qualified: 0,
            rejected: RejectReason::ALL.iter().map(|r| (*r, 0)).collect(),
        };
        for (outcome, n) in rows {
            let n = to_u64(n, "lead count")?;
            if outcome == 0 {
                summary.qualified = n;
            } else {
                let reason = RejectReason::decode(outcome - 1)?;
                summary.rejected.insert(reason, n);
            }
        }
        Ok(summary)
    }

    /// A page of leads in ordinal order after `after` (exclusive), filtered, at most `limit`
    /// (capped at [`MAX_LEAD_PAGE`]).
    pub fn list_leads(
        &self,
        id: CampaignId,
        filter: &LeadFilter,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<ListedLead>, StoreError> {
        let limit = i64::try_from(limit.clamp(1, MAX_LEAD_PAGE)).unwrap_or(1);
        let mut query = leads::table
            .inner_join(
                domains::table.on(domains::campaign_id
                    .eq(leads::campaign_id)
                    .and(domains::ordinal.eq(leads::ordinal))),
            )
            .filter(leads::campaign_id.eq(id.0))
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(leads::ordinal.gt(to_i64(after, "cursor")?));
        }
        if let Some(status) = filter.status {
            query = query.filter(leads::status.eq(status.index()));
        }
        if let Some(reason) = filter.reason {
            query = query.filter(leads::reason.eq(reason.index()));
        }
        if let Some(min) = filter.min_score {
            query = query.filter(leads::score.ge(min));
        }
        match filter.has_email {
            Some(true) => query = query.filter(leads::emails.gt(0)),
            Some(false) => query = query.filter(leads::emails.eq(0)),
            None => {}
        }
        match filter.has_phone {
            Some(true) => query = query.filter(leads::phones.gt(0)),
            Some(false) => query = query.filter(leads::phones.eq(0)),
            None => {}
        }
        match filter.kind {
            Some(ContactKind::Email) => query = query.filter(leads::emails.gt(0)),
            Some(ContactKind::Phone) => query = query.filter(leads::phones.gt(0)),
            Some(ContactKind::Social) => query = query.filter(leads::socials.gt(0)),
            None => {}
        }
        if let Some(contact) = &filter.contact {
            let wanted = contact.trim().to_lowercase();
            let holders = lead_contacts::table
                .inner_join(contacts::table.on(contacts::id.eq(lead_contacts::contact_id)))
                .filter(contacts::campaign_id.eq(id.0))
                .filter(contacts::normalized.eq(wanted))
                .select(lead_contacts::ordinal);
            query = query.filter(leads::ordinal.eq_any(holders));
        }
        let rows: Vec<(NewLeadRow, String)> = query
            .order(leads::ordinal.asc())
            .limit(limit)
            .select((NewLeadRow::as_select(), domains::name))
            .load(&mut self.conn()?)
            .db()?;
        let ordinals: Vec<i64> = rows.iter().map(|(r, _)| r.ordinal).collect();
        let mut contacts = contacts_of(&mut *self.conn()?, id, &ordinals)?;
        rows.into_iter()
            .map(|(row, name)| {
                let mine = contacts.remove(&row.ordinal).unwrap_or_default();
                Ok(ListedLead {
                    name,
                    lead: decode_lead(row, mine)?,
                })
            })
            .collect()
    }

    /// The lead of one domain, if the phase decided it.
    pub fn lead(&self, id: CampaignId, ordinal: u64) -> Result<Option<LeadResult>, StoreError> {
        let o = to_i64(ordinal, "ordinal")?;
        let mut leads = load_leads(&mut *self.conn()?, id, &[o])?;
        Ok(leads.remove(&o))
    }
}

/// Fills in the lead of every domain of a page (the domain list and export show it).
pub(crate) fn attach_leads(
    conn: &mut AnyConnection,
    id: CampaignId,
    items: &mut [DomainRecord],
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let ordinals = items
        .iter()
        .map(|d| to_i64(d.ordinal, "ordinal"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut leads = load_leads(conn, id, &ordinals)?;
    for (item, ordinal) in items.iter_mut().zip(ordinals) {
        item.lead = leads.remove(&ordinal);
    }
    Ok(())
}

/// The leads of these domains, by ordinal, with their contacts.
fn load_leads(
    conn: &mut AnyConnection,
    id: CampaignId,
    ordinals: &[i64],
) -> Result<BTreeMap<i64, LeadResult>, StoreError> {
    let mut rows: Vec<NewLeadRow> = Vec::new();
    for part in ordinals.chunks(LOOKUP_CHUNK) {
        rows.extend(
            leads::table
                .filter(leads::campaign_id.eq(id.0))
                .filter(leads::ordinal.eq_any(part))
                .select(NewLeadRow::as_select())
                .load::<NewLeadRow>(conn)
                .db()?,
        );
    }
    if rows.is_empty() {
        return Ok(BTreeMap::new());
    }
    let found: Vec<i64> = rows.iter().map(|r| r.ordinal).collect();
    let mut contacts = contacts_of(conn, id, &found)?;
    rows.into_iter()
        .map(|row| {
            let ordinal = row.ordinal;
            let mine = contacts.remove(&ordinal).unwrap_or_default();
            Ok((ordinal, decode_lead(row, mine)?))
        })
        .collect()
}

/// Ordinals per `IN (…)` lookup.
const LOOKUP_CHUNK: usize = 500;

/// The contacts of these leads, by ordinal, each lead's in the order found.
fn contacts_of(
    conn: &mut AnyConnection,
    id: CampaignId,
    ordinals: &[i64],
) -> Result<BTreeMap<i64, Vec<Contact>>, StoreError> {
    let mut out: BTreeMap<i64, Vec<Contact>> = BTreeMap::new();
    for part in ordinals.chunks(LOOKUP_CHUNK) {
        let rows: Vec<(NewLeadContactRow, i16, String)> = lead_contacts::table
            .inner_join(contacts::table.on(contacts::id.eq(lead_contacts::contact_id)))
            .filter(lead_contacts::campaign_id.eq(id.0))
            .filter(lead_contacts::ordinal.eq_any(part))
            .order((lead_contacts::ordinal.asc(), lead_contacts::position.asc()))
            .select((
                NewLeadContactRow::as_select(),
                contacts::kind,
                contacts::normalized,
            ))
            .load(conn)
            .db()?;
        for (link, kind, normalized) in rows {
            out.entry(link.ordinal).or_default().push(Contact {
                kind: ContactKind::decode(kind)?,
                value: link.value,
                normalized,
                role: link.role,
                network: link
                    .network
                    .as_deref()
                    .map(|n| from_spelling::<SocialNetwork>(n, "social network"))
                    .transpose()?,
                source_url: link.source_url,
                location: from_spelling::<ContactLocation>(&link.location, "contact location")?,
            });
        }
    }
    Ok(out)
}

fn decode_lead(row: NewLeadRow, contacts: Vec<Contact>) -> Result<LeadResult, StoreError> {
    let status = LeadStatus::decode(row.status)?;
    let reason = row.reason.map(RejectReason::decode).transpose()?;
    let qualification = Qualification::from_parts(status, reason).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "lead {}: status {status} with reason {reason:?}",
            row.ordinal
        ))
    })?;
    Ok(LeadResult {
        ordinal: to_u64(row.ordinal, "ordinal")?,
        qualification,
        extract: LeadExtract {
            organisation: row.organisation,
            organisation_source: row
                .organisation_source
                .as_deref()
                .map(|s| from_spelling::<OrganisationSource>(s, "organisation source"))
                .transpose()?,
            postal_address: row
                .postal_address
                .as_deref()
                .map(|a| parse::<PostalAddress>(a, "postal address"))
                .transpose()?,
            contact_pages: parse(&row.contact_pages, "contact pages")?,
            contacts,
        },
        score: row.score,
        extracted_at: from_millis(row.extracted_at)?,
    })
}
