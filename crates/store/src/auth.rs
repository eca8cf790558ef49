//! API tokens and the audit log (`migrations/*/2026-11-29-000003_auth`).
//!
//! The store keeps what the API's authentication needs and nothing secret: a token's public
//! id, name, role, who made it, when it was made, last used and revoked, and the SHA-256 of
//! its secret (64 hex digits). Generating tokens and checking presented ones is the API's
//! business (`dragnet_api::auth`); the store never sees a secret.
//!
//! The audit log is append-only: [`Store::append_audit`] writes a batch of entries in one
//! transaction, [`Store::list_audit`] reads them newest first in keyset pages.

use std::fmt;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use dragnet_domain::{AuditResult, AuditSource, Role};

use crate::error::DbResultExt as _;
use crate::schema::{api_tokens, audit_log};
use crate::types::StoredEnum;
use crate::{Page, Store, StoreError, from_millis, now_millis, to_millis};

/// The most audit entries one page returns.
pub const MAX_AUDIT_PAGE: usize = 1000;

/// A token to store: its public id, name, role, the SHA-256 of its secret (hex) and who
/// made it.
#[derive(Clone)]
pub struct NewToken {
    /// The public id (the middle part of `dgn_<id>_<secret>`).
    pub id: String,
    /// A name for people (`ci`, `alice's laptop`).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// SHA-256 of the secret, 64 lowercase hex digits.
    pub secret_sha256: String,
    /// Who made it: `token:<id>`, `cli` or `first-start`.
    pub created_by: String,
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("created_by", &self.created_by)
            .finish_non_exhaustive()
    }
}

/// A stored token. Its `Debug` output leaves the hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The public id.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// SHA-256 of the secret, 64 lowercase hex digits.
    pub secret_sha256: String,
    /// Who made it.
    pub created_by: String,
    /// When it was made (UTC).
    pub created_at: DateTime<Utc>,
    /// When it was last used, to about a minute; `None` if never.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; `None` while it is valid.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("created_by", &self.created_by)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// The token that did it; `None` without a valid one (`--no-auth`, the command line, an
    /// invalid token).
    pub token_id: Option<String>,
    /// Where it came from.
    pub source: AuditSource,
    /// The method and route pattern (`POST /api/v1/campaigns/{id}/start`) or a command
    /// (`token.create`).
    pub action: String,
    /// What it acted on: the request's path, or the object (`token:<id>`).
    pub target: String,
    /// The HTTP status answered (0 for a command).
    pub status: u16,
    /// How it ended.
    pub result: AuditResult,
    /// The client's address, when known.
    pub remote_addr: Option<String>,
}

/// A stored audit entry with its id (ids grow with time; the keyset cursor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The entry's id.
    pub id: i64,
    /// The entry.
    pub entry: AuditEntry,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
