//! The catalog: stored DNS and HTTP personas, proxies and keyword sets, which phase
//! configurations name by id (`personaId`, `keywordSetIds`, `proxyIds`).
//!
//! Objects go in as validated domain types ([`Persona`], [`Proxy`], [`KeywordSet`]) and come
//! back with their id, timestamps and `version`. Ids are assigned here: a prefix naming the
//! kind (`per_`, `prx_`, `kws_`) and 20 random base32 characters, so they fit
//! [`StoredId`] and never collide across kinds. Every update replaces the whole object and
//! bumps `version`; an optional expected version makes it a compare-and-set.
//!
//! Deleting an object that a campaign phase which may still run names in its configuration is
//! refused with [`StoreError::InUse`] (the check and the delete share one write
//! transaction). A phase may still run unless it is `completed` or `skipped`; a `failed` one
//! can be retried. The check reads the stored phase configurations as JSON and looks for the
//! id under the reference keys (`personaId`, `keywordSetIds`, `proxyIds`): the only place the
//! store looks inside a configuration.
//!
//! Personas and proxies are validated again when read (cheap: no regexes), so a row edited
//! by hand into something invalid is reported as [`StoreError::Corrupt`]. Keyword set rules
//! are returned as the canonical inputs they were stored as ([`KeywordRuleInput`]), without
//! compiling their regexes again on every read; [`StoredKeywordSet::validate`] does that for
//! a caller that is about to use them.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use dragnet_domain::catalog::{
    DnsPersona, HttpPersona, KeywordSet, KeywordSetInput, Persona, PersonaKind, Proxy, ProxyInput,
    ProxyProtocol,
};
use dragnet_domain::config::StoredId;
use dragnet_domain::config::dns::DnsResolverSettings;
use dragnet_domain::config::http::{HttpRequestSettings, KeywordRuleInput};
use dragnet_domain::{Phase, PhaseStatus, ValidationErrors};

use diesel::sql_types::{BigInt, Text};

use crate::backend::{AnyConnection, instr};
use crate::campaigns::status_value;
use crate::error::DbResultExt as _;
use crate::schema::{campaign_phases, campaigns, keyword_sets, personas, proxies};
use crate::types::StoredEnum;
use crate::{CampaignId, Page, Store, StoreError, from_millis, now_millis};

/// The most objects one catalog list page returns.
pub const MAX_CATALOG_PAGE: usize = 500;

/// Random base32 characters in a generated id (100 bits).
pub const ID_RANDOM_CHARS: usize = 20;

/// The kinds of stored object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogKind {
    /// A DNS or HTTP persona.
    Persona,
    /// A proxy.
    Proxy,
    /// A keyword set.
    KeywordSet,
}

impl CatalogKind {
    /// The prefix of this kind's ids: `per_`, `prx_` or `kws_`.
    pub const fn id_prefix(self) -> &'static str {
        match self {
            CatalogKind::Persona => "per_",
            CatalogKind::Proxy => "prx_",
            CatalogKind::KeywordSet => "kws_",
        }
    }

    /// The configuration key whose value (a string, or an array of strings) names objects of
    /// this kind.
    pub const fn reference_key(self) -> &'static str {
        match self {
            CatalogKind::Persona => "personaId",
            CatalogKind::Proxy => "proxyIds",
            CatalogKind::KeywordSet => "keywordSetIds",
        }
    }

    /// `persona`, `proxy` or `keyword set`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CatalogKind::Persona => "persona",
            CatalogKind::Proxy => "proxy",
            CatalogKind::KeywordSet => "keyword set",
        }
    }
}

impl fmt::Display for CatalogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A campaign phase whose configuration names a stored object and which may still run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogUse {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// Its display name.
    pub campaign_name: String,
    /// The phase whose configuration names the object.
    pub phase: Phase,
    /// That phase's status (never `completed` or `skipped`).
    pub status: PhaseStatus,
}

/// The phases named in an [`StoreError::InUse`] message: the first five, then a count.
pub(crate) fn describe_uses(uses: &[CatalogUse]) -> String {
    const SHOWN: usize = 5;
    let mut text = uses
        .iter()
        .take(SHOWN)
        .map(|u| {
            format!(
                "campaign {} \"{}\" ({} is {})",
                u.campaign_id, u.campaign_name, u.phase, u.status
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    if uses.len() > SHOWN {
        text.push_str(&format!(" and {} more", uses.len() - SHOWN));
    }
    text.push_str(
        "; a phase that may still run (anything but completed or skipped) keeps what it names",
    );
    text
}

/// Where a catalog list page ends: pass it back to continue. Opaque to clients: its text form
/// (`Display`, [`CatalogCursor::parse`]) is `<created_at ms>.<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogCursor {
    created_at: i64,
    id: String,
}

impl CatalogCursor {
    /// Parses the text form; `None` when it is not a cursor.
    pub fn parse(text: &str) -> Option<Self> {
        let (ms, id) = text.split_once('.')?;
        let created_at = ms.parse().ok()?;
        let id = StoredId::parse(id).ok()?;
        Some(Self {
            created_at,
            id: id.as_str().to_owned(),
        })
    }
}

impl fmt::Display for CatalogCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.created_at, self.id)
    }
}

