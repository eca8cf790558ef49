//! The `domain_generation` configuration: JSON → `DomainGenerationConfigInput` →
//! `DomainGenerationConfig` (the path of `POST /campaigns` and `POST /generation/preview`),
//! then its generator.
//!
//! Properties, for every input that deserialises:
//! - validation never panics; a refusal names at least one field, each with a message;
//! - a valid configuration's total is `|characterSet|^(prefixLength + suffixLength) × |tlds|`,
//!   computed here independently, and equals the generator's; its campaign range is non-empty
//!   and within the total;
//! - it serialises to JSON that validates again to the same configuration (normal form is a
//!   fixed point), with the same pattern key;
//! - the names at the first and last ordinals, at the ends of the campaign range, around
//!   every TLD boundary that is cheap to reach and at a few input-derived ordinals are valid
//!   `DomainName`s in normal form (they re-parse to themselves), have the generator's label
//!   length and a configured TLD, and `index_of` maps each back to its ordinal;
//! - the sequential iterator (`names`, `next_str`) produces exactly the names `nth` gives, in
//!   order, across TLD boundaries; `nth(total)` is `None`.
#![no_main]

use dragnet_domain::config::generation::{DomainGenerationConfig, DomainGenerationConfigInput};
use dragnet_domain::name::{DomainName, MAX_LABEL_LEN, MAX_NAME_LEN};
use libfuzzer_sys::fuzz_target;

/// Names compared between the iterator and `nth` from each starting ordinal.
const WINDOW: u128 = 40;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<DomainGenerationConfigInput>(data) else {
        return;
    };
    let config = match DomainGenerationConfig::try_from(input.clone()) {
        Ok(config) => config,
        Err(errors) => {
            assert!(!errors.errors().is_empty(), "a refusal without errors");
            for e in errors.errors() {
                assert!(!e.message.is_empty(), "an error without a message: {e:?}");
            }
            return;
        }
    };
    check(&config, &input, data);
});

fn check(config: &DomainGenerationConfig, input: &DomainGenerationConfigInput, data: &[u8]) {
    // The total, independently.
    let radix = config.character_set().len() as u128;
    let var_len = config.prefix_length() + config.suffix_length();
    let expected = radix
        .checked_pow(var_len)
        .and_then(|n| n.checked_mul(config.tlds().len() as u128))
        .expect("a valid configuration's total fits in a u128");
    assert_eq!(config.total(), expected, "{config:?}");
    let generator = config.generator();
    assert_eq!(generator.total(), expected);
    assert_eq!(config.tlds().len(), input.tlds.len());
    let label_len = generator.label_len();
    assert_eq!(
        label_len,
        (var_len as usize) + config.constant_string().len(),
        "{config:?}"
    );
    assert!(label_len <= MAX_LABEL_LEN);

    let range = config.campaign_range();
    assert!(
        range.start < range.end && range.end <= expected,
        "{range:?} of {config:?}"
    );
    assert_eq!(range.start, u128::from(input.offset_start.unwrap_or(0)));

    // Normal form is a fixed point, through JSON as the store keeps it.
    let json = serde_json::to_string(config).expect("a configuration serialises");
    let again: DomainGenerationConfig = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{json} does not validate again: {e}"));
    assert_eq!(&again, config);
    assert_eq!(again.total(), config.total());
    assert_eq!(again.pattern_key(), config.pattern_key());

    // Ordinals to look at.
    let last = expected - 1;
    let label_space = expected / config.tlds().len() as u128;
    let mut ordinals = vec![0, last, range.start, range.end - 1, label_space - 1];
    for tld in 1..config.tlds().len().min(4) as u128 {
        ordinals.push(tld * label_space - 1);
    }
    // A few ordinals taken from the input, so that the fuzzer steers them.
    for chunk in data.chunks(16).take(4) {
        let mut bytes = [0u8; 16];
        bytes[..chunk.len()].copy_from_slice(chunk);
        ordinals.push(u128::from_le_bytes(bytes) % expected);
    }

    for &ordinal in &ordinals {
        let name = generator
            .nth(ordinal)
            .unwrap_or_else(|| panic!("no name at {ordinal} < {expected}: {config:?}"));
        check_name(config, &generator, ordinal, &name);
        // The iterator from here agrees with `nth`.
        let end = ordinal.saturating_add(WINDOW).min(expected);
        let mut names = generator.names(ordinal..end);
        let mut at = ordinal;
        while let Some(s) = names.next_str() {
            let expected_name = generator.nth(at).expect("in range");
            assert_eq!(s, expected_name.as_str(), "iterator and nth differ at {at}");
            at += 1;
        }
        assert_eq!(at, end);
        assert_eq!(names.next_ordinal(), end);
    }
    assert!(generator.nth(expected).is_none());

    // The campaign's own iterator starts and ends where the range says.
    let mut campaign = dragnet_domain::generator::Generator::campaign_names(config);
    assert_eq!(campaign.next_ordinal(), range.start);
    assert_eq!(campaign.end(), range.end);
    assert_eq!(
        campaign.next().map(String::from),
        generator.nth(range.start).map(String::from)
    );
}

fn check_name(
    config: &DomainGenerationConfig,
    generator: &dragnet_domain::generator::Generator,
    ordinal: u128,
    name: &DomainName,
) {
    let s = name.as_str();
    assert_eq!(
        DomainName::parse(s).as_ref(),
        Ok(name),
        "generated {s:?} is not in normal form ({config:?})"
    );
    assert!(s.len() <= MAX_NAME_LEN);
    let (label, tld) = s
        .split_once('.')
        .unwrap_or_else(|| panic!("generated {s:?} has one label"));
    assert_eq!(label.len(), generator.label_len(), "{s:?}");
    assert!(
        config.tlds().iter().any(|t| t == tld),
        "{s:?}: TLD not configured"
    );
    assert!(
        label.contains(config.constant_string()),
        "{s:?}: constant missing"
    );
    assert_eq!(
        generator.index_of(s),
        Some(ordinal),
        "index_of({s:?}) is not {ordinal} ({config:?})"
    );
}