#[diesel(treat_none_as_default_value = false)]
struct TokenRow {
    id: String,
    name: String,
    role: i16,
    secret_sha256: String,
    created_by: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TokenRow {
    fn decode(self) -> Result<StoredToken, StoreError> {
        Ok(StoredToken {
            role: Role::decode(self.role)?,
            id: self.id,
            name: self.name,
            secret_sha256: self.secret_sha256,
            created_by: self.created_by,
            created_at: from_millis(self.created_at)?,
            last_used_at: self.last_used_at.map(from_millis).transpose()?,
            revoked_at: self.revoked_at.map(from_millis).transpose()?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
#[diesel(treat_none_as_default_value = false)]
struct NewAuditRow<'a> {
    at: i64,
    token_id: Option<&'a str>,
    source: &'a str,
    action: &'a str,
    target: &'a str,
    status: i32,
    result: &'a str,
    remote_addr: Option<&'a str>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: i64,
    at: i64,
    token_id: Option<String>,
    source: String,
    action: String,
    target: String,
    status: i32,
    result: String,
    remote_addr: Option<String>,
}

impl AuditRow {
    fn decode(self) -> Result<AuditRecord, StoreError> {
        // The audit log keeps the canonical spellings as text, so that it reads without
        // Dragnet; these two lines are their mapping.
        let result = AuditResult::parse(&self.result).ok_or_else(|| {
            StoreError::Corrupt(format!("unknown audit result `{}`", self.result))
        })?;
        let source = AuditSource::parse(&self.source).ok_or_else(|| {
            StoreError::Corrupt(format!("unknown audit source `{}`", self.source))
        })?;
        let status = u16::try_from(self.status)
            .map_err(|_| StoreError::Corrupt(format!("audit status {}", self.status)))?;
        Ok(AuditRecord {
            id: self.id,
            entry: AuditEntry {
                at: from_millis(self.at)?,
                token_id: self.token_id,
                source,
                action: self.action,
                target: self.target,
                status,
                result,
                remote_addr: self.remote_addr,
            },
        })
    }
}

fn check_new(token: &NewToken) -> Result<(), StoreError> {
    let name = token.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(StoreError::InvalidArgument(
            "a token name is 1-100 characters without control characters".to_owned(),
        ));
    }
    if token.id.is_empty() || token.secret_sha256.len() != 64 {
        return Err(StoreError::InvalidArgument(
            "a token needs an id and a 64-digit SHA-256".to_owned(),
        ));
    }
    Ok(())
}

impl NewToken {
    fn row(&self, now: i64) -> TokenRow {
        TokenRow {
            id: self.id.clone(),
            name: self.name.trim().to_owned(),
            role: self.role.index(),
            secret_sha256: self.secret_sha256.clone(),
            created_by: self.created_by.clone(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        }
    }
}

impl Store {
    /// Stores a new token. The name is trimmed; 1–100 characters, no control characters.
    pub fn create_token(&self, token: &NewToken) -> Result<StoredToken, StoreError> {
        check_new(token)?;
        let row = token.row(now_millis());
        self.write(|conn| {
            diesel::insert_into(api_tokens::table)
                .values(&row)
                .execute(conn)
                .db()?;
            Ok(())
        })?;
        row.decode()
    }

    /// Stores `token` only if the store has no token at all (revoked ones count), in one
    /// write transaction: what `dragnet serve` does on its first start. Returns `None` when
    /// tokens exist. (Two processes starting at once on an empty PostgreSQL database may both
    /// create one; each is a valid admin token.)
    pub fn create_first_token(&self, token: &NewToken) -> Result<Option<StoredToken>, StoreError> {
        check_new(token)?;
        let row = token.row(now_millis());
        let created = self.write(|conn| {
            let existing: i64 = api_tokens::table.count().get_result(conn).db()?;
            if existing > 0 {
                return Ok(false);
            }
            diesel::insert_into(api_tokens::table)
                .values(&row)
                .execute(conn)
                .db()?;
            Ok(true)
        })?;
        if created {
            row.decode().map(Some)
        } else {
            Ok(None)
        }
    }

    /// How many tokens the store has, revoked ones included.
    pub fn token_count(&self) -> Result<u64, StoreError> {
        let n: i64 = api_tokens::table
            .count()
            .get_result(&mut self.conn()?)
            .db()?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The token with this id, revoked or not.
    pub fn get_token(&self, id: &str) -> Result<Option<StoredToken>, StoreError> {
        api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .first(&mut self.conn()?)
            .optional()
            .db()?
            .map(TokenRow::decode)
            .transpose()
    }

    /// Every token, newest first, revoked ones included.
    pub fn list_tokens(&self) -> Result<Vec<StoredToken>, StoreError> {
        let rows: Vec<TokenRow> = api_tokens::table
            .select(TokenRow::as_select())
            .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
            .load(&mut self.conn()?)
            .db()?;
        rows.into_iter().map(TokenRow::decode).collect()
    }

    /// Revokes a token (it keeps its row); revoking it again changes nothing. Returns the
    /// token, or `None` when no token has this id.
    pub fn revoke_token(&self, id: &str) -> Result<Option<StoredToken>, StoreError> {
        let now = now_millis();
        let row = self.write(|conn| {
            diesel::update(
                api_tokens::table
                    .find(id)
                    .filter(api_tokens::revoked_at.is_null()),
            )
            .set(api_tokens::revoked_at.eq(Some(now)))
            .execute(conn)
            .db()?;
            api_tokens::table
                .find(id)
                .select(TokenRow::as_select())
                .first(conn)
                .optional()
                .db()
        })?;
        row.map(TokenRow::decode).transpose()
    }

    /// Records when tokens were last used: `(id, time)` pairs, written in one transaction.
    /// Never moves a time backwards.
    pub fn touch_tokens(&self, used: &[(String, DateTime<Utc>)]) -> Result<(), StoreError> {
        if used.is_empty() {
            return Ok(());
        }
        self.write(|conn| {
            for (id, at) in used {
                let at = to_millis(*at);
                diesel::update(
                    api_tokens::table.find(id.as_str()).filter(
                        api_tokens::last_used_at
                            .is_null()
                            .or(api_tokens::last_used_at.lt(at)),
                    ),
                )
                .set(api_tokens::last_used_at.eq(Some(at)))
                .execute(conn)
                .db()?;
            }
            Ok(())
        })
    }

    /// Appends audit entries, in order, in one transaction.
    pub fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.write(|conn| {
            for e in entries {
                let row = NewAuditRow {
                    at: to_millis(e.at),
                    token_id: e.token_id.as_deref(),
                    source: e.source.as_str(),
                    action: &e.action,
                    target: &e.target,
                    status: i32::from(e.status),
                    result: e.result.as_str(),
                    remote_addr: e.remote_addr.as_deref(),
                };
                diesel::insert_into(audit_log::table)
                    .values(&row)
                    .execute(conn)
                    .db()?;
            }
            Ok(())
        })
    }

    /// One page of the audit log, newest first, optionally of one token. Pass the previous
    /// page's `next` as `before` to continue. `limit` is capped at [`MAX_AUDIT_PAGE`].
    pub fn list_audit(
        &self,
        token_id: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Page<AuditRecord, i64>, StoreError> {
        let limit = limit.clamp(1, MAX_AUDIT_PAGE);
        let mut query = audit_log::table
            .select(AuditRow::as_select())
            .order(audit_log::id.desc())
            .limit(limit as i64 + 1)
            .into_boxed();
        if let Some(token_id) = token_id {
            query = query.filter(audit_log::token_id.eq(token_id.to_owned()));
        }
        if let Some(before) = before {
            query = query.filter(audit_log::id.lt(before));
        }
        let mut rows: Vec<AuditRow> = query.load(&mut self.conn()?).db()?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(|r| r.id)
        } else {
            None
        };
        let items = rows
            .into_iter()
            .map(AuditRow::decode)
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }
}