/// A stored persona.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPersona {
    /// Its id (`per_…`).
    pub id: StoredId,
    /// The persona.
    pub persona: Persona,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented by every update.
    pub version: i64,
}

/// A stored proxy. Its `Debug` output never shows the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProxy {
    /// Its id (`prx_…`).
    pub id: StoredId,
    /// The proxy, password included (the engine needs it; the API never returns it).
    pub proxy: Proxy,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented by every update.
    pub version: i64,
}

/// A stored keyword set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKeywordSet {
    /// Its id (`kws_…`).
    pub id: StoredId,
    /// Display name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// The rules as they were validated and stored (every field written down).
    pub rules: Vec<KeywordRuleInput>,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented by every update.
    pub version: i64,
}

impl StoredKeywordSet {
    /// Validates the set again (compiling its regexes), for a caller about to use the rules.
    pub fn validate(&self) -> Result<KeywordSet, ValidationErrors> {
        KeywordSet::try_from(KeywordSetInput {
            name: self.name.clone(),
            description: self.description.clone(),
            rules: self.rules.clone(),
        })
    }
}

/// Which of the ids a configuration names exist, from [`Store::lookup_catalog`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogLookup {
    /// The personas found, with their kind.
    pub personas: BTreeMap<StoredId, PersonaKind>,
    /// The keyword sets found.
    pub keyword_sets: BTreeSet<StoredId>,
    /// The proxies found.
    pub proxies: BTreeSet<StoredId>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = personas)]
#[diesel(treat_none_as_default_value = false)]
struct PersonaRow {
    id: String,
    kind: i16,
    name: String,
    settings: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = proxies)]
#[diesel(treat_none_as_default_value = false)]
struct ProxyRow {
    id: String,
    name: String,
    protocol: i16,
    host: String,
    port: i32,
    username: Option<String>,
    password: Option<String>,
    accept_invalid_certificates: bool,
    enabled: bool,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = keyword_sets)]
#[diesel(treat_none_as_default_value = false)]
struct KeywordSetRow {
    id: String,
    name: String,
    description: Option<String>,
    rules: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

/// A new random id for `kind`. The randomness comes from the standard library's per-thread
/// random SipHash keys (seeded by the OS), mixed with a process-wide counter, the time and the
/// process id: 100 bits, so a collision is not a practical concern (and would be refused by
/// the primary key rather than overwrite anything).
fn new_id(kind: CatalogKind) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = RandomState::new();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let word = |salt: u8| {
        let mut h = state.build_hasher();
        h.write_u8(salt);
        h.write_u64(count);
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.finish()
    };
    let bits = (u128::from(word(0)) << 64) | u128::from(word(1));
    let mut id = String::with_capacity(kind.id_prefix().len() + ID_RANDOM_CHARS);
    id.push_str(kind.id_prefix());
    for i in 0..ID_RANDOM_CHARS {
        id.push(char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]));
    }
    id
}

fn stored_id(text: &str) -> Result<StoredId, StoreError> {
    StoredId::parse(text).map_err(|e| StoreError::Corrupt(format!("stored id `{text}`: {e}")))
}

fn corrupt(kind: CatalogKind, id: &str, e: impl fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{kind} `{id}` is not valid: {e}"))
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(format!("encoding JSON: {e}")))
}

fn kind_value(kind: PersonaKind) -> i16 {
    match kind {
        PersonaKind::Dns => 0,
        PersonaKind::Http => 1,
    }
}

fn kind_of(value: i16) -> Result<PersonaKind, StoreError> {
    match value {
        0 => Ok(PersonaKind::Dns),
        1 => Ok(PersonaKind::Http),
        other => Err(StoreError::Corrupt(format!(
            "unknown persona kind value {other}"
        ))),
    }
}

fn persona_settings(persona: &Persona) -> Result<String, StoreError> {
    match persona {
        Persona::Dns(p) => to_json(p.settings()),
        Persona::Http(p) => to_json(p.settings()),
    }
}

impl PersonaRow {
    fn decode(self) -> Result<StoredPersona, StoreError> {
        let bad = |e: &dyn fmt::Display| corrupt(CatalogKind::Persona, &self.id, e);
        let persona = match kind_of(self.kind)? {
            PersonaKind::Dns => {
                let settings: DnsResolverSettings =
                    serde_json::from_str(&self.settings).map_err(|e| bad(&e))?;
                Persona::Dns(DnsPersona::new(&self.name, settings).map_err(|e| bad(&e))?)
            }
            PersonaKind::Http => {
                let settings: HttpRequestSettings =
                    serde_json::from_str(&self.settings).map_err(|e| bad(&e))?;
                Persona::Http(HttpPersona::new(&self.name, settings).map_err(|e| bad(&e))?)
            }
        };
        Ok(StoredPersona {
            id: stored_id(&self.id)?,
            persona,
            created_at: from_millis(self.created_at)?,
            updated_at: from_millis(self.updated_at)?,
            version: self.version,
        })
    }
}

