#!/bin/bash
# `make test`: install what is missing, build, start a throwaway stack on separate ports, run every
# test with ctest against it, tear it down (always). Exits non-zero on any failure.
# env: CHAT_LOCAL_DELAY_MS (40 for the stack here), CHAT_TEST_HTTP_PORT (18080),
#      CHAT_TEST_PG_PORT (15433), CHAT_TEST_BROKER_PUB_PORT (15571), CHAT_TEST_BROKER_SUB_PORT
#      (15572), CHAT_TEST_FAKE_MODEL_PORT (18081), CHAT_BUILD_DIR (build), CHAT_CMAKE_ARGS.
# Arguments are passed to ctest (e.g. scripts/test.sh -R e2e).
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
# Settings for the stack's processes only (not the tests, whose own workers choose theirs).
# Replies last a few seconds (64 tokens x 40 ms) so tests can interrupt, cancel and resume them.
stack_env=("CHAT_LOCAL_DELAY_MS=${CHAT_LOCAL_DELAY_MS:-40}")

# Sanitizer reports in any process log fail the run even when every test passed.
sanitizer_reports() {
    grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$RUN"/logs/*.log 2>/dev/null || true
}

FAKE_MODEL_PID=""

# chat-fake-model (tests/backends) stands in for OpenAI-compatible and Anthropic upstreams; the
# workers see it through an agents file with agents e2e-openai and e2e-anthropic.
start_fake_model() {
    local bin="$BUILD_DIR/bin/chat-fake-model" port="${CHAT_TEST_FAKE_MODEL_PORT:-18081}"
    if [[ ! -x "$bin" ]]; then
        echo "test: $bin not built; backend end-to-end tests will fail" >&2
        return 0
    fi
    mkdir -p "$RUN/logs"
    "$bin" --port "$port" </dev/null >"$RUN/logs/fake-model.log" 2>&1 &
    FAKE_MODEL_PID=$!
    local deadline=$((SECONDS + 10))
    until grep -q '^listening' "$RUN/logs/fake-model.log"; do
        if ((SECONDS >= deadline)) || ! kill -0 "$FAKE_MODEL_PID" 2>/dev/null; then
            cat "$RUN/logs/fake-model.log" >&2
            echo "test: chat-fake-model did not start on port $port" >&2
            exit 1
        fi
        sleep 0.05
    done
    cat >"$RUN/agents.json" <<EOF
{
  "agents": {
    "e2e-openai": {"backend": "openai", "base_url": "http://127.0.0.1:$port/v1",
                   "api_key_env": "", "model": "fake-gpt"},
    "e2e-anthropic": {"backend": "anthropic", "base_url": "http://127.0.0.1:$port",
                      "api_key_env": "CHAT_TEST_FAKE_MODEL_KEY", "model": "fake-claude"}
  }
}
EOF
    # The Anthropic client requires a key.
    stack_env+=("CHAT_AGENTS_FILE=$RUN/agents.json" "CHAT_TEST_FAKE_MODEL_KEY=fake-key")
    export CHAT_TEST_FAKE_MODEL_URL="http://127.0.0.1:$port"
}

teardown() {
    local rc=$?
    set +e
    if [[ -n "$FAKE_MODEL_PID" ]]; then
        kill "$FAKE_MODEL_PID" 2>/dev/null
        wait "$FAKE_MODEL_PID" 2>/dev/null
    fi
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

start_fake_model
env "${stack_env[@]}" bash scripts/stack.sh start
eval "$(bash scripts/stack.sh env)"
export CHAT_TEST_BASE_URL="$CHAT_BASE_URL"
export CHAT_TEST_API_KEY="$(<"$RUN/api-key")"
export CHAT_TEST_ADMIN_KEY="$(<"$RUN/admin-key")"
export CHAT_TEST_RUN_DIR="$RUN"

echo "test: stack up on $CHAT_TEST_BASE_URL; running ctest"
cd "$BUILD_DIR"
ctest --output-on-failure "$@"
