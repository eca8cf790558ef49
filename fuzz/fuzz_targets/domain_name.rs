//! `DomainName::parse` (and the label and suffix normalisers it shares its rules with) on
//! arbitrary UTF-8.
//!
//! Properties, for every input:
//! - parsing never panics, and an error always has a message;
//! - `TryFrom<String>` (the importer's allocation-free path) agrees with `parse`;
//! - an accepted name is in normal form: lowercase ASCII letters, digits, hyphens and dots,
//!   at most 253 bytes, two labels or more, each 1..=63 bytes, no hyphen at either end of a
//!   label, `--` at positions 3–4 only in `xn--` labels, a TLD that is not all digits;
//! - it is a fixed point (re-parses to itself), also with a root dot appended, in uppercase,
//!   and through serde; its Unicode form (UTS-46 `to_unicode`) parses back to it;
//! - `normalize_suffix` accepts every valid name and gives the same normal form; what it
//!   accepts is a fixed point, a valid name when it has two labels or more, and a valid label
//!   otherwise; what `normalize_label` accepts is a fixed point and a valid label.
#![no_main]

use dragnet_domain::name::{
    DomainName, MAX_LABEL_LEN, MAX_NAME_LEN, normalize_label, normalize_suffix,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    check_name(input);
    check_label(input);
    check_suffix(input);
});

fn check_name(input: &str) {
    let parsed = DomainName::parse(input);
    let via_string = DomainName::try_from(input.to_owned());
    assert_eq!(
        parsed, via_string,
        "parse and TryFrom<String> disagree on {input:?}"
    );
    let name = match parsed {
        Ok(name) => name,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let s = name.as_str();
    assert_normal_name(s, input);

    // A fixed point, whatever the spelling of the same name.
    assert_eq!(
        DomainName::parse(s).as_ref(),
        Ok(&name),
        "not a fixed point: {s:?}"
    );
    assert_eq!(DomainName::parse(&format!("{s}.")).as_ref(), Ok(&name));
    assert_eq!(
        DomainName::parse(&s.to_ascii_uppercase()).as_ref(),
        Ok(&name)
    );
    let json = serde_json::to_string(&name).expect("a name serialises");
    let back: DomainName = serde_json::from_str(&json).expect("a name deserialises");
    assert_eq!(back, name);
    assert_eq!(name.labels().count(), s.split('.').count());

    // The Unicode spelling of a punycode name normalises back to it.
    if s.contains("xn--") {
        let (unicode, result) = idna::domain_to_unicode(s);
        if result.is_ok() {
            assert_eq!(
                DomainName::parse(&unicode).as_ref(),
                Ok(&name),
                "the Unicode form {unicode:?} of {s:?} (input {input:?}) does not normalise back"
            );
        }
    }

    // Every name is also a suffix, with the same normal form.
    assert_eq!(
        normalize_suffix(input).as_deref(),
        Ok(s),
        "a valid name is not the same valid suffix: {input:?}"
    );
}

/// The normal form of a whole name; `input` only for messages.
fn assert_normal_name(s: &str, input: &str) {
    assert!(s.len() <= MAX_NAME_LEN, "{s:?} from {input:?} is too long");
    let labels: Vec<&str> = s.split('.').collect();
    assert!(labels.len() >= 2, "{s:?} from {input:?} has a single label");
    for label in &labels {
        assert_normal_label(label, input);
    }
    let tld = labels.last().copied().unwrap_or_default();
    assert!(
        !tld.bytes().all(|b| b.is_ascii_digit()),
        "{s:?} from {input:?} has a numeric TLD"
    );
}

fn assert_normal_label(label: &str, input: &str) {
    assert!(
        (1..=MAX_LABEL_LEN).contains(&label.len()),
        "label {label:?} from {input:?} has a bad length"
    );
    assert!(
        label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "label {label:?} from {input:?} is not lowercase LDH"
    );
    assert!(
        !label.starts_with('-') && !label.ends_with('-'),
        "label {label:?} from {input:?} has a hyphen at an end"
    );
    if label.get(2..4) == Some("--") {
        assert!(
            label.starts_with("xn--"),
            "label {label:?} from {input:?} has reserved hyphens"
        );
    }
}

fn check_label(input: &str) {
    match normalize_label(input) {
        Ok(label) => {
            assert_normal_label(&label, input);
            assert_eq!(normalize_label(&label).as_deref(), Ok(&*label));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

fn check_suffix(input: &str) {
    match normalize_suffix(input) {
        Ok(suffix) => {
            assert!(suffix.len() <= MAX_NAME_LEN);
            for label in suffix.split('.') {
                assert_normal_label(label, input);
            }
            assert_eq!(normalize_suffix(&suffix).as_deref(), Ok(&*suffix));
            // A single-label suffix is a valid label; more labels make a valid name.
            if suffix.contains('.') {
                assert_eq!(
                    DomainName::parse(&suffix).map(DomainName::into_string),
                    Ok(suffix.clone().into_owned())
                );
            } else {
                assert_eq!(normalize_label(&suffix).as_deref(), Ok(&*suffix));
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
