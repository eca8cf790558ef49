#!/usr/bin/env bash
# Runs schemathesis (property-based API testing) against docs/openapi.json and a live
# `dragnet serve` on a scratch SQLite database, with an admin token. Exits non-zero on any
# failed check (a 5xx, an undocumented status code or content type, a response that does not
# match its schema, …) or when the server panics or does not stop cleanly.
#
#   scripts/schemathesis.sh [EXTRA SCHEMATHESIS ARGS…]
#
# Nothing may leave the machine: the server and schemathesis run in a fresh network namespace
# with only the loopback interface (`unshare --net`), so campaigns that schemathesis creates
# and starts cannot reach DNS resolvers or web sites — their phases fail with "network
# unreachable" instead. As root this needs nothing more; otherwise an unprivileged user
# namespace (`unshare --net --map-root-user`) or password-less sudo is used, and without any
# of them the script refuses to run.
#
# Needs: cargo, schemathesis (`pip install schemathesis`, 4.x), curl, ip (iproute2), unshare.
# Environment:
#   DRAGNET_ST_PROFILE       debug (default) or release: which build of `dragnet` to test
#   DRAGNET_ST_MAX_EXAMPLES  test cases per operation and phase (default 25)
#   DRAGNET_ST_SEED          schemathesis seed (default: random; the run prints it)
#   DRAGNET_ST_EXCLUDE_CHECKS checks not run (default: see below; empty runs all)
#   DRAGNET_ST_REPORT_DIR    JUnit report and server log (default $TMPDIR/dragnet-schemathesis)
#   CARGO_TARGET_DIR         as for cargo
# See docs/fuzzing.md ("Schemathesis") for the checks and why some are excluded.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
self="$root/scripts/schemathesis.sh"

# The checks that are not run, each with its reason in docs/fuzzing.md (an empty
# DRAGNET_ST_EXCLUDE_CHECKS runs them all).
excluded_checks="${DRAGNET_ST_EXCLUDE_CHECKS-unsupported_method,allow_header_conformance,positive_data_acceptance}"

if [[ "${1:-}" != "--in-namespace" ]]; then
    for tool in cargo schemathesis curl ip unshare; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "error: $tool is not installed" >&2
            exit 2
        fi
    done
    profile="${DRAGNET_ST_PROFILE:-debug}"
    case "$profile" in
        debug) cargo_flags=() ;;
        release) cargo_flags=(--release) ;;
        *) echo "error: DRAGNET_ST_PROFILE must be debug or release" >&2; exit 2 ;;
    esac
    (cd "$root" && cargo build --quiet -p dragnet "${cargo_flags[@]}")
    target_dir="${CARGO_TARGET_DIR:-$root/target}"
    bin="$target_dir/$profile/dragnet"
    # Everything below runs in a network namespace with only the loopback interface.
    if [[ "$(id -u)" == 0 ]]; then
        exec unshare --net -- "$self" --in-namespace "$bin" "$@"
    elif unshare --net --map-root-user -- true 2>/dev/null; then
        exec unshare --net --map-root-user -- "$self" --in-namespace "$bin" "$@"
    elif sudo -n true 2>/dev/null; then
        exec sudo -n --preserve-env env "PATH=$PATH" unshare --net -- "$self" --in-namespace "$bin" "$@"
    else
        echo "error: cannot make a network namespace (run as root, allow unprivileged user" \
            "namespaces, or allow sudo); refusing to run with network access" >&2
        exit 2
    fi
fi

# --- Inside the namespace. ---
shift
bin="$1"
shift
ip link set lo up
if ip -o link show | grep -v ': lo:' | grep -q .; then
    echo "error: the namespace has interfaces other than loopback" >&2
    exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/dragnet-schemathesis.XXXXXX")"
report_dir="${DRAGNET_ST_REPORT_DIR:-${TMPDIR:-/tmp}/dragnet-schemathesis}"
mkdir -p "$report_dir"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="$work/dragnet.db"
export DRAGNET_LOG="${DRAGNET_LOG:-warn}"
# Schemathesis sends invalid tokens on purpose (the `ignored_auth` check); with the default
# limit its address would get 429s for the rest of the minute, valid token or not.
export DRAGNET_AUTH__FAILURES_PER_MINUTE=100000
# Private addresses stay refused (the SSRF guard is part of what is tested); the namespace
# is what keeps the engine off the network.
unset DRAGNET_ENGINE__ALLOW_PRIVATE_ADDRESSES

seed="${DRAGNET_ST_SEED:-}"
max_examples="${DRAGNET_ST_MAX_EXAMPLES:-25}"
# `dragnet` refuses unknown DRAGNET_* settings, so this script's own variables go.
unset "${!DRAGNET_ST_@}"

if ! token="$("$bin" token create --role admin --name schemathesis 2>"$work/token.log")"; then
    echo "error: dragnet token create failed:" >&2
    cat "$work/token.log" >&2
    exit 1
fi
# A fresh namespace has no listeners, so a fixed port is free.
port=8080
"$bin" serve --bind "127.0.0.1:$port" >"$report_dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "error: dragnet serve exited; its log:" >&2
        cat "$report_dir/server.log" >&2
        exit 1
    fi
    sleep 0.1
done

extra_args=()
if [[ -n "$seed" ]]; then
    extra_args+=(--seed "$seed")
fi
if [[ -n "$excluded_checks" ]]; then
    extra_args+=(--exclude-checks "$excluded_checks")
fi
# Two passes: `DELETE /tokens/{id}` would revoke the token the run uses (the stateful phase
# finds its id through `GET /tokens`), after which every request gets a 401; so it is tested
# last, on its own.
run() {
    # From the scratch directory, so that schemathesis' example database stays out of the tree.
    (
        cd "$work"
        schemathesis run "$root/docs/openapi.json" \
            --url "http://127.0.0.1:$port" \
            --header "Authorization: Bearer $token" \
            --checks all \
            --max-examples "$max_examples" \
            --request-timeout 30 \
            --report junit \
            --report-dir "$report_dir/$1" \
            "${extra_args[@]}" \
            "${@:2}"
    )
}
status=0
run main --exclude-operation-id revokeToken "$@" || status=$?
run revoke --include-operation-id revokeToken "$@" || status=$?

kill "$server_pid"
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""
if [[ "$server_status" != 0 ]]; then
    echo "error: dragnet serve exited with status $server_status on SIGTERM" >&2
    status=1
fi
if grep -q 'panicked' "$report_dir/server.log"; then
    echo "error: the server panicked; see $report_dir/server.log" >&2
    grep -m 5 -A 3 'panicked' "$report_dir/server.log" >&2
    status=1
fi
echo "report and server log: $report_dir"
exit "$status"
