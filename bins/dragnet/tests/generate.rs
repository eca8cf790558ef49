//! `dragnet generate`, run as the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .arg("generate")
        .args(args)
        .output()
        .expect("running dragnet")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 errors")
}

/// The documented example of `docs/generation.md`.
const EXAMPLE: [&str; 16] = [
    "--pattern-type",
    "both",
    "--constant",
    "shop",
    "--charset",
    "ab",
    "--prefix-length",
    "1",
    "--suffix-length",
    "2",
    "--tld",
    "com",
    "--tld",
    "net",
    "--tld",
    "рф",
];

#[test]
fn prints_the_documented_example() {
    let output = dragnet(&[&EXAMPLE[..], &["--count", "20"]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let expected = "\
ashopaa.com
ashopab.com
ashopba.com
ashopbb.com
bshopaa.com
bshopab.com
bshopba.com
bshopbb.com
ashopaa.net
ashopab.net
ashopba.net
ashopbb.net
bshopaa.net
bshopab.net
bshopba.net
bshopbb.net
ashopaa.xn--p1ai
ashopab.xn--p1ai
ashopba.xn--p1ai
ashopbb.xn--p1ai
";
    assert_eq!(stdout(&output), expected);
}

#[test]
fn offset_and_a_count_beyond_the_end_warn() {
    let output = dragnet(&[&EXAMPLE[..], &["--offset", "21", "--count", "10"]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "bshopab.xn--p1ai\nbshopba.xn--p1ai\nbshopbb.xn--p1ai\n"
    );
    assert_eq!(
        stderr(&output),
        "warning: the pattern has 24 names; from offset 21 only 3 remain, printing those\n"
    );
}

#[test]
fn invalid_configurations_exit_2_naming_the_flag() {
    let output = dragnet(&[
        "--pattern-type",
        "both",
        "--charset",
        "a-b",
        "--prefix-length",
        "1",
        "--suffix-length",
        "1",
        "--tld",
        "com",
        "--tld",
        "COM",
        "--count",
        "5",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    let errors = stderr(&output);
    assert_eq!(errors.lines().count(), 2, "{errors}");
    assert!(
        errors.starts_with("error: --charset: must not contain a hyphen"),
        "{errors}"
    );
    assert!(
        errors.contains("error: --tld `COM` (#2): duplicates --tld #1 (both are `com`)"),
        "{errors}"
    );
    assert!(!errors.contains("panicked"), "{errors}");
}

#[test]
fn exhausted_offset_and_zero_count_exit_2() {
    let output = dragnet(&[&EXAMPLE[..], &["--offset", "24", "--count", "0"]].concat());
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains("error: --count: must be at least 1"),
        "{errors}"
    );
    assert!(
        errors.contains("error: --offset: must be less than the number of names"),
        "{errors}"
    );
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &[
            "--pattern-type",
            "middle",
            "--charset",
            "a",
            "--tld",
            "com",
            "--count",
            "1",
        ][..],
        &["--pattern-type", "prefix", "--charset", "a", "--count", "1"][..],
        &[
            "--pattern-type",
            "prefix",
            "--charset",
            "a",
            "--tld",
            "com",
            "--count",
            "-1",
        ][..],
    ] {
        let output = dragnet(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&output), "");
        assert!(!stderr(&output).contains("panicked"));
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // 36^6 ≈ 2 × 10^9 names: far more than a pipe buffers.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args([
            "generate",
            "--pattern-type",
            "both",
            "--constant",
            "shop",
            "--charset",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "--prefix-length",
            "3",
            "--suffix-length",
            "3",
            "--tld",
            "com",
            "--count",
            "1000000000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running dragnet");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let first = lines.next().expect("a line").expect("readable");
    assert_eq!(first, "aaashopaaa.com");
    drop(lines); // like `| head -1`
    let output = child.wait_with_output().expect("dragnet exits");
    assert!(output.status.success(), "{:?}", output.status);
    assert_eq!(stderr(&output), "");
}
