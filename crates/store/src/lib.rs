//! Dragnet's persistence layer over SQLite (the embedded default) and PostgreSQL.
//!
//! Invariant: this is the only crate that knows SQL; it takes and returns `dragnet-domain`
//! types and keeps its row types private.
