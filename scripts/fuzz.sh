#!/usr/bin/env bash
# Builds Dragnet's cargo-fuzz targets (fuzz/) and runs each one for SECONDS (default 300),
# one after another, with one job. Exits 1 if any target finds a crash, a failed property,
# a timeout or an out-of-memory input; the reproducer is in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler (libFuzzer is built from
# source). The toolchain is stable; cargo-fuzz passes nightly-only flags (-Zsanitizer=address,
# sancov), so RUSTC_BOOTSTRAP=1 is set here. Environment:
#   DRAGNET_FUZZ_TARGETS     targets to run (default: all nine)
#   DRAGNET_FUZZ_TARGET_DIR  Cargo target directory (default /var/tmp/dragnet-fuzz-target)
#   DRAGNET_FUZZ_WORK        working corpora and logs (default /var/tmp/dragnet-fuzz-work);
#                            the committed seeds in fuzz/corpus/<target> are read, never written
# See docs/fuzzing.md.
set -euo pipefail

seconds="${1:-300}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [SECONDS]" >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
read -r -a targets <<< "${DRAGNET_FUZZ_TARGETS:-domain_name generation_config import_line keyword_rules visible_text page_analysis lead_email lead_phone lead_social}"
work="${DRAGNET_FUZZ_WORK:-/var/tmp/dragnet-fuzz-work}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${DRAGNET_FUZZ_TARGET_DIR:-/var/tmp/dragnet-fuzz-target}"
# As `cargo fuzz run` sets it.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "error: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 2
fi

cd "$root/fuzz"
# Built once, then the binaries are run directly: `cargo fuzz run` would rebuild whenever a
# source file changed during the run, and fuzz the later targets on other code.
cargo fuzz build
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$CARGO_TARGET_DIR/$triple/release"
mkdir -p "$work"

failed=()
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$root/fuzz/artifacts/$target"
    log="$work/$target.log"
    echo "=== $target: ${seconds}s (log: $log)"
    # The first corpus directory receives new inputs; the committed seeds come second.
    # -timeout: one input taking 30 s is a finding (the API runs these on requests).
    if "$bin_dir/$target" -artifact_prefix="$root/fuzz/artifacts/$target/" \
        -max_total_time="$seconds" -timeout=30 -dict="dict/$target.dict" \
        -print_final_stats=1 "$work/corpus/$target" "corpus/$target" >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
    echo "    $status: ${runs:-?} executions; last status: ${last:-none}"
    if [[ "$status" == FAILED ]]; then
        { grep -E -A 1 'panicked|ERROR: libFuzzer|Test unit written' "$log" || tail -n 20 "$log"; } |
            head -n 20 | sed 's/^/    /'
    fi
done

if ((${#failed[@]})); then
    echo "fuzzing failed: ${failed[*]} (reproducers in fuzz/artifacts/)" >&2
    exit 1
fi
echo "all targets ran ${seconds}s without a failure"
