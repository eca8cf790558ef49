//! Property tests of the name generator (and of the domain-name parser it relies on).
//!
//! The order contract is checked against an independent reference implementation of the
//! formula in the generator's documentation.

use std::collections::HashSet;

use dragnet_domain::config::generation::{
    DomainGenerationConfig, DomainGenerationConfigInput, PatternType,
};
use dragnet_domain::name::DomainName;
use proptest::prelude::*;
use proptest::sample::subsequence;

const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const TLD_POOL: [&str; 8] = ["com", "net", "org", "io", "co.uk", "xn--p1ai", "de", "ws"];

/// A random valid configuration (invalid draws, e.g. a constant ending with a hyphen in the
/// prefix pattern, are filtered out).
fn configs() -> impl Strategy<Value = DomainGenerationConfig> {
    let pattern = prop_oneof![
        Just(PatternType::Prefix),
        Just(PatternType::Suffix),
        Just(PatternType::Both)
    ];
    let charset = subsequence(ALPHABET.chars().collect::<Vec<_>>(), 1..=36).prop_shuffle();
    let tlds = subsequence(TLD_POOL.to_vec(), 1..=4).prop_shuffle();
    (pattern, "[a-z0-9-]{0,6}", charset, 1u32..=4, 1u32..=4, tlds).prop_filter_map(
        "invalid configuration",
        |(pattern, constant, charset, p, s, tlds)| {
            DomainGenerationConfig::try_from(DomainGenerationConfigInput {
                pattern_type: pattern,
                constant_string: constant,
                character_set: charset.into_iter().collect(),
                prefix_length: if pattern.has_prefix() { p } else { 0 },
                suffix_length: if pattern.has_suffix() { s } else { 0 },
                tlds: tlds.into_iter().map(str::to_owned).collect(),
                offset_start: None,
                max_domains: None,
            })
            .ok()
        },
    )
}

/// A configuration and some ordinals below its total.
fn config_and_indices(n: usize) -> impl Strategy<Value = (DomainGenerationConfig, Vec<u128>)> {
    configs().prop_flat_map(move |config| {
        let total = config.total();
        let indices = prop::collection::vec(0..total, 1..=n);
        (Just(config), indices)
    })
}

