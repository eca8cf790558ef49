//! `dragnet token create|list|revoke`: API token management from the command line, straight
//! on the store (migrated first, so a token can be made before the first `serve`; a store
//! with a token gets no first-start admin token). Each change is recorded in the audit log
//! with source `cli`.

use anyhow::Context as _;
use chrono::Utc;
use clap::Subcommand;
use dragnet_api::auth;
use dragnet_domain::{AuditResult, AuditSource, Role};
use dragnet_store::{AuditEntry, Store};

use crate::settings::Settings;

/// `dragnet token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it to stdout, once: only its hash is stored.
    Create {
        /// What it may do: admin (everything), operator (campaigns and the catalog), viewer
        /// (reads only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A name for people, e.g. "ci" or "alice's laptop" (1-100 characters).
        #[arg(long)]
        name: String,
    },
    /// List the tokens (never their secrets), newest first.
    List,
    /// Revoke a token, by its id or the whole token. Servers sharing the store stop accepting
    /// it within `auth.token_cache_seconds`.
    Revoke {
        /// The token's id (the middle of dgn_<id>_<secret>) or the whole token.
        id: String,
    },
}

fn parse_role(name: &str) -> Result<Role, String> {
    Role::parse(name).ok_or_else(|| format!("unknown role `{name}`; use admin, operator or viewer"))
}

fn record(store: &Store, action: &str, id: &str) {
    let entry = AuditEntry {
        at: Utc::now(),
        token_id: None,
        source: AuditSource::Cli,
        action: action.to_owned(),
        target: format!("token:{id}"),
        status: 0,
        result: AuditResult::Success,
        remote_addr: None,
    };
    if let Err(e) = store.append_audit(&[entry]) {
        tracing::error!(error = %e, action, token_id = id, "audit entry not stored");
    }
}

/// Runs a `dragnet token` command.
pub fn run(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let store = crate::serve::open_store(settings, true)?;
    match command {
        TokenCommand::Create { role, name } => {
            let issued = auth::issue_token(&store, &name, role, "cli")
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("creating the token")?;
            record(&store, "token.create", &issued.stored.id);
            eprintln!(
                "created {role} token {} ({:?}); it is printed below, once: only its hash is \
                 stored",
                issued.stored.id, issued.stored.name
            );
            println!("{}", issued.secret.expose());
        }
        TokenCommand::List => {
            let tokens = store.list_tokens().map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{:<16}  {:<8}  {:<20}  {:<20}  {:<20}  NAME",
                "ID", "ROLE", "CREATED", "LAST USED", "REVOKED"
            );
            let time = |t: Option<chrono::DateTime<Utc>>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                )
            };
            for t in &tokens {
                println!(
                    "{:<16}  {:<8}  {:<20}  {:<20}  {:<20}  {}",
                    t.id,
                    t.role.as_str(),
                    time(Some(t.created_at)),
                    time(t.last_used_at),
                    time(t.revoked_at),
                    t.name
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let id = auth::parse_token(&id)
                .map_or(id.as_str(), |(id, _)| id)
                .to_owned();
            if !auth::is_token_id(&id) {
                anyhow::bail!("that is neither a token nor a token id (16 characters a-z, 2-7)");
            }
            match store
                .revoke_token(&id)
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                Some(t) => {
                    record(&store, "token.revoke", &id);
                    println!("revoked {} token {} ({:?})", t.role, t.id, t.name);
                }
                None => anyhow::bail!("no token has id `{id}`"),
            }
        }
    }
    Ok(())
}
