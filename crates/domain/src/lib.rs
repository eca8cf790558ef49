//! The pure core of Dragnet: campaign phases and their transition rules, validated phase
//! configurations, the stored objects they refer to (personas, keyword sets, proxies), domain
//! names, the deterministic name generator, the vocabulary of page analysis (`content`) and
//! of lead extraction (`leads`).
//!
//! Invariant: this crate never performs I/O and depends on no runtime, database, HTTP or DNS
//! crate, so that other services can link it to validate configurations and reason about
//! phases. CI enforces that with a negative dependency check.

pub mod access;
pub mod campaign;
pub mod catalog;
pub mod config;
pub mod content;
pub mod error;
pub mod generator;
pub mod leads;
pub mod name;
pub mod phase;
pub mod progress;
pub mod qualification;
pub mod results;

pub use access::{AuditResult, AuditSource, Role};
pub use campaign::CampaignId;
pub use catalog::ProxyProtocol;
pub use config::dns::{DnsStrategy, RecordType};
pub use config::http::ProxyRotation;
pub use error::{FieldError, ValidationErrors};
pub use phase::{Action, CampaignState, Phase, PhaseStatus, Transition, TransitionError};
pub use results::{DnsRecord, DnsStatus, HttpStatus};
