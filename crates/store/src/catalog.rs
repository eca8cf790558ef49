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
//! refused with [`CatalogError::InUse`] (the check and the delete share one write
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

use crate::campaigns::status_value;
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

/// What can go wrong reading, updating or deleting one stored object.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// No object of that kind has that id.
    #[error("{kind} `{id}` not found")]
    NotFound {
        /// The kind looked for.
        kind: CatalogKind,
        /// The id.
        id: StoredId,
    },
    /// The object changed since the caller read it (compare-and-set failed).
    #[error("{kind} `{id}` was changed concurrently (expected version {expected}, found {actual})")]
    Conflict {
        /// The kind.
        kind: CatalogKind,
        /// The id.
        id: StoredId,
        /// The version the caller expected.
        expected: i64,
        /// The version found.
        actual: i64,
    },
    /// An update would change a persona's kind, which configurations naming it rely on.
    #[error(
        "persona `{id}` is a {stored} persona and cannot become a {requested} one; create a new \
         persona instead"
    )]
    KindChange {
        /// The persona.
        id: StoredId,
        /// Its stored kind.
        stored: PersonaKind,
        /// The kind the update asked for.
        requested: PersonaKind,
    },
    /// The object is named by campaign phases that may still run.
    #[error("{kind} `{id}` is used by {}", describe_uses(.uses))]
    InUse {
        /// The kind.
        kind: CatalogKind,
        /// The id.
        id: StoredId,
        /// The phases that name it.
        uses: Vec<CatalogUse>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CatalogError {
    fn from(e: diesel::result::Error) -> Self {
        CatalogError::Store(e.into())
    }
}

fn describe_uses(uses: &[CatalogUse]) -> String {
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

diesel::define_sql_function! {
    /// The 1-based position of `needle` in `haystack`, 0 when absent (SQLite's built-in; the
    /// PostgreSQL migration creates one over `strpos`).
    #[sql_name = "instr"]
    fn catalog_instr(
        haystack: diesel::sql_types::Nullable<diesel::sql_types::Text>,
        needle: diesel::sql_types::Text,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Integer>;
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
    conn: &mut crate::backend::AnyConnection,
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
        .filter(catalog_instr(campaign_phases::configuration, needle).gt(0))
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
        .load(conn)?;
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

/// Clamps a page size.
fn page_limit(limit: usize) -> usize {
    limit.clamp(1, MAX_CATALOG_PAGE)
}

/// Splits `rows` (fetched with one extra) into a page, the cursor pointing at its last item.
fn into_page<R, T>(
    mut rows: Vec<R>,
    limit: usize,
    key: impl Fn(&R) -> (i64, String),
    decode: impl Fn(R) -> Result<T, StoreError>,
) -> Result<Page<T, CatalogCursor>, StoreError> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|r| {
            let (created_at, id) = key(r);
            CatalogCursor { created_at, id }
        })
    } else {
        None
    };
    let items = rows.into_iter().map(decode).collect::<Result<_, _>>()?;
    Ok(Page { items, next })
}

/// Keyset condition for "after `cursor`" in newest-first order, for one table.
macro_rules! before_cursor {
    ($table:ident, $cursor:expr) => {{
        let c: &CatalogCursor = $cursor;
        $table::created_at.lt(c.created_at).or($table::created_at
            .eq(c.created_at)
            .and($table::id.lt(c.id.clone())))
    }};
}

/// Reads the version of one object, for diagnosing a failed compare-and-set.
macro_rules! version_of {
    ($conn:expr, $table:ident, $id:expr) => {
        $table::table
            .find($id.as_str())
            .select($table::version)
            .first::<i64>($conn)
            .optional()
    };
}

/// The object `$id` of `$table`, decoded from its `$row`; `NotFound` when there is none.
macro_rules! read_object {
    ($conn:expr, $table:ident, $row:ty, $kind:expr, $id:expr) => {{
        let id: &StoredId = $id;
        let row = $table::table
            .find(id.as_str())
            .select(<$row>::as_select())
            .first::<$row>($conn)
            .optional()?;
        match row {
            Some(row) => Ok(row.decode()?),
            None => Err(CatalogError::NotFound {
                kind: $kind,
                id: id.clone(),
            }),
        }
    }};
}

/// One page of `$table`'s objects, newest first, after `$before`; `|q| expr` may narrow the
/// boxed query `q` further.
macro_rules! list_objects {
    ($conn:expr, $table:ident, $row:ty, $before:expr, $limit:expr) => {
        list_objects!($conn, $table, $row, $before, $limit, |query| query)
    };
    ($conn:expr, $table:ident, $row:ty, $before:expr, $limit:expr, |$q:ident| $filter:expr) => {{
        let limit = page_limit($limit);
        let mut query = $table::table
            .select(<$row>::as_select())
            .order(($table::created_at.desc(), $table::id.desc()))
            .limit(limit as i64 + 1)
            .into_boxed();
        if let Some(cursor) = $before {
            query = query.filter(before_cursor!($table, cursor));
        }
        let $q = query;
        let rows: Vec<$row> = $filter.load($conn)?;
        into_page(
            rows,
            limit,
            |r| (r.created_at, r.id.clone()),
            <$row>::decode,
        )
    }};
}

/// Compare-and-set update of the object `$id`: applies the assignments `$set`, stamps
/// `updated_at` and bumps the version, only while the version is `$expected`; then reads the
/// object back. A lost race is a `Conflict` naming the version found.
macro_rules! update_object {
    ($conn:expr, $table:ident, $row:ty, $kind:expr, $id:expr, $expected:expr, $now:expr, ($($set:expr),+ $(,)?)) => {{
        let conn = $conn;
        let id: &StoredId = $id;
        let expected: i64 = $expected;
        let updated = diesel::update(
            $table::table
                .find(id.as_str())
                .filter($table::version.eq(expected)),
        )
        .set(($($set,)+ $table::updated_at.eq($now), $table::version.eq(expected + 1)))
        .execute(conn)?;
        if updated == 0 {
            Err(lost($kind, id, expected, version_of!(conn, $table, id)?))
        } else {
            let row = $table::table
                .find(id.as_str())
                .select(<$row>::as_select())
                .first::<$row>(conn)?;
            Ok(row.decode()?)
        }
    }};
}

/// Deletes the object `$id` of `$table` unless a campaign phase that may still run names it.
macro_rules! delete_object {
    ($conn:expr, $table:ident, $kind:expr, $id:expr) => {{
        let conn = $conn;
        let id: &StoredId = $id;
        let found = version_of!(conn, $table, id)?;
        delete_unused(conn, $kind, id, found.is_some(), |c| {
            diesel::delete($table::table.find(id.as_str())).execute(c)
        })
    }};
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
                .execute(conn)?;
            Ok(())
        })?;
        row.decode()
    }

    /// The persona with `id`.
    pub fn read_persona(&self, id: &StoredId) -> Result<StoredPersona, CatalogError> {
        read_object!(
            &mut self.conn()?,
            personas,
            PersonaRow,
            CatalogKind::Persona,
            id
        )
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
            Ok(_) | Err(CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_error(e)),
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
            Ok(_) | Err(CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_error(e)),
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
        list_objects!(
            &mut self.conn()?,
            personas,
            PersonaRow,
            before,
            limit,
            |query| match kind {
                Some(kind) => query.filter(personas::kind.eq(kind_value(kind))),
                None => query,
            }
        )
    }

    /// Replaces a persona (its kind cannot change); with `expected_version`, only if it is
    /// still at that version. Returns the stored persona with its new version.
    pub fn update_persona(
        &self,
        id: &StoredId,
        persona: &Persona,
        expected_version: Option<i64>,
    ) -> Result<StoredPersona, CatalogError> {
        let settings = persona_settings(persona)?;
        let now = now_millis();
        let kind = CatalogKind::Persona;
        self.write(|conn| {
            let current: Option<(i16, i64)> = personas::table
                .find(id.as_str())
                .select((personas::kind, personas::version))
                .first(conn)
                .optional()?;
            let Some((stored_kind, version)) = current else {
                return Ok(Err(CatalogError::NotFound {
                    kind,
                    id: id.clone(),
                }));
            };
            let stored_kind = kind_of(stored_kind)?;
            if stored_kind != persona.kind() {
                return Ok(Err(CatalogError::KindChange {
                    id: id.clone(),
                    stored: stored_kind,
                    requested: persona.kind(),
                }));
            }
            Ok(update_object!(
                conn,
                personas,
                PersonaRow,
                kind,
                id,
                expected_version.unwrap_or(version),
                now,
                (
                    personas::name.eq(persona.name()),
                    personas::settings.eq(&settings),
                )
            ))
        })?
    }

    /// Deletes a persona unless a campaign phase that may still run names it.
    pub fn delete_persona(&self, id: &StoredId) -> Result<(), CatalogError> {
        self.write(|conn| Ok(delete_object!(conn, personas, CatalogKind::Persona, id)))?
    }

    /// Stores a new proxy (password included) under a new id.
    pub fn create_proxy(&self, proxy: &Proxy) -> Result<StoredProxy, StoreError> {
        let row = ProxyRow::new(new_id(CatalogKind::Proxy), proxy, now_millis());
        self.write(|conn| {
            diesel::insert_into(proxies::table)
                .values(&row)
                .execute(conn)?;
            Ok(())
        })?;
        row.decode()
    }

    /// The proxy with `id`, password included.
    pub fn read_proxy(&self, id: &StoredId) -> Result<StoredProxy, CatalogError> {
        read_object!(&mut self.conn()?, proxies, ProxyRow, CatalogKind::Proxy, id)
    }

    /// The proxies with these ids that exist, in the order of `ids` (for the engine, when a
    /// phase starts).
    pub fn get_proxies(&self, ids: &[StoredId]) -> Result<Vec<StoredProxy>, StoreError> {
        let keys: Vec<&str> = ids.iter().map(StoredId::as_str).collect();
        let rows: Vec<ProxyRow> = proxies::table
            .filter(proxies::id.eq_any(&keys))
            .select(ProxyRow::as_select())
            .load(&mut self.conn()?)?;
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
        list_objects!(&mut self.conn()?, proxies, ProxyRow, before, limit)
    }

    /// Replaces a proxy (password included: the caller decides whether to keep the stored
    /// one); with `expected_version`, only if it is still at that version.
    pub fn update_proxy(
        &self,
        id: &StoredId,
        proxy: &Proxy,
        expected_version: Option<i64>,
    ) -> Result<StoredProxy, CatalogError> {
        let now = now_millis();
        let kind = CatalogKind::Proxy;
        let new = ProxyRow::new(id.as_str().to_owned(), proxy, now);
        self.write(|conn| {
            let Some(version) = version_of!(conn, proxies, id)? else {
                return Ok(Err(CatalogError::NotFound {
                    kind,
                    id: id.clone(),
                }));
            };
            Ok(update_object!(
                conn,
                proxies,
                ProxyRow,
                kind,
                id,
                expected_version.unwrap_or(version),
                now,
                (
                    proxies::name.eq(&new.name),
                    proxies::protocol.eq(new.protocol),
                    proxies::host.eq(&new.host),
                    proxies::port.eq(new.port),
                    proxies::username.eq(&new.username),
                    proxies::password.eq(&new.password),
                    proxies::accept_invalid_certificates.eq(new.accept_invalid_certificates),
                    proxies::enabled.eq(new.enabled),
                )
            ))
        })?
    }

    /// Deletes a proxy unless a campaign phase that may still run names it.
    pub fn delete_proxy(&self, id: &StoredId) -> Result<(), CatalogError> {
        self.write(|conn| Ok(delete_object!(conn, proxies, CatalogKind::Proxy, id)))?
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
                .execute(conn)?;
            Ok(())
        })?;
        row.decode()
    }

    /// The keyword set with `id`.
    pub fn read_keyword_set(&self, id: &StoredId) -> Result<StoredKeywordSet, CatalogError> {
        read_object!(
            &mut self.conn()?,
            keyword_sets,
            KeywordSetRow,
            CatalogKind::KeywordSet,
            id
        )
    }

    /// The keyword set with `id`, validated again (its regexes compiled), or `None` when
    /// there is none: what the engine adds to a phase's rules when it starts.
    pub fn get_keyword_set(&self, id: &StoredId) -> Result<Option<KeywordSet>, StoreError> {
        let row = keyword_sets::table
            .find(id.as_str())
            .select(KeywordSetRow::as_select())
            .first(&mut self.conn()?)
            .optional()?;
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
        list_objects!(
            &mut self.conn()?,
            keyword_sets,
            KeywordSetRow,
            before,
            limit
        )
    }

    /// Replaces a keyword set; with `expected_version`, only if it is still at that version.
    pub fn update_keyword_set(
        &self,
        id: &StoredId,
        set: &KeywordSet,
        expected_version: Option<i64>,
    ) -> Result<StoredKeywordSet, CatalogError> {
        let rules = to_json(set.rules())?;
        let now = now_millis();
        let kind = CatalogKind::KeywordSet;
        self.write(|conn| {
            let Some(version) = version_of!(conn, keyword_sets, id)? else {
                return Ok(Err(CatalogError::NotFound {
                    kind,
                    id: id.clone(),
                }));
            };
            Ok(update_object!(
                conn,
                keyword_sets,
                KeywordSetRow,
                kind,
                id,
                expected_version.unwrap_or(version),
                now,
                (
                    keyword_sets::name.eq(set.name()),
                    keyword_sets::description.eq(set.description()),
                    keyword_sets::rules.eq(&rules),
                )
            ))
        })?
    }

    /// Deletes a keyword set unless a campaign phase that may still run names it.
    pub fn delete_keyword_set(&self, id: &StoredId) -> Result<(), CatalogError> {
        self.write(|conn| {
            Ok(delete_object!(
                conn,
                keyword_sets,
                CatalogKind::KeywordSet,
                id
            ))
        })?
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
                .load(&mut conn)?;
            for (id, kind) in rows {
                lookup.personas.insert(stored_id(&id)?, kind_of(kind)?);
            }
        }
        if !keyword_set_ids.is_empty() {
            let rows: Vec<String> = keyword_sets::table
                .filter(keyword_sets::id.eq_any(keys(keyword_set_ids)))
                .select(keyword_sets::id)
                .load(&mut conn)?;
            for id in rows {
                lookup.keyword_sets.insert(stored_id(&id)?);
            }
        }
        if !proxy_ids.is_empty() {
            let rows: Vec<String> = proxies::table
                .filter(proxies::id.eq_any(keys(proxy_ids)))
                .select(proxies::id)
                .load(&mut conn)?;
            for id in rows {
                lookup.proxies.insert(stored_id(&id)?);
            }
        }
        Ok(lookup)
    }
}