impl ProxyRow {
    fn new(id: String, proxy: &Proxy, now: i64) -> Self {
        Self {
            id,
            name: proxy.name().to_owned(),
            protocol: proxy.protocol().index(),
            host: proxy.host().to_owned(),
            port: i32::from(proxy.port()),
            username: proxy.username().map(str::to_owned),
            password: proxy.password().map(str::to_owned),
            accept_invalid_certificates: proxy.accept_invalid_certificates(),
            enabled: proxy.enabled(),
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    fn decode(self) -> Result<StoredProxy, StoreError> {
        let port = u16::try_from(self.port)
            .map_err(|_| corrupt(CatalogKind::Proxy, &self.id, "port out of range"))?;
        let input = ProxyInput {
            name: self.name,
            protocol: ProxyProtocol::decode(self.protocol)?,
            host: self.host,
            port,
            username: self.username,
            password: self.password,
            accept_invalid_certificates: Some(self.accept_invalid_certificates),
            enabled: Some(self.enabled),
        };
        let proxy = Proxy::try_from(input).map_err(|e| corrupt(CatalogKind::Proxy, &self.id, e))?;
        Ok(StoredProxy {
            id: stored_id(&self.id)?,
            proxy,
            created_at: from_millis(self.created_at)?,
            updated_at: from_millis(self.updated_at)?,
            version: self.version,
        })
    }
}

impl KeywordSetRow {
    fn decode(self) -> Result<StoredKeywordSet, StoreError> {
        let rules: Vec<KeywordRuleInput> = serde_json::from_str(&self.rules)
            .map_err(|e| corrupt(CatalogKind::KeywordSet, &self.id, e))?;
        Ok(StoredKeywordSet {
            id: stored_id(&self.id)?,
            name: self.name,
            description: self.description,
            rules,
            created_at: from_millis(self.created_at)?,
            updated_at: from_millis(self.updated_at)?,
            version: self.version,
        })
    }
}

/// Whether `value` names `id` under `key` (as the key's string value or in its array),
/// anywhere in the document.
fn names_id(value: &serde_json::Value, key: &str, id: &str) -> bool {
    use serde_json::Value;
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k == key
                && (v.as_str() == Some(id)
                    || v.as_array()
                        .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(id)))))
                || names_id(v, key, id)
        }),
        Value::Array(items) => items.iter().any(|v| names_id(v, key, id)),
        _ => false,
    }
}

/// The phases of live campaigns that may still run and whose configuration names `id`.
fn find_uses(
    conn: &mut AnyConnection,
    kind: CatalogKind,
    id: &StoredId,
) -> Result<Vec<CatalogUse>, StoreError> {
    // Ids are ASCII letters, digits, `-` and `_`: their JSON string is the id in quotes. The
    // substring test narrows the rows; the JSON walk below decides.
    let needle = format!("\"{}\"", id.as_str());
    let may_run = [
        PhaseStatus::Pending,
        PhaseStatus::Running,
        PhaseStatus::Paused,
        PhaseStatus::Failed,
    ]
    .map(status_value);
    let rows: Vec<(i64, String, i16, i16, Option<String>)> = campaign_phases::table
        .inner_join(campaigns::table)
        .filter(campaigns::deleted_at.is_null())
        .filter(campaign_phases::status.eq_any(may_run))
        .filter(instr(campaign_phases::configuration, needle).gt(0))
        .order((
            campaign_phases::campaign_id.asc(),
            campaign_phases::phase.asc(),
        ))
        .select((
            campaign_phases::campaign_id,
            campaigns::name,
            campaign_phases::phase,
            campaign_phases::status,
            campaign_phases::configuration,
        ))
        .load(conn)
        .db()?;
    let mut uses = Vec::new();
    for (campaign_id, campaign_name, phase, status, configuration) in rows {
        let Some(text) = configuration else { continue };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            StoreError::Corrupt(format!(
                "configuration of campaign {campaign_id} is not JSON: {e}"
            ))
        })?;
        if !names_id(&value, kind.reference_key(), id.as_str()) {
            continue;
        }
        let phase = usize::try_from(phase)
            .ok()
            .and_then(Phase::from_index)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown phase value {phase}")))?;
        let status = usize::try_from(status)
            .ok()
            .and_then(PhaseStatus::from_index)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown phase status value {status}")))?;
        uses.push(CatalogUse {
            campaign_id: CampaignId(campaign_id),
            campaign_name,
            phase,
            status,
        });
    }
    Ok(uses)
}

