//! The `dragnet` binary: parses the command line, loads settings, initialises tracing and
//! calls into the crates. It holds no product logic of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod generate;
mod openapi;
mod serve;
mod settings;
mod token;

/// Dragnet runs domain campaigns: it generates or imports candidate domain names and pushes
/// them through DNS validation, HTTP keyword validation, content analysis and lead extraction.
#[derive(Debug, Parser)]
#[command(name = "dragnet", version, about, long_about = None)]
struct Cli {
    /// A TOML settings file (layered over the defaults, under DRAGNET_* variables).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the REST API, the WebSocket progress feed and the phase engine (there is no web
    /// dashboard yet). On the first start (no API token in the store) an admin token is
    /// created and printed to stderr, once.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; setting `server.bind`).
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// Turn API tokens off: every request acts as an admin. Refused unless the address is
        /// a loopback one (127.0.0.0/8, ::1).
        #[arg(long)]
        no_auth: bool,
    },
    /// Manage API tokens (create, list, revoke).
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Apply pending database migrations (`serve` also applies them at start).
    Migrate,
    /// Print the names of a generation pattern, one per line.
    Generate(generate::GenerateArgs),
    /// Print the OpenAPI document of the HTTP API (as in docs/openapi.json) to stdout.
    Openapi,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Generate(args) => return generate::run(args),
        Command::Openapi => return openapi::run(),
        Command::Serve { .. } | Command::Migrate | Command::Token { .. } => {}
    }
    let mut settings = match settings::Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    if let Command::Serve { bind, no_auth } = &cli.command {
        if let Some(bind) = bind {
            settings.server.bind = *bind;
        }
        if *no_auth && !settings.server.bind.ip().is_loopback() {
            eprintln!(
                "error: --no-auth serves every request as an admin, so it is refused on {}: bind \
                 a loopback address (127.0.0.1 or ::1) or use API tokens",
                settings.server.bind
            );
            return ExitCode::from(2);
        }
    }
    init_tracing(&settings.log);
    let result = match cli.command {
        Command::Serve { no_auth, .. } => serve::serve(settings, !no_auth),
        Command::Migrate => serve::migrate(&settings),
        Command::Token { command } => token::run(&settings, command),
        Command::Generate(_) | Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
