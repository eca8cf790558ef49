//! Who may do what through the API, and how the audit log records it: the token roles and the
//! audit log's enums, shared by the store (which keeps them) and the API (which decides and
//! shows them).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::phase::UnknownId;

/// What an API token may do. The API decides which role each route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including token management and the audit log.
    Admin,
    /// Campaigns, personas, proxies and keyword sets: reads and changes.
    Operator,
    /// Reads only.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Viewer];

    /// `admin`, `operator` or `viewer`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// The role named `name` (`admin`, `operator`, `viewer`).
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether a token with this role may do what `needed` may.
    pub const fn includes(self, needed: Role) -> bool {
        self.rank() >= needed.rank()
    }

    const fn rank(self) -> u8 {
        match self {
            Role::Admin => 2,
            Role::Operator => 1,
            Role::Viewer => 0,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s).ok_or_else(|| UnknownId {
            kind: "role",
            value: s.to_owned(),
            expected: "admin, operator, viewer",
        })
    }
}

/// How a recorded action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditResult {
    /// It was done (a 2xx or 3xx answer; a command that succeeded).
    Success,
    /// It was allowed but failed (another 4xx, or a 5xx).
    Failure,
    /// It was refused: no valid token, the wrong role, or too many failures (401, 403, 429).
    Denied,
}

impl AuditResult {
    /// Every result.
    pub const ALL: [AuditResult; 3] = [
        AuditResult::Success,
        AuditResult::Failure,
        AuditResult::Denied,
    ];

    /// `success`, `failure` or `denied`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditResult::Success => "success",
            AuditResult::Failure => "failure",
            AuditResult::Denied => "denied",
        }
    }

    /// The result named `name`.
    pub fn parse(name: &str) -> Option<AuditResult> {
        AuditResult::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for AuditResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an audited action came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditSource {
    /// An HTTP request to the API.
    Api,
    /// A `dragnet` command run on the command line (`dragnet token …`).
    Cli,
    /// The server itself (e.g. the token it creates on first start).
    Server,
}

impl AuditSource {
    /// Every source.
    pub const ALL: [AuditSource; 3] = [AuditSource::Api, AuditSource::Cli, AuditSource::Server];

    /// `api`, `cli` or `server`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditSource::Api => "api",
            AuditSource::Cli => "cli",
            AuditSource::Server => "server",
        }
    }

    /// The source named `name`.
    pub fn parse(name: &str) -> Option<AuditSource> {
        AuditSource::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for AuditSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Admin.includes(Role::Operator));
        assert!(Role::Operator.includes(Role::Viewer));
        assert!(!Role::Viewer.includes(Role::Operator));
        assert!(Role::Viewer.includes(Role::Viewer));
    }

    #[test]
    fn spellings_round_trip() {
        for r in Role::ALL {
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        for r in AuditResult::ALL {
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
            assert_eq!(AuditResult::parse(r.as_str()), Some(r));
        }
        for s in AuditSource::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert_eq!(AuditSource::parse(s.as_str()), Some(s));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
