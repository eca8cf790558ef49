//! Project automation: `cargo xtask <command>`.
//!
//! Benchmarks run release binaries of the workspace several times and report medians; see
//! `docs/benchmarks.md`.

mod bench;
mod bench_api;
mod bench_content;
mod bench_dns;
mod bench_generation;
mod bench_generator;
mod bench_http;
mod bench_keyword;
mod bench_store;
mod checks;
mod codegen;

use anyhow::bail;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  check-deps                   dependency direction (domain <- store <- engine <- api <- bins)
  check-names                  no legacy campaign-type or second-progress names anywhere
  gen-openapi                  write docs/openapi.json from the API (no server)
  gen-types                    write web/src/api/schema.d.ts from docs/openapi.json
                               (needs `npm ci --prefix web` once)
  check-generated              fail when docs/openapi.json or the TypeScript types are stale
  bench generator [--runs N]   name generator throughput
  bench store [--runs N]       store bulk insert, result writes and keyset pages
  bench generation [--runs N]  domain_generation phase through the runner, both backends
  bench dns [--runs N]         dns_validation phase through the runner against NSD, vs dnsperf
  bench http [--runs N]        http_keyword_validation through the runner against nginx, vs wrk
  bench keyword [--runs N]     visible-text extraction and keyword matching per page
  bench content [--runs N] [-- [--postgres] ARGS]
                               content_analysis through the runner, vs decompress + tokenise
  bench leads [--runs N] [-- [--postgres] ARGS]
                               lead_extraction through the runner, vs decompress + tokenise
  bench api [--runs N]         `dragnet serve`: 1M-name import, deep pages and GET campaign (wrk)";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(2).map(String::as_str).collect();
    match (
        args.first().map(String::as_str),
        args.get(1).map(String::as_str),
    ) {
        (Some("bench"), Some("generator")) => bench_generator::run(&bench::Options::parse(&rest)?),
        (Some("bench"), Some("store")) => bench_store::run(&bench::Options::parse(&rest)?),
        (Some("bench"), Some("generation")) => {
            bench_generation::run(&bench::Options::parse(&rest)?)
        }
        (Some("bench"), Some("dns")) => bench_dns::run(&bench::Options::parse(&rest)?),
        (Some("bench"), Some("keyword")) => bench_keyword::run(&bench::Options::parse(&rest)?),
        (Some("bench"), Some("http")) => bench_http::run(&bench::Options::parse(&rest)?),
        (Some("bench"), Some("content")) => bench_content::run(
            &bench::Options::parse(&rest)?,
            bench_content::PagePhase::Content,
        ),
        (Some("bench"), Some("leads")) => bench_content::run(
            &bench::Options::parse(&rest)?,
            bench_content::PagePhase::Leads,
        ),
        (Some("bench"), Some("api")) => bench_api::run(&bench::Options::parse(&rest)?),
        (Some("check-deps"), None) => checks::check_deps(),
        (Some("check-names"), None) => checks::check_names(),
        (Some("gen-openapi"), None) => codegen::gen_openapi(),
        (Some("gen-types"), None) => codegen::gen_types(),
        (Some("check-generated"), None) => codegen::check_generated(),
        _ => bail!("{USAGE}"),
    }
}
