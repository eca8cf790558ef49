//! `dragnet generate`: prints the names of a generation pattern, one per line, exactly as a
//! `domain_generation` phase with the same configuration would produce them.
//!
//! The flags build a [`DomainGenerationConfigInput`] and go through the same validation as the
//! API (`--offset` is `offsetStart`, `--count` is `maxDomains`). Invalid flags or an invalid
//! configuration print one line per problem on stderr and exit with status 2. A closed stdout
//! (`dragnet generate … | head`) ends the command quietly with status 0.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use dragnet_domain::FieldError;
use dragnet_domain::config::generation::{
    DomainGenerationConfig, DomainGenerationConfigInput, PatternType,
};

/// The flags of `dragnet generate`.
#[derive(Debug, Args)]
#[command(after_help = "Example (the documented example of docs/generation.md):
  dragnet generate --pattern-type both --constant shop --charset ab \\
      --prefix-length 1 --suffix-length 2 --tld com --tld net --tld рф --count 20")]
pub struct GenerateArgs {
    /// Where the variable part goes: prefix = VAR + CONST, suffix = CONST + VAR,
    /// both = VAR1 + CONST + VAR2.
    #[arg(long, value_enum, value_name = "TYPE")]
    pattern_type: PatternArg,
    /// The constant part of every label (letters, digits, hyphens; may be empty).
    #[arg(long, default_value = "", value_name = "S")]
    constant: String,
    /// The characters of the variable parts, in enumeration order (letters and digits, each
    /// once), e.g. abcdefghijklmnopqrstuvwxyz0123456789.
    #[arg(long, value_name = "S")]
    charset: String,
    /// Length of the variable part before the constant (prefix and both patterns).
    #[arg(long, default_value_t = 0, value_name = "N")]
    prefix_length: u32,
    /// Length of the variable part after the constant (suffix and both patterns).
    #[arg(long, default_value_t = 0, value_name = "N")]
    suffix_length: u32,
    /// A TLD or suffix (repeat the flag for several; all are used, in order, the TLD being the
    /// outermost digit). Internationalised TLDs are converted to punycode.
    #[arg(long = "tld", value_name = "TLD", required = true)]
    tlds: Vec<String>,
    /// Ordinal of the first name to print (default 0).
    #[arg(long, value_name = "N")]
    offset: Option<u64>,
    /// How many names to print (fewer when the pattern ends first; a warning says so).
    #[arg(long, value_name = "N")]
    count: u64,
}

/// The pattern types as command-line values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum PatternArg {
    /// VAR + CONST.
    Prefix,
    /// CONST + VAR.
    Suffix,
    /// VAR1 + CONST + VAR2.
    Both,
}

impl From<PatternArg> for PatternType {
    fn from(arg: PatternArg) -> Self {
        match arg {
            PatternArg::Prefix => PatternType::Prefix,
            PatternArg::Suffix => PatternType::Suffix,
            PatternArg::Both => PatternType::Both,
        }
    }
}

/// Runs `dragnet generate`: 0 on success (also when stdout is closed early), 2 for an invalid
/// configuration, 1 when stdout fails otherwise.
pub fn run(args: GenerateArgs) -> ExitCode {
    let tlds = args.tlds.clone();
    let input = DomainGenerationConfigInput {
        pattern_type: args.pattern_type.into(),
        constant_string: args.constant,
        character_set: args.charset,
        prefix_length: args.prefix_length,
        suffix_length: args.suffix_length,
        tlds: args.tlds,
        offset_start: args.offset,
        max_domains: Some(args.count),
    };
    let config = match DomainGenerationConfig::try_from(input) {
        Ok(config) => config,
        Err(errors) => {
            for e in errors.errors() {
                eprintln!("error: {}", describe(e, &tlds));
            }
            return ExitCode::from(2);
        }
    };
    let range = config.campaign_range();
    if config.exceeds_remaining() {
        eprintln!(
            "warning: the pattern has {} names; from offset {} only {} remain, printing those",
            config.total(),
            range.start,
            range.end - range.start
        );
    }
    match write_names(&config) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): that is how such pipelines end, not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_names(config: &DomainGenerationConfig) -> io::Result<()> {
    let mut names = config.generator().names(config.campaign_range());
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    while let Some(name) = names.next_str() {
        out.write_all(name.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// A validation error in terms of the command line: the flag instead of the JSON field.
fn describe(error: &FieldError, tlds: &[String]) -> String {
    let flag = match error.field.as_str() {
        "patternType" => "--pattern-type".to_owned(),
        "constantString" => "--constant".to_owned(),
        "characterSet" => "--charset".to_owned(),
        "prefixLength" => "--prefix-length".to_owned(),
        "suffixLength" => "--suffix-length".to_owned(),
        "tlds" => "--tld".to_owned(),
        "offsetStart" => "--offset".to_owned(),
        "maxDomains" => "--count".to_owned(),
        field => match field
            .strip_prefix("tlds[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|i| i.parse::<usize>().ok())
        {
            Some(i) => format!(
                "--tld `{}` (#{})",
                tlds.get(i).map_or("", String::as_str),
                i + 1
            ),
            None => field.to_owned(),
        },
    };
    format!("{flag}: {}", tld_refs_as_flags(&error.message))
}

/// Messages refer to other TLDs by JSON path (`tlds[0]`); say `--tld #1` instead.
fn tld_refs_as_flags(message: &str) -> String {
    const JSON: &str = "tlds[";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(JSON) {
        let after = &rest[at + JSON.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match (
            after[..digits].parse::<usize>(),
            after[digits..].strip_prefix(']'),
        ) {
            (Ok(i), Some(tail)) => {
                out.push_str(&rest[..at]);
                out.push_str(&format!("--tld #{}", i + 1));
                rest = tail;
            }
            _ => {
                out.push_str(&rest[..at + JSON.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_flags() {
        let tlds = vec!["com".to_owned(), "COM".to_owned()];
        let e = FieldError::new("tlds[1]", "duplicates tlds[0] (both are `com`)");
        assert_eq!(
            describe(&e, &tlds),
            "--tld `COM` (#2): duplicates --tld #1 (both are `com`)"
        );
        let e = FieldError::new("characterSet", "must not contain a hyphen");
        assert_eq!(describe(&e, &tlds), "--charset: must not contain a hyphen");
        let e = FieldError::new("maxDomains", "must be at least 1");
        assert_eq!(describe(&e, &tlds), "--count: must be at least 1");
    }
}
