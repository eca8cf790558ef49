//! The `dragnet` binary: parses the command line, loads settings, initialises tracing and
//! calls into the crates. It holds no product logic of its own.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Dragnet runs domain campaigns: it generates or imports candidate domain names and pushes
/// them through DNS validation, HTTP keyword validation, content analysis and lead extraction.
#[derive(Debug, Parser)]
#[command(name = "dragnet", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, the dashboard and the workers.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "DRAGNET_BIND")]
        bind: SocketAddr,
    },
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
    init_tracing();
    let result = match cli.command {
        Command::Serve { bind } => serve(bind),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DRAGNET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn serve(bind: SocketAddr) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let server =
            actix_web::HttpServer::new(|| actix_web::App::new().configure(dragnet_api::configure))
                .bind(bind)
                .with_context(|| format!("binding {bind}"))?;
        for addr in server.addrs() {
            tracing::info!(%addr, "dragnet listening");
        }
        server.run().await.context("running the HTTP server")
    })
}
