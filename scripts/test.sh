#!/bin/bash
# `make test`: install what is missing, build, start a throwaway stack on separate ports, run every
# test with ctest against it, tear it down (always). Exits non-zero on any failure.
# env: CHAT_TEST_HTTP_PORT (18080), CHAT_TEST_PG_PORT (15433), CHAT_TEST_BROKER_PUB_PORT (15571),
#      CHAT_TEST_BROKER_SUB_PORT (15572), CHAT_BUILD_DIR (build), CHAT_CMAKE_ARGS; arguments are
#      passed to ctest (e.g. scripts/test.sh -R e2e).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${CHAT_BUILD_DIR:-$REPO/build}"
export CHAT_BUILD_DIR="$BUILD_DIR"

bash scripts/install-deps.sh
bash scripts/build.sh

# A short path: PostgreSQL and FastCGI sockets live in it. Mode 755 so the postgres user and
# nginx workers (nobody) can reach the sockets when we run as root.
RUN="$(mktemp -d /tmp/chat-test.XXXXXX)"
chmod 755 "$RUN"
export CHAT_RUN_DIR="$RUN"
export CHAT_BIN_DIR="$BUILD_DIR/bin"
export CHAT_HTTP_PORT="${CHAT_TEST_HTTP_PORT:-18080}"
export CHAT_PG_PORT="${CHAT_TEST_PG_PORT:-15433}"
export CHAT_BROKER_PUB_PORT="${CHAT_TEST_BROKER_PUB_PORT:-15571}"
export CHAT_BROKER_SUB_PORT="${CHAT_TEST_BROKER_SUB_PORT:-15572}"
export CHAT_PG_FSYNC=off

# Sanitizer reports in any process log fail the run even when every test passed.
sanitizer_reports() {
    grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$RUN"/logs/*.log 2>/dev/null || true
}

teardown() {
    local rc=$?
    set +e
    local reports
    reports=$(sanitizer_reports)
    if [[ -n "$reports" ]]; then
        echo "test: sanitizer reports in: $reports" >&2
        rc=1
    fi
    if [[ $rc -ne 0 && -d "$RUN/logs" ]]; then
        local keep="$REPO/tests/out/logs-$(date -u +%Y%m%dT%H%M%SZ)"
        mkdir -p "$keep" && cp -rL "$RUN/logs/." "$keep/" 2>/dev/null
        echo "test: FAILED; process logs kept in $keep" >&2
    fi
    bash "$REPO/scripts/stack.sh" purge >/dev/null
    exit $rc
}
trap teardown EXIT
trap 'exit 130' INT TERM

bash scripts/stack.sh start
eval "$(bash scripts/stack.sh env)"
export CHAT_TEST_BASE_URL="$CHAT_BASE_URL"
export CHAT_TEST_API_KEY="$(<"$RUN/api-key")"
export CHAT_TEST_ADMIN_KEY="$(<"$RUN/admin-key")"
export CHAT_TEST_RUN_DIR="$RUN"

echo "test: stack up on $CHAT_TEST_BASE_URL; running ctest"
cd "$BUILD_DIR"
ctest --output-on-failure "$@"