/// One catalog table (personas, proxies, keyword sets), implemented by its row type: the few
/// queries the shared reads, pages, updates and deletes below run on it, and how a row becomes
/// the stored object. The logic around the queries (not found, compare-and-set, in-use checks,
/// pages and cursors) is written once, in those generic functions.
///
/// The queries themselves are one-liners spelled per table rather than generic functions
/// over a diesel table type: such functions need a where-clause per query shape, and the
/// compiler cannot resolve them (`FilterDsl` on a generic table overflows through diesel's
/// blanket `Table: AsQuery` implementations).
trait CatalogTable: Sized {
    /// The kind of object the table holds.
    const KIND: CatalogKind;
    /// The decoded object callers get.
    type Stored;
    /// What narrows a list page (a persona kind, or nothing).
    type Filter;

    /// The row with `id`, if any.
    fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Self>>;
    /// The version of the object `id`, if it exists.
    fn version(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<i64>>;
    /// Bumps the version of `id` to `expected + 1` and stamps `updated_at`, only while its
    /// version is `expected`; returns the rows updated (0 or 1).
    fn bump_version(
        conn: &mut AnyConnection,
        id: &str,
        expected: i64,
        now: i64,
    ) -> QueryResult<usize>;
    /// Deletes the row `id`; returns the rows deleted.
    fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<usize>;
    /// Up to `limit` rows, newest first, after `before`, narrowed by `filter`.
    fn page(
        conn: &mut AnyConnection,
        before: Option<&CatalogCursor>,
        limit: i64,
        filter: &Self::Filter,
    ) -> QueryResult<Vec<Self>>;
    /// The cursor pointing at this row.
    fn cursor(&self) -> CatalogCursor;
    /// Decodes the row, validating it again.
    fn decode(self) -> Result<Self::Stored, StoreError>;
}

/// The expression [`before_cursor`] builds.
type BeforeCursor<C, I> = diesel::dsl::Or<
    diesel::dsl::Lt<C, i64>,
    diesel::dsl::And<diesel::dsl::Eq<C, i64>, diesel::dsl::Lt<I, String>>,
>;

/// Keyset condition for "after `cursor`" in newest-first order: `(created_at, id) <
/// (cursor.created_at, cursor.id)`, written out because SQLite and diesel lack a row-value
/// comparison they share.
fn before_cursor<C, I>(created_at: C, id: I, cursor: &CatalogCursor) -> BeforeCursor<C, I>
where
    C: Expression<SqlType = BigInt> + Copy,
    I: Expression<SqlType = Text>,
{
    created_at.lt(cursor.created_at).or(created_at
        .eq(cursor.created_at)
        .and(id.lt(cursor.id.clone())))
}

impl CatalogTable for PersonaRow {
    const KIND: CatalogKind = CatalogKind::Persona;
    type Stored = StoredPersona;
    type Filter = Option<PersonaKind>;

    fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Self>> {
        personas::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    fn version(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<i64>> {
        personas::table
            .find(id)
            .select(personas::version)
            .first(conn)
            .optional()
    }

    fn bump_version(
        conn: &mut AnyConnection,
        id: &str,
        expected: i64,
        now: i64,
    ) -> QueryResult<usize> {
        diesel::update(
            personas::table
                .find(id)
                .filter(personas::version.eq(expected)),
        )
        .set((
            personas::updated_at.eq(now),
            personas::version.eq(expected + 1),
        ))
        .execute(conn)
    }

    fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
        diesel::delete(personas::table.find(id)).execute(conn)
    }

    fn page(
        conn: &mut AnyConnection,
        before: Option<&CatalogCursor>,
        limit: i64,
        kind: &Option<PersonaKind>,
    ) -> QueryResult<Vec<Self>> {
        let mut query = personas::table
            .select(Self::as_select())
            .order((personas::created_at.desc(), personas::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some(cursor) = before {
            query = query.filter(before_cursor(personas::created_at, personas::id, cursor));
        }
        if let Some(kind) = kind {
            query = query.filter(personas::kind.eq(kind_value(*kind)));
        }
        query.load(conn)
    }

    fn cursor(&self) -> CatalogCursor {
        CatalogCursor {
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }

    fn decode(self) -> Result<StoredPersona, StoreError> {
        PersonaRow::decode(self)
    }
}

impl CatalogTable for ProxyRow {
    const KIND: CatalogKind = CatalogKind::Proxy;
    type Stored = StoredProxy;
    type Filter = ();

    fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Self>> {
        proxies::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    fn version(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<i64>> {
        proxies::table
            .find(id)
            .select(proxies::version)
            .first(conn)
            .optional()
    }

    fn bump_version(
        conn: &mut AnyConnection,
        id: &str,
        expected: i64,
        now: i64,
    ) -> QueryResult<usize> {
        diesel::update(
            proxies::table
                .find(id)
                .filter(proxies::version.eq(expected)),
        )
        .set((
            proxies::updated_at.eq(now),
            proxies::version.eq(expected + 1),
        ))
        .execute(conn)
    }

    fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
        diesel::delete(proxies::table.find(id)).execute(conn)
    }

    fn page(
        conn: &mut AnyConnection,
        before: Option<&CatalogCursor>,
        limit: i64,
        (): &(),
    ) -> QueryResult<Vec<Self>> {
        let mut query = proxies::table
            .select(Self::as_select())
            .order((proxies::created_at.desc(), proxies::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some(cursor) = before {
            query = query.filter(before_cursor(proxies::created_at, proxies::id, cursor));
        }
        query.load(conn)
    }

    fn cursor(&self) -> CatalogCursor {
        CatalogCursor {
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }

    fn decode(self) -> Result<StoredProxy, StoreError> {
        ProxyRow::decode(self)
    }
}

impl CatalogTable for KeywordSetRow {
    const KIND: CatalogKind = CatalogKind::KeywordSet;
    type Stored = StoredKeywordSet;
    type Filter = ();

    fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Self>> {
        keyword_sets::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    fn version(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<i64>> {
        keyword_sets::table
            .find(id)
            .select(keyword_sets::version)
            .first(conn)
            .optional()
    }

    fn bump_version(
        conn: &mut AnyConnection,
        id: &str,
        expected: i64,
        now: i64,
    ) -> QueryResult<usize> {
        diesel::update(
            keyword_sets::table
                .find(id)
                .filter(keyword_sets::version.eq(expected)),
        )
        .set((
            keyword_sets::updated_at.eq(now),
            keyword_sets::version.eq(expected + 1),
        ))
        .execute(conn)
    }

    fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
        diesel::delete(keyword_sets::table.find(id)).execute(conn)
    }

    fn page(
        conn: &mut AnyConnection,
        before: Option<&CatalogCursor>,
        limit: i64,
        (): &(),
    ) -> QueryResult<Vec<Self>> {
        let mut query = keyword_sets::table
            .select(Self::as_select())
            .order((keyword_sets::created_at.desc(), keyword_sets::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some(cursor) = before {
            query = query.filter(before_cursor(
                keyword_sets::created_at,
                keyword_sets::id,
                cursor,
            ));
        }
        query.load(conn)
    }

    fn cursor(&self) -> CatalogCursor {
        CatalogCursor {
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }

    fn decode(self) -> Result<StoredKeywordSet, StoreError> {
        KeywordSetRow::decode(self)
    }
}

/// The error for an object of table `T` that does not exist.
fn not_found<T: CatalogTable>(id: &StoredId) -> StoreError {
    StoreError::CatalogNotFound {
        kind: T::KIND,
        id: id.clone(),
    }
}

/// The object `id` of table `T`; [`StoreError::CatalogNotFound`] when there is none.
fn read_object<T: CatalogTable>(
    conn: &mut AnyConnection,
    id: &StoredId,
) -> Result<T::Stored, StoreError> {
    T::find(conn, id.as_str())
        .db()?
        .ok_or_else(|| not_found::<T>(id))?
        .decode()
}

/// One page of table `T`'s objects, newest first, after `before`, narrowed by `filter`.
fn list_objects<T: CatalogTable>(
    conn: &mut AnyConnection,
    before: Option<&CatalogCursor>,
    limit: usize,
    filter: &T::Filter,
) -> Result<Page<T::Stored, CatalogCursor>, StoreError> {
    let limit = limit.clamp(1, MAX_CATALOG_PAGE);
    // One more than the page, to know whether another follows.
    let mut rows = T::page(conn, before, limit as i64 + 1, filter).db()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(T::cursor)
    } else {
        None
    };
    let items = rows.into_iter().map(T::decode).collect::<Result<_, _>>()?;
    Ok(Page { items, next })
}

/// Inside a write transaction: the compare-and-set update of the object `id` of table `T`.
/// Bumps its version (only while it is `expected`, by default the current one) and stamps
/// `updated_at`, then lets `write` set the object's fields, then reads it back. A lost race
/// is a [`StoreError::CatalogConflict`] naming the version found.
fn update_object<T: CatalogTable>(
    conn: &mut AnyConnection,
    id: &StoredId,
    expected: Option<i64>,
    now: i64,
    write: impl FnOnce(&mut AnyConnection) -> QueryResult<usize>,
) -> Result<T::Stored, StoreError> {
    let Some(version) = T::version(conn, id.as_str()).db()? else {
        return Err(not_found::<T>(id));
    };
    let expected = expected.unwrap_or(version);
    if T::bump_version(conn, id.as_str(), expected, now).db()? == 0 {
        let actual = T::version(conn, id.as_str()).db()?;
        return Err(match actual {
            Some(actual) => StoreError::CatalogConflict {
                kind: T::KIND,
                id: id.clone(),
                expected,
                actual,
            },
            None => not_found::<T>(id),
        });
    }
    write(conn).db()?;
    read_object::<T>(conn, id)
}

/// Inside a write transaction: deletes the object `id` of table `T` unless a campaign phase
/// that may still run names it ([`StoreError::InUse`]).
fn delete_object<T: CatalogTable>(
    conn: &mut AnyConnection,
    id: &StoredId,
) -> Result<(), StoreError> {
    if T::version(conn, id.as_str()).db()?.is_none() {
        return Err(not_found::<T>(id));
    }
    let uses = find_uses(conn, T::KIND, id)?;
    if !uses.is_empty() {
        return Err(StoreError::InUse {
            kind: T::KIND,
            id: id.clone(),
            uses,
        });
    }
    T::delete(conn, id.as_str()).db()?;
    Ok(())
}

impl Store {
    /// Stores a new persona under a new id.
    pub fn create_persona(&self, persona: &Persona) -> Result<StoredPersona, StoreError> {
        let now = now_millis();
        let row = PersonaRow {
            id: new_id(CatalogKind::Persona),
            kind: kind_value(persona.kind()),
            name: persona.name().to_owned(),
            settings: persona_settings(persona)?,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        self.write(|conn| {
            diesel::insert_into(personas::table)
                .values(&row)
                .execute(conn)
                .db()?;
            Ok(())
        })?;
        row.decode()
    }

    /// The persona with `id`; [`StoreError::CatalogNotFound`] when there is none.
    pub fn read_persona(&self, id: &StoredId) -> Result<StoredPersona, StoreError> {
        read_object::<PersonaRow>(&mut *self.conn()?, id)
    }

    /// The settings of the DNS persona `id`, or `None` when there is no DNS persona with that
    /// id: what the engine uses when a phase names it.
    pub fn get_dns_persona(
        &self,
        id: &StoredId,
    ) -> Result<Option<DnsResolverSettings>, StoreError> {
        match self.read_persona(id) {
            Ok(StoredPersona {
                persona: Persona::Dns(p),
                ..
            }) => Ok(Some(p.settings().clone())),
            Ok(_) | Err(StoreError::CatalogNotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The settings of the HTTP persona `id`, or `None` when there is no HTTP persona with
    /// that id: what the engine uses when a phase names it.
    pub fn get_http_persona(
        &self,
        id: &StoredId,
    ) -> Result<Option<HttpRequestSettings>, StoreError> {
        match self.read_persona(id) {
            Ok(StoredPersona {
                persona: Persona::Http(p),
                ..
            }) => Ok(Some(p.settings().clone())),
            Ok(_) | Err(StoreError::CatalogNotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One page of personas, newest first, of one kind or both. Pass the previous page's
    /// `next` as `before` to continue. `limit` is capped at [`MAX_CATALOG_PAGE`].
    pub fn list_personas(
        &self,
        kind: Option<PersonaKind>,
        before: Option<&CatalogCursor>,
        limit: usize,
    ) -> Result<Page<StoredPersona, CatalogCursor>, StoreError> {
        list_objects::<PersonaRow>(&mut *self.conn()?, before, limit, &kind)
    }

    /// Replaces a persona (its kind cannot change: [`StoreError::KindChange`]); with
    /// `expected_version`, only if it is still at that version
    /// ([`StoreError::CatalogConflict`]). Returns the stored persona with its new version.
    pub fn update_persona(
        &self,
        id: &StoredId,
        persona: &Persona,
        expected_version: Option<i64>,
    ) -> Result<StoredPersona, StoreError> {
        let settings = persona_settings(persona)?;
        let now = now_millis();
        self.write(|conn| {
            let stored_kind: Option<i16> = personas::table
                .find(id.as_str())
                .select(personas::kind)
                .first(conn)
                .optional()
                .db()?;
            let Some(stored_kind) = stored_kind else {
                return Err(not_found::<PersonaRow>(id));
            };
            let stored_kind = kind_of(stored_kind)?;
            if stored_kind != persona.kind() {
                return Err(StoreError::KindChange {
                    id: id.clone(),
                    stored: stored_kind,
                    requested: persona.kind(),
                });
            }
            update_object::<PersonaRow>(conn, id, expected_version, now, |conn| {
                diesel::update(personas::table.find(id.as_str()))
                    .set((
                        personas::name.eq(persona.name()),
                        personas::settings.eq(&settings),
                    ))
                    .execute(conn)
            })
        })
    }

    /// Deletes a persona unless a campaign phase that may still run names it
    /// ([`StoreError::InUse`]).
    pub fn delete_persona(&self, id: &StoredId) -> Result<(), StoreError> {
        self.write(|conn| delete_object::<PersonaRow>(conn, id))
    }

    /// Stores a new proxy (password included) under a new id.
    pub fn create_proxy(&self, proxy: &Proxy) -> Result<StoredProxy, StoreError> {
        let row = ProxyRow::new(new_id(CatalogKind::Proxy), proxy, now_millis());
        self.write(|conn| {
            diesel::insert_into(proxies::table)
                .values(&row)
                .execute(conn)
                .db()?;
            Ok(())
        })?;
        row.decode()
    }

    /// The proxy with `id`, password included; [`StoreError::CatalogNotFound`] when there is
    /// none.
    pub fn read_proxy(&self, id: &StoredId) -> Result<StoredProxy, StoreError> {
        read_object::<ProxyRow>(&mut *self.conn()?, id)
    }

    /// The proxies with these ids that exist, in the order of `ids` (for the engine, when a
    /// phase starts).
    pub fn get_proxies(&self, ids: &[StoredId]) -> Result<Vec<StoredProxy>, StoreError> {
        let keys: Vec<&str> = ids.iter().map(StoredId::as_str).collect();
        let rows: Vec<ProxyRow> = proxies::table
            .filter(proxies::id.eq_any(&keys))
            .select(ProxyRow::as_select())
            .load(&mut self.conn()?)
            .db()?;
        let mut found: BTreeMap<String, ProxyRow> =
            rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        keys.iter()
            .filter_map(|k| found.remove(*k))
            .map(ProxyRow::decode)
            .collect()
    }

    /// One page of proxies, newest first. Pass the previous page's `next` as `before` to
    /// continue. `limit` is capped at [`MAX_CATALOG_PAGE`].
    pub fn list_proxies(
        &self,
        before: Option<&CatalogCursor>,
        limit: usize,
    ) -> Result<Page<StoredProxy, CatalogCursor>, StoreError> {
        list_objects::<ProxyRow>(&mut *self.conn()?, before, limit, &())
    }

    /// Replaces a proxy (password included: the caller decides whether to keep the stored
    /// one); with `expected_version`, only if it is still at that version
    /// ([`StoreError::CatalogConflict`]).
    pub fn update_proxy(
        &self,
        id: &StoredId,
        proxy: &Proxy,
        expected_version: Option<i64>,
    ) -> Result<StoredProxy, StoreError> {
        let now = now_millis();
        let new = ProxyRow::new(id.as_str().to_owned(), proxy, now);
        self.write(|conn| {
            update_object::<ProxyRow>(conn, id, expected_version, now, |conn| {
                diesel::update(proxies::table.find(id.as_str()))
                    .set((
                        proxies::name.eq(&new.name),
                        proxies::protocol.eq(new.protocol),
                        proxies::host.eq(&new.host),
                        proxies::port.eq(new.port),
                        proxies::username.eq(&new.username),
                        proxies::password.eq(&new.password),
                        proxies::accept_invalid_certificates.eq(new.accept_invalid_certificates),
                        proxies::enabled.eq(new.enabled),
                    ))
                    .execute(conn)
            })
        })
    }

    /// Deletes a proxy unless a campaign phase that may still run names it
    /// ([`StoreError::InUse`]).
    pub fn delete_proxy(&self, id: &StoredId) -> Result<(), StoreError> {
        self.write(|conn| delete_object::<ProxyRow>(conn, id))
    }

    /// Stores a new keyword set under a new id.
    pub fn create_keyword_set(&self, set: &KeywordSet) -> Result<StoredKeywordSet, StoreError> {
        let now = now_millis();
        let row = KeywordSetRow {
            id: new_id(CatalogKind::KeywordSet),
            name: set.name().to_owned(),
            description: set.description().map(str::to_owned),
            rules: to_json(set.rules())?,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        self.write(|conn| {
            diesel::insert_into(keyword_sets::table)
                .values(&row)
                .execute(conn)
                .db()?;
            Ok(())
        })?;
        row.decode()
    }

    /// The keyword set with `id`; [`StoreError::CatalogNotFound`] when there is none.
    pub fn read_keyword_set(&self, id: &StoredId) -> Result<StoredKeywordSet, StoreError> {
        read_object::<KeywordSetRow>(&mut *self.conn()?, id)
    }

    /// The keyword set with `id`, validated again (its regexes compiled), or `None` when
    /// there is none: what the engine adds to a phase's rules when it starts.
    pub fn get_keyword_set(&self, id: &StoredId) -> Result<Option<KeywordSet>, StoreError> {
        let row = KeywordSetRow::find(&mut *self.conn()?, id.as_str()).db()?;
        row.map(|row| {
            row.decode()?
                .validate()
                .map_err(|e| corrupt(CatalogKind::KeywordSet, id.as_str(), e))
        })
        .transpose()
    }

    /// One page of keyword sets, newest first. Pass the previous page's `next` as `before` to
    /// continue. `limit` is capped at [`MAX_CATALOG_PAGE`].
    pub fn list_keyword_sets(
        &self,
        before: Option<&CatalogCursor>,
        limit: usize,
    ) -> Result<Page<StoredKeywordSet, CatalogCursor>, StoreError> {
        list_objects::<KeywordSetRow>(&mut *self.conn()?, before, limit, &())
    }

    /// Replaces a keyword set; with `expected_version`, only if it is still at that version
    /// ([`StoreError::CatalogConflict`]).
    pub fn update_keyword_set(
        &self,
        id: &StoredId,
        set: &KeywordSet,
        expected_version: Option<i64>,
    ) -> Result<StoredKeywordSet, StoreError> {
        let rules = to_json(set.rules())?;
        let now = now_millis();
        self.write(|conn| {
            update_object::<KeywordSetRow>(conn, id, expected_version, now, |conn| {
                diesel::update(keyword_sets::table.find(id.as_str()))
                    .set((
                        keyword_sets::name.eq(set.name()),
                        keyword_sets::description.eq(set.description()),
                        keyword_sets::rules.eq(&rules),
                    ))
                    .execute(conn)
            })
        })
    }

    /// Deletes a keyword set unless a campaign phase that may still run names it
    /// ([`StoreError::InUse`]).
    pub fn delete_keyword_set(&self, id: &StoredId) -> Result<(), StoreError> {
        self.write(|conn| delete_object::<KeywordSetRow>(conn, id))
    }

    /// The campaign phases that may still run and name the object `id` of `kind`.
    pub fn catalog_uses(
        &self,
        kind: CatalogKind,
        id: &StoredId,
    ) -> Result<Vec<CatalogUse>, StoreError> {
        find_uses(&mut *self.conn()?, kind, id)
    }

    /// Which of these ids exist, in one call: the personas (with their kind), keyword sets and
    /// proxies a configuration names. For the referential checks of the API.
    pub fn lookup_catalog(
        &self,
        persona_ids: &[StoredId],
        keyword_set_ids: &[StoredId],
        proxy_ids: &[StoredId],
    ) -> Result<CatalogLookup, StoreError> {
        let mut lookup = CatalogLookup::default();
        if persona_ids.is_empty() && keyword_set_ids.is_empty() && proxy_ids.is_empty() {
            return Ok(lookup);
        }
        let mut conn = self.conn()?;
        let keys = |ids: &[StoredId]| -> Vec<String> {
            ids.iter().map(|id| id.as_str().to_owned()).collect()
        };
        if !persona_ids.is_empty() {
            let rows: Vec<(String, i16)> = personas::table
                .filter(personas::id.eq_any(keys(persona_ids)))
                .select((personas::id, personas::kind))
                .load(&mut conn)
                .db()?;
            for (id, kind) in rows {
                lookup.personas.insert(stored_id(&id)?, kind_of(kind)?);
            }
        }
        if !keyword_set_ids.is_empty() {
            let rows: Vec<String> = keyword_sets::table
                .filter(keyword_sets::id.eq_any(keys(keyword_set_ids)))
                .select(keyword_sets::id)
                .load(&mut conn)
                .db()?;
            for id in rows {
                lookup.keyword_sets.insert(stored_id(&id)?);
            }
        }
        if !proxy_ids.is_empty() {
            let rows: Vec<String> = proxies::table
                .filter(proxies::id.eq_any(keys(proxy_ids)))
                .select(proxies::id)
                .load(&mut conn)
                .db()?;
            for id in rows {
                lookup.proxies.insert(stored_id(&id)?);
            }
        }
        Ok(lookup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_have_the_prefix_and_fit_stored_ids() {
        let mut seen = BTreeSet::new();
        for kind in [
            CatalogKind::Persona,
            CatalogKind::Proxy,
            CatalogKind::KeywordSet,
        ] {
            for _ in 0..1000 {
                let id = new_id(kind);
                assert!(id.starts_with(kind.id_prefix()), "{id}");
                assert_eq!(id.len(), kind.id_prefix().len() + ID_RANDOM_CHARS);
                let random = &id[kind.id_prefix().len()..];
                assert!(
                    random
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)),
                    "{id}"
                );
                assert!(StoredId::parse(&id).is_ok(), "{id}");
                assert!(seen.insert(id));
            }
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = CatalogCursor {
            created_at: 1_700_000_000_123,
            id: "per_abc".to_owned(),
        };
        assert_eq!(c.to_string(), "1700000000123.per_abc");
        assert_eq!(CatalogCursor::parse(&c.to_string()), Some(c));
        for bad in ["", "x.per_a", "12", "12.", "12.a b", "12.a.b"] {
            assert_eq!(CatalogCursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn references_are_found_under_their_keys_only() {
        let config = json!({
            "personaId": "per_a",
            "keywordSetIds": ["kws_a", "kws_b"],
            "proxyIds": ["prx_a"],
            "keywordRules": [{"pattern": "per_b"}],
            "nested": {"personaId": "per_c"}
        });
        assert!(names_id(&config, "personaId", "per_a"));
        assert!(names_id(&config, "personaId", "per_c"));
        assert!(!names_id(&config, "personaId", "per_b"));
        assert!(names_id(&config, "keywordSetIds", "kws_b"));
        assert!(!names_id(&config, "proxyIds", "kws_b"));
        assert!(names_id(&config, "proxyIds", "prx_a"));
        assert!(!names_id(&json!(null), "proxyIds", "prx_a"));
    }

    #[test]
    fn in_use_messages_name_the_campaigns() {
        let uses: Vec<CatalogUse> = (1..=7)
            .map(|i| CatalogUse {
                campaign_id: CampaignId(i),
                campaign_name: format!("c{i}"),
                phase: Phase::DnsValidation,
                status: PhaseStatus::Pending,
            })
            .collect();
        let e = StoreError::InUse {
            kind: CatalogKind::Persona,
            id: StoredId::parse("per_x").expect("id"),
            uses,
        };
        let text = e.to_string();
        assert!(
            text.starts_with(
                "persona `per_x` is used by campaign 1 \"c1\" (dns_validation is pending)"
            ),
            "{text}"
        );
        assert!(text.contains("and 2 more"), "{text}");
    }
}