/// The order contract, written out independently of the generator:
/// `n = (tld · |C|^P + prefix) · |C|^S + suffix`, digits most significant first.
fn reference_name(config: &DomainGenerationConfig, n: u128) -> String {
    let charset: Vec<char> = config.character_set().chars().collect();
    let radix = charset.len() as u128;
    let (p, s) = (config.prefix_length(), config.suffix_length());
    let suffix_space = radix.pow(s);
    let prefix_space = radix.pow(p);
    let suffix_value = n % suffix_space;
    let prefix_value = (n / suffix_space) % prefix_space;
    let tld = (n / suffix_space / prefix_space) as usize;
    let digits = |mut value: u128, len: u32| {
        let mut out = vec!['?'; len as usize];
        for slot in out.iter_mut().rev() {
            *slot = charset[(value % radix) as usize];
            value /= radix;
        }
        out.into_iter().collect::<String>()
    };
    format!(
        "{}{}{}.{}",
        digits(prefix_value, p),
        config.constant_string(),
        digits(suffix_value, s),
        config.tlds()[tld]
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nth_follows_the_order_contract((config, indices) in config_and_indices(16)) {
        let generator = config.generator();
        for i in indices {
            let name = generator.nth(i).expect("below total");
            prop_assert_eq!(name.as_str(), reference_name(&config, i));
        }
    }

    #[test]
    fn nth_and_index_of_are_inverse((config, indices) in config_and_indices(16)) {
        let generator = config.generator();
        for i in indices {
            let name = generator.nth(i).expect("below total");
            prop_assert_eq!(generator.index_of(name.as_str()), Some(i));
        }
        prop_assert_eq!(generator.nth(generator.total()), None);
    }

    #[test]
    fn names_are_unique_and_valid((config, indices) in config_and_indices(32)) {
        let generator = config.generator();
        let distinct_indices: HashSet<u128> = indices.iter().copied().collect();
        let mut names = HashSet::new();
        for &i in &distinct_indices {
            let name = generator.nth(i).expect("below total");
            // The parser accepts the name unchanged: it is already in normal form.
            let parsed = DomainName::parse(name.as_str());
            prop_assert_eq!(parsed.as_ref(), Ok(&name));
            let label = name.labels().next().expect("a label");
            prop_assert_eq!(label.len(), generator.label_len());
            names.insert(name);
        }
        prop_assert_eq!(names.len(), distinct_indices.len());
    }

    #[test]
    fn iterator_equals_nth_over_ranges(
        (config, start, len) in configs().prop_flat_map(|c| {
            let total = c.total();
            (Just(c), 0..total, 0u128..300)
        })
    ) {
        let generator = config.generator();
        let end = start.saturating_add(len).min(generator.total());
        let expected: Vec<String> = (start..end)
            .map(|i| generator.nth(i).expect("below total").into_string())
            .collect();

        let by_iterator: Vec<String> = generator.names(start..end).map(String::from).collect();
        prop_assert_eq!(&by_iterator, &expected);

        let mut lending = generator.names(start..end);
        let mut by_lending = Vec::new();
        while let Some(name) = lending.next_str() {
            by_lending.push(name.to_owned());
        }
        prop_assert_eq!(&by_lending, &expected);
        prop_assert_eq!(lending.next_ordinal(), end);

        // Resuming from a checkpoint gives the same names.
        let mut first = generator.names(start..end);
        let half = expected.len() / 2;
        let mut resumed: Vec<String> = first.by_ref().take(half).map(String::from).collect();
        let checkpoint = first.next_ordinal();
        resumed.extend(generator.names(checkpoint..end).map(String::from));
        prop_assert_eq!(&resumed, &expected);
    }

    #[test]
    fn names_within_a_range_are_distinct_and_increasing_by_index(
        (config, start) in configs().prop_flat_map(|c| { let t = c.total(); (Just(c), 0..t) })
    ) {
        let generator = config.generator();
        let end = start.saturating_add(500).min(generator.total());
        let mut seen = HashSet::new();
        for (offset, name) in generator.names(start..end).enumerate() {
            prop_assert_eq!(generator.index_of(name.as_str()), Some(start + offset as u128));
            prop_assert!(seen.insert(name));
        }
    }

    #[test]
    fn totals_are_exact_or_refused(radix in 1usize..=36, var_len in 1u32..=63, tlds in 1usize..=40) {
        let tld_names: Vec<String> = (0..tlds).map(|i| format!("t{i}")).collect();
        let result = DomainGenerationConfig::try_from(DomainGenerationConfigInput {
            pattern_type: PatternType::Prefix,
            constant_string: String::new(),
            character_set: ALPHABET[..radix].to_owned(),
            prefix_length: var_len,
            suffix_length: 0,
            tlds: tld_names,
            offset_start: None,
            max_domains: None,
        });
        let exact = (radix as u128)
            .checked_pow(var_len)
            .and_then(|space| space.checked_mul(tlds as u128));
        match (exact, result) {
            (Some(total), Ok(config)) => {
                prop_assert_eq!(config.total(), total);
                prop_assert_eq!(config.generator().total(), total);
            }
            (None, Err(e)) => {
                prop_assert_eq!(e.errors().len(), 1);
                prop_assert_eq!(e.errors()[0].field.as_str(), "prefixLength");
                prop_assert!(e.errors()[0].message.contains("more than 2^128"));
            }
            (exact, result) => prop_assert!(false, "total {exact:?} but {result:?}"),
        }
    }

    #[test]
    fn campaign_range_is_offset_plus_max_clamped(
        (config, offset, max) in configs().prop_flat_map(|c| {
            let t = c.total().min(u128::from(u64::MAX)) as u64;
            (Just(c), 0..t, 1u64..1000)
        })
    ) {
        let mut input = DomainGenerationConfigInput::from(config.clone());
        input.offset_start = Some(offset);
        input.max_domains = Some(max);
        let with_range = DomainGenerationConfig::try_from(input).expect("valid offset");
        let range = with_range.campaign_range();
        prop_assert_eq!(range.start, u128::from(offset));
        prop_assert_eq!(range.end, (u128::from(offset) + u128::from(max)).min(config.total()));
        prop_assert_eq!(with_range.exceeds_remaining(), range.end - range.start < u128::from(max));
        prop_assert_eq!(with_range.pattern_key(), config.pattern_key());
    }

    #[test]
    fn configs_round_trip_through_json(config in configs()) {
        let json = serde_json::to_string(&config).expect("serialises");
        let back: DomainGenerationConfig = serde_json::from_str(&json).expect("deserialises");
        prop_assert_eq!(back, config);
    }

    /// Whatever the input, parsing never panics and its output is a fixed point.
    #[test]
    fn parse_output_is_a_fixed_point(input in "\\PC{0,40}|[a-zA-Z0-9.-]{0,70}|[a-zé.üßрф-]{0,30}") {
        if let Ok(name) = DomainName::parse(&input) {
            prop_assert_eq!(DomainName::parse(name.as_str()), Ok(name.clone()));
            prop_assert!(name.as_str().len() <= 253);
            prop_assert!(name.labels().count() >= 2);
            for label in name.labels() {
                prop_assert!((1..=63).contains(&label.len()));
                prop_assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(!label.starts_with('-') && !label.ends_with('-'));
            }
        }
    }

    /// Random LDH names are accepted, lowercased, and keep their labels.
    #[test]
    fn ldh_names_are_accepted(labels in prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?", 1..5), tld in "[a-zA-Z]{2,6}") {
        // `xn--` labels are checked as punycode, not as plain LDH.
        prop_assume!(!labels.iter().any(|l| l.to_ascii_lowercase().starts_with("xn--")));
        let input = format!("{}.{tld}", labels.join("."));
        // Labels with `--` at positions 3–4 are reserved (only valid `xn--` labels may have it).
        let reserved = labels.iter().any(|l| l.get(2..4) == Some("--"));
        match DomainName::parse(&input) {
            Ok(name) => {
                prop_assert!(!reserved);
                prop_assert_eq!(name.as_str(), input.to_ascii_lowercase());
            }
            Err(e) => prop_assert!(reserved, "{input}: {e}"),
        }
    }
}