/// The store error inside a [`CatalogError`] from a read (which only fails with `NotFound` or
/// a store error).
fn store_error(e: CatalogError) -> StoreError {
    match e {
        CatalogError::Store(e) => e,
        other => StoreError::Internal(other.to_string()),
    }
}

/// The error for a failed compare-and-set: a conflict naming the version found, or not found
/// when the object disappeared.
fn lost(kind: CatalogKind, id: &StoredId, expected: i64, actual: Option<i64>) -> CatalogError {
    match actual {
        Some(actual) => CatalogError::Conflict {
            kind,
            id: id.clone(),
            expected,
            actual,
        },
        None => CatalogError::NotFound {
            kind,
            id: id.clone(),
        },
    }
}

/// Inside a write transaction: not found, in use, or deleted by `delete`. The outer result is
/// the store's; the inner one is the caller's answer.
fn delete_unused(
    conn: &mut crate::backend::AnyConnection,
    kind: CatalogKind,
    id: &StoredId,
    found: bool,
    delete: impl FnOnce(&mut crate::backend::AnyConnection) -> QueryResult<usize>,
) -> Result<(), CatalogError> {
    if !found {
        return Err(CatalogError::NotFound {
            kind,
            id: id.clone(),
        });
    }
    let uses = find_uses(conn, kind, id)?;
    if !uses.is_empty() {
        return Err(CatalogError::InUse {
            kind,
            id: id.clone(),
            uses,
        });
    }
    delete(conn)?;
    Ok(())
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
        let e = CatalogError::InUse {
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
