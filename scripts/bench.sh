#!/bin/bash
# `make bench`: builds, then for each scenario starts a dedicated stack (its own run directory and
# ports, never those of `make run` or `make test`), runs build/bin/chat-bench several times,
# prints the medians against the targets of issue 7, writes tests/bench/results.json and tears
# everything down. Figures and what limits them: docs/benchmarks.md.
# env: CHAT_BENCH_RUNS (3), CHAT_BENCH_SCENARIOS ("turns fanout resume streams backlog sql"),
#      CHAT_BENCH_HTTP_PORT (28080), CHAT_BENCH_PG_PORT (25434), CHAT_BENCH_BROKER_PUB_PORT (25581),
#      CHAT_BENCH_BROKER_SUB_PORT (25582), CHAT_BENCH_PG_FSYNC (off: see docs/benchmarks.md), CHAT_BENCH_STREAMS (10000),
#      CHAT_BENCH_OUT (tests/bench/results.json), CHAT_BUILD_DIR (build), CHAT_BENCH_SKIP_BUILD.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${CHAT_BUILD_DIR:-$REPO/build}"
export CHAT_BUILD_DIR="$BUILD_DIR"
RUNS="${CHAT_BENCH_RUNS:-3}"
SCENARIOS="${CHAT_BENCH_SCENARIOS:-turns fanout resume streams backlog sql}"
STREAMS="${CHAT_BENCH_STREAMS:-10000}"
# A partial run (some scenarios) must not overwrite the committed figures with nulls.
if [[ -n "${CHAT_BENCH_SCENARIOS:-}" ]]; then
    RESULTS="${CHAT_BENCH_OUT:-${TMPDIR:-/tmp}/chat-bench-results.json}"
else
    RESULTS="${CHAT_BENCH_OUT:-$REPO/tests/bench/results.json}"
fi
BENCH_USERS=64
BUDGET_S=840  # `make bench` must end within 15 minutes (see runs_now)

say() { echo "bench: $*"; }

if [[ -z "${CHAT_BENCH_SKIP_BUILD:-}" ]]; then
    bash scripts/install-deps.sh
    bash scripts/build.sh
fi
BIN="$BUILD_DIR/bin"
[[ -x "$BIN/chat-bench" ]] || { echo "bench: $BIN/chat-bench was not built" >&2; exit 1; }

RUN="$(mktemp -d /tmp/chat-bench.XXXXXX)"
chmod 755 "$RUN"
OUT="$RUN/out"
mkdir -p "$OUT"
# The stacks live in their own directory: each scenario purges it (see stack_start).
STACK_DIR="$RUN/stack"
export CHAT_RUN_DIR="$STACK_DIR" CHAT_BIN_DIR="$BIN"
export CHAT_HTTP_PORT="${CHAT_BENCH_HTTP_PORT:-28080}"
export CHAT_PG_PORT="${CHAT_BENCH_PG_PORT:-25434}"
export CHAT_BROKER_PUB_PORT="${CHAT_BENCH_BROKER_PUB_PORT:-25581}"
export CHAT_BROKER_SUB_PORT="${CHAT_BENCH_BROKER_SUB_PORT:-25582}"
export CHAT_PG_FSYNC="${CHAT_BENCH_PG_FSYNC:-off}"
# 10,000 streams are 10,000 sockets in chat-bench and in chat-stream: use the hard limit.
ulimit -n "$(ulimit -Hn)"

teardown() {
    local rc=$?
    set +e
    bash "$REPO/scripts/stack.sh" purge >/dev/null 2>&1
    rm -rf "$RUN"
    exit $rc
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Stacks: each scenario gets the stack configuration it measures (printed with the figures).

STACK_CONFIG=""
stack_start() {  # VAR=value ... (the stack's environment for this scenario)
    # An empty database for every scenario: what an earlier one left (autovacuum of its turns,
    # grown conversations) must not load the next one's figures.
    bash scripts/stack.sh purge >>"$RUN/stack.log" 2>&1 || true
    mkdir -p "$STACK_DIR"
    chmod 755 "$STACK_DIR"
    STACK_CONFIG="$*"
    say "stack: $STACK_CONFIG"
    env "$@" bash scripts/stack.sh start >>"$RUN/stack.log" 2>&1 ||
        { tail -n 20 "$RUN/stack.log" >&2; echo "bench: stack did not start" >&2; exit 1; }
    eval "$(bash scripts/stack.sh env)"
    # One user per client, with limits the load never hits: one user's requests serialise
    # on its rate and limit rows, which is not how many people chatting load the stack.
    local i
    for ((i = 1; i <= BENCH_USERS; i++)); do
        "$BIN/chatctl" user add "bench$i" --max-running 1000000 --rate 100000000 \
            --max-chats 10000000 2>>"$RUN/stack.log"
    done >"$RUN/bench-keys"
    export CHAT_BENCH_KEYS_FILE="$RUN/bench-keys"
}

# One worker process with 32 runners, as one machine should run it: each worker process hears
# every wake-up and claims for it (docs/benchmarks.md: 2 x 16 cost 0.8 claims a turn, 1 x 32 0.23).
FAST=(CHAT_WORKERS="${CHAT_BENCH_WORKERS:-1}" CHAT_WORKER_CONCURRENCY="${CHAT_BENCH_WORKER_CONCURRENCY:-32}"
    CHAT_API_PROCS="${CHAT_BENCH_API_PROCS:-1}" CHAT_STREAM_PROCS="${CHAT_BENCH_STREAM_PROCS:-1}")

# ---------------------------------------------------------------------------------------------
# Runs and figures

# Seconds a scenario takes with 3 runs (stack starts included), measured on 2 cores. A scenario
# runs once instead when its full runs and those of the scenarios after it would pass the budget.
declare -A FULL_COST=([turns]=90 [fanout]=35 [resume]=35 [streams]=110 [backlog]=120 [sql]=50)
REMAINING_COST=0
for s in $SCENARIOS; do REMAINING_COST=$((REMAINING_COST + ${FULL_COST[$s]:-0})); done
runs_now() {
    if ((SECONDS + REMAINING_COST <= BUDGET_S)); then echo "$RUNS"; else echo 1; fi
}

run_scenario() {  # label runs chat-bench-arguments...
    local label=$1 n=$2 i rc
    shift 2
    for ((i = 1; i <= n; i++)); do
        set +e
        "$BIN/chat-bench" "$@" >"$OUT/$label.$i" 2>&1
        rc=$?
        set -e
        show_run "$label" "$i"
        ((rc <= 1)) || say "$label run $i failed (exit $rc)"
    done
}

show_run() {  # label run: what chat-bench printed, without its RESULT lines
    sed -e '/^RESULT /d' -e '/^chat-bench /d' -e "s/^/  [$1 #$2] /" "$OUT/$1.$2"
}

# CPU time of the stack's processes, one line "<name> <ms>" each (name: postgres, nginx,
# chat-worker, ...), plus "machine <ms>" for all of the machine (/proc/stat). The load tool
# prints its own.
CLK_TCK=$(getconf CLK_TCK)
CPU_NAMES=(postgres chat-worker nginx chat-api chat-stream chat-broker machine)  # as reported
stack_cpu_ms() {
    local pids=() f pm
    for f in "$STACK_DIR"/pids/*.pid; do
        [[ -f $f && $f != *.sup.pid ]] && pids+=("$(cat "$f")")
    done
    for pm in "$STACK_DIR"/pg/postmaster.pid "$STACK_DIR"/runtime/pg/postmaster.pid; do
        [[ -f $pm ]] && pids+=("$(head -n 1 "$pm")")
    done
    # nginx workers and PostgreSQL backends are children of the masters found above.
    mapfile -t -O "${#pids[@]}" pids < <(for f in "${pids[@]}"; do pgrep -P "$f" || true; done)
    for f in "${pids[@]}"; do cat "/proc/$f/stat" 2>/dev/null || true; done |
        awk -v hz="$CLK_TCK" '{ name = $2; gsub(/[()]/, "", name)
            t[name] += ($14 + $15) * 1000 / hz } END { for (n in t) print n, t[n] }'
    # Busy: user, nice, system, irq, softirq; steal: time the hypervisor gave another guest.
    awk -v hz="$CLK_TCK" '$1 == "cpu" { print "machine", ($2 + $3 + $4 + $7 + $8) * 1000 / hz
        print "steal", $9 * 1000 / hz }' /proc/stat
}

# A turns run with each process's CPU a turn over its measuring window: RESULT cpu_ms_<name>
# lines beside chat-bench's own (docs/benchmarks.md, "Why targets are missed").
run_turns_with_cpu() {  # label runs warmup_s duration_s chat-bench-turns-arguments...
    local label=$1 n=$2 warmup=$3 duration=$4 i pid
    shift 4
    for ((i = 1; i <= n; i++)); do
        "$BIN/chat-bench" turns --warmup "$warmup" --duration "$duration" "$@" >"$OUT/$label.$i" 2>&1 &
        pid=$!
        sleep "$warmup"
        stack_cpu_ms >"$RUN/cpu.before"
        sleep "$duration"
        stack_cpu_ms >"$RUN/cpu.after"
        wait "$pid" || say "$label run $i failed (exit $?)"
        local turns
        turns=$(awk '$1 == "RESULT" && $2 == "turns_per_s" { print $3 }' "$OUT/$label.$i")
        join <(sort "$RUN/cpu.before") <(sort "$RUN/cpu.after") |
            awk -v n="$(awk -v t="${turns:-0}" -v d="$duration" 'BEGIN { print t * d }')" \
                -v wall_ms="$((duration * 1000 * CORES))" 'n > 0 {
                printf "RESULT cpu_ms_%s %.3f\n", $1, ($3 - $2) / n
                if ($1 == "machine" || $1 == "steal")
                    printf "RESULT %s_pct %.1f\n", $1, 100 * ($3 - $2) / wall_ms }' >>"$OUT/$label.$i"
        show_run "$label" "$i"
    done
}

# A turns run that also places each turn's stages between the POST and `done`: the load tool's
# times against the turn's own timestamps in PostgreSQL (tests/bench/turn_stages.sql), as
# RESULT stage_* lines. What shows where the first token's time goes (docs/benchmarks.md).
run_turns_with_stages() {  # label runs chat-bench-turns-arguments...
    local label=$1 n=$2 i rc
    shift 2
    for ((i = 1; i <= n; i++)); do
        set +e
        "$BIN/chat-bench" turns --timeline "$RUN/timeline.csv" "$@" >"$OUT/$label.$i" 2>&1
        rc=$?
        set -e
        psql -X -q -At -v ON_ERROR_STOP=1 "$CHAT_DB_URL" -f "$REPO/tests/bench/turn_stages.sql" \
            <"$RUN/timeline.csv" >>"$OUT/$label.$i" 2>>"$RUN/stack.log" ||
            say "$label run $i: no stages (see $RUN/stack.log)"
        show_run "$label" "$i"
        ((rc <= 1)) || say "$label run $i failed (exit $rc)"
    done
}

values() { cat "$OUT/$1".* 2>/dev/null | awk -v k="$2" '$1 == "RESULT" && $2 == k { print $3 }'; }
median() {
    values "$1" "$2" | sort -g | awk '{ a[NR] = $1 } END {
        if (NR == 0) print "null"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
nruns() { find "$OUT" -name "$1.[0-9]*" | wc -l; }
all_values() { cat "$OUT"/* 2>/dev/null | awk -v k="$1" '$1 == "RESULT" && $2 == k { print $3 }'; }
total() { values "$1" "$2" | awk '{ s += $1 } END { if (NR == 0) print "null"; else print s }'; }

# ---------------------------------------------------------------------------------------------
# Scenarios

bench_turns() {
    stack_start "${FAST[@]}" CHAT_LOCAL_TOKENS=64 CHAT_LOCAL_DELAY_MS=0
    run_turns_with_cpu turns_c64 "$(runs_now)" 1 5 --port "$CHAT_HTTP_PORT" --clients 64
    run_turns_with_stages turns_c16 "$(runs_now)" --port "$CHAT_HTTP_PORT" --clients 16 --warmup 1 --duration 5
    # One client: the latency of the path itself, with no queue in front of any stage (a closed
    # loop of 16 clients keeps the machine saturated, so its latencies are 16 / throughput).
    run_scenario turns_c1 "$(runs_now)" turns --port "$CHAT_HTTP_PORT" --clients 1 --warmup 1 --duration 4
}

bench_fanout() {
    stack_start "${FAST[@]}" CHAT_LOCAL_TOKENS="${CHAT_BENCH_FANOUT_TOKENS:-1024}" CHAT_LOCAL_DELAY_MS=0
    run_scenario fanout "$(runs_now)" fanout --port "$CHAT_HTTP_PORT" --clients 32 --tabs 4 --warmup 1 --duration 5
}

bench_resume() {
    # 5 ms a token: drops land while tokens still flow, so live and replayed tokens must merge.
    stack_start "${FAST[@]}" CHAT_STREAM_PROCS=2 CHAT_LOCAL_TOKENS=64 CHAT_LOCAL_DELAY_MS=5
    # A short pass first, not counted (like the other scenarios' warm-up second): on a new stack
    # the first reconnects pay for cold connections and plans, and one run's p99 is ~10 drops.
    "$BIN/chat-bench" resume --port "$CHAT_HTTP_PORT" --clients 32 --drops 200 --tokens 64 \
        --away-ms 20 >"$RUN/resume-warmup.log" 2>&1 || true
    run_scenario resume "$(runs_now)" resume --port "$CHAT_HTTP_PORT" --clients 32 --drops 1000 --tokens 64 --away-ms 20
}

bench_streams() {
    local i n
    n=$(runs_now)
    for ((i = 1; i <= n; i++)); do  # a fresh stack each run: nginx keeps memory it once used
        stack_start CHAT_WORKERS=2 CHAT_WORKER_CONCURRENCY=100 CHAT_LOCAL_TOKENS=1000 CHAT_LOCAL_DELAY_MS=2000
        run_scenario "streams.run$i" 1 streams --port "$CHAT_HTTP_PORT" --streams "$STREAMS" \
            --turns 200 --queued-turns 10 --hold 20 --pid-dir "$STACK_DIR/pids"
        mv "$OUT/streams.run$i.1" "$OUT/streams.$i"
    done
}

bench_backlog() {
    # No worker runs while the backlog is enqueued; chat-bench starts 2 and times the drain.
    stack_start CHAT_WORKERS=0
    CHAT_WORKER_CONCURRENCY="${CHAT_BENCH_WORKER_CONCURRENCY:-16}" CHAT_LOCAL_TOKENS=64 CHAT_LOCAL_DELAY_MS=0 \
        run_scenario backlog "$(runs_now)" backlog --turns 10000 --workers 2 --worker-bin "$BIN/chat-worker" \
        --timeout 100 --worker-log "$STACK_DIR/logs/bench-workers.log"
}

bench_sql() {
    # PostgreSQL alone: the SQL of one turn (tests/bench/turn_sql.pgbench) from one pgbench
    # client, no stack processes competing for the cores. Steadier than turns/s on this shared
    # machine, and what a change to sql/ moves.
    stack_start CHAT_WORKERS=0
    local pgbench db i n
    pgbench="$(ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1)"
    [[ -x "$pgbench" ]] || { say "sql: no pgbench found; skipped"; return 0; }
    db=(psql -X -q -v ON_ERROR_STOP=1 "$CHAT_DB_URL")
    # The bench users' keys are ck_<key id>_<secret>; each user gets 8 conversations.
    while read -r key; do
        local rest=${key#ck_} kid sec
        kid=${rest%%_*}
        sec=${rest#*_}
        echo "INSERT INTO bench_map(uid, cid, kid, sec) SELECT k.user_id,
              (create_conversation(k.user_id, NULL, NULL)->>'id')::uuid, k.key_id, '$sec'
              FROM api_keys k, generate_series(1, 8) WHERE k.key_id = '$kid';"
    done <"$CHAT_BENCH_KEYS_FILE" | "${db[@]}" -c "CREATE TABLE bench_map(i serial PRIMARY KEY,
        uid uuid, cid uuid, kid text, sec text)" -f - >>"$RUN/stack.log" 2>&1 ||
        { say "sql: set-up failed (see $RUN/stack.log); skipped"; return 0; }
    # Steady state, as a running deployment is: a few thousand turns, then fresh statistics.
    "$pgbench" -n -M prepared -c 1 -t 3000 -f "$REPO/tests/bench/turn_sql.pgbench" "$CHAT_DB_URL" \
        >"$RUN/sql-warmup.log" 2>&1 || { tail -n 5 "$RUN/sql-warmup.log" >&2; return 0; }
    "${db[@]}" -c "VACUUM ANALYZE" >>"$RUN/stack.log" 2>&1
    n=$(runs_now)
    for ((i = 1; i <= n; i++)); do
        "$pgbench" -n -M prepared -c 1 -t 3000 -f "$REPO/tests/bench/turn_sql.pgbench" \
            "$CHAT_DB_URL" >"$RUN/sql.$i.log" 2>&1
        awk '/^tps = / { print "RESULT sql_turns_per_s " $3 }' "$RUN/sql.$i.log" >"$OUT/sql.$i"
        sed -e 's/^/  [sql #'"$i"'] /' "$OUT/sql.$i"
    done
}

# ---------------------------------------------------------------------------------------------
# Report

VERSION="$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)"
CORES="$(nproc)"
MEM_MIB="$(awk '/MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
CPU_MODEL="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"

# figure | median | target | comparison (ge: at least, lt: under, eq: exactly)
check() {  # name value target op
    local ok
    if [[ "$2" == null ]]; then ok="NOT RUN"; else
        ok=$(awk -v v="$2" -v t="$3" -v op="$4" 'BEGIN {
            r = (op == "ge") ? v >= t : (op == "lt") ? v < t : v == t; print r ? "met" : "MISSED" }')
    fi
    printf '  %-44s %12s   target %s %-8s %s\n' "$1" "$2" "$([[ $4 == ge ]] && echo '>=' || ([[ $4 == lt ]] && echo '<' || echo '='))" "$3" "$ok"
}

report() {
    echo
    say "version $VERSION; machine: $CORES cores ($CPU_MODEL), $MEM_MIB MiB RAM; PostgreSQL fsync=$CHAT_PG_FSYNC"
    say "medians of $RUNS runs (1 where the time budget said so; sums for gaps/dups/lost):"
    check "turns/s at C=64" "$(median turns_c64 turns_per_s)" 1000 ge
    check "POST->first token p50 ms at C=16" "$(median turns_c16 ttft_p50_ms)" 5 lt
    check "POST->first token p99 ms at C=16" "$(median turns_c16 ttft_p99_ms)" 25 lt
    check "POST->first token p50 ms at C=1 (no queue)" "$(median turns_c1 ttft_p50_ms)" 5 lt
    check "POST->first token p99 ms at C=1 (no queue)" "$(median turns_c1 ttft_p99_ms)" 25 lt
    check "streams held (of $STREAMS)" "$(median streams streams_held)" "$STREAMS" ge
    check "stack RSS MiB holding the streams" "$(median streams rss_mib_streams)" 512 lt
    check "fan-out token events/s" "$(median fanout events_per_s)" 200000 ge
    check "resume p99 ms (reconnect -> first event)" "$(median resume resume_p99_ms)" 10 lt
    check "resume gaps" "$(total resume resume_gaps)" 0 eq
    check "resume duplicates" "$(total resume resume_dups)" 0 eq
    check "backlog drain turns/s (2 workers)" "$(median backlog backlog_turns_per_s)" 1000 ge
    check "backlog turns lost" "$(total backlog backlog_lost)" 0 eq
    check "backlog turns answered twice" "$(total backlog backlog_done_twice)" 0 eq
    printf '  %-44s %12s   (no target: PostgreSQL alone, see docs/benchmarks.md)\n' \
        "one turn's SQL, 1 pgbench client, turns/s" "$(median sql sql_turns_per_s)"
    local cpu="" name
    for name in "${CPU_NAMES[@]}"; do
        cpu+=" $name $(median turns_c64 "cpu_ms_$name"),"
    done
    echo "  CPU ms a turn at C=64 (at 1,000 turns/s, $CORES cores give $CORES.000):${cpu%,};" \
        "the cores were $(median turns_c64 machine_pct) % busy, $(median turns_c64 steal_pct) % stolen by other guests"
    echo "  more: POST->202 p50/p99 ms C=64 $(median turns_c64 post_p50_ms)/$(median turns_c64 post_p99_ms)," \
        "C=16 $(median turns_c16 post_p50_ms)/$(median turns_c16 post_p99_ms);" \
        "POST->done p50/p99 ms C=16 $(median turns_c16 done_p50_ms)/$(median turns_c16 done_p99_ms);" \
        "RSS per 1,000 streams $(median streams rss_mib_per_1000_streams) MiB"
    echo "  C=16 stages, p50 ms: POST sent -> post_message $(median turns_c16 stage_to_post_txn_ms)," \
        "-> 202 $(median turns_c16 stage_post_txn_to_202_ms); post_message -> claim" \
        "$(median turns_c16 stage_post_txn_to_claim_txn_ms) -> first token" \
        "$(median turns_c16 stage_claim_txn_to_first_token_ms) -> finish" \
        "$(median turns_c16 stage_first_token_to_finish_txn_ms) -> done" \
        "$(median turns_c16 stage_finish_txn_to_done_ms) (docs/benchmarks.md, item 2)"
}

write_json() {
    local tmp="$RESULTS.tmp"
    cat >"$tmp" <<JSON
{
  "version": "$VERSION",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"cores": $CORES, "memory_mib": $MEM_MIB, "cpu": "$CPU_MODEL"},
  "config": {"runs": {"turns_c64": $(nruns turns_c64), "turns_c16": $(nruns turns_c16),
                      "turns_c1": $(nruns turns_c1),
                      "fanout": $(nruns fanout), "resume": $(nruns resume),
                      "streams": $(nruns streams), "backlog": $(nruns backlog),
                      "sql": $(nruns sql)},
             "pg_fsync": "$CHAT_PG_FSYNC", "streams": $STREAMS, "bench_users": $BENCH_USERS,
             "fast_stack": "${FAST[*]}"},
  "turns_per_s_c64": $(median turns_c64 turns_per_s),
  "post_p50_ms_c64": $(median turns_c64 post_p50_ms),
  "post_p99_ms_c64": $(median turns_c64 post_p99_ms),
  "ttft_p50_ms_c64": $(median turns_c64 ttft_p50_ms),
  "ttft_p99_ms_c64": $(median turns_c64 ttft_p99_ms),
  "turns_per_s_c16": $(median turns_c16 turns_per_s),
  "post_p50_ms_c16": $(median turns_c16 post_p50_ms),
  "post_p99_ms_c16": $(median turns_c16 post_p99_ms),
  "ttft_p50_ms_c16": $(median turns_c16 ttft_p50_ms),
  "ttft_p99_ms_c16": $(median turns_c16 ttft_p99_ms),
  "done_p50_ms_c16": $(median turns_c16 done_p50_ms),
  "done_p99_ms_c16": $(median turns_c16 done_p99_ms),
  "turns_per_s_c1": $(median turns_c1 turns_per_s),
  "post_p50_ms_c1": $(median turns_c1 post_p50_ms),
  "ttft_p50_ms_c1": $(median turns_c1 ttft_p50_ms),
  "ttft_p99_ms_c1": $(median turns_c1 ttft_p99_ms),
  "streams_held": $(median streams streams_held),
  "rss_mib_streams": $(median streams rss_mib_streams),
  "pss_mib_streams": $(median streams pss_mib_streams),
  "rss_mib_per_1000_streams": $(median streams rss_mib_per_1000_streams),
  "events_per_s": $(median fanout events_per_s),
  "resume_away_ms": 20,
  "resume_p50_ms": $(median resume resume_p50_ms),
  "resume_p99_ms": $(median resume resume_p99_ms),
  "resume_gaps": $(total resume resume_gaps),
  "resume_dups": $(total resume resume_dups),
  "resume_mismatches": $(total resume resume_mismatches),
  "backlog_turns_per_s": $(median backlog backlog_turns_per_s),
  "backlog_lost": $(total backlog backlog_lost),
  "backlog_done_twice": $(total backlog backlog_done_twice),
  "sql_turns_per_s": $(median sql sql_turns_per_s),
  "cpu_ms_per_turn_c64": {$(for name in "${CPU_NAMES[@]}"; do
      printf '"%s": %s, ' "$name" "$(median turns_c64 "cpu_ms_$name")"; done | sed 's/, $//')},
  "stages_p50_ms_c16": {$(for name in to_post_txn post_txn_to_202 post_txn_to_claim_txn \
      claim_txn_to_first_token first_token_to_finish_txn finish_txn_to_done; do
      printf '"%s": %s, ' "$name" "$(median turns_c16 "stage_${name}_ms")"; done | sed 's/, $//')},
  "machine_busy_pct_c64": $(median turns_c64 machine_pct),
  "machine_steal_pct_c64": $(median turns_c64 steal_pct),
  "bench_tool_cpu_pct_max": $(all_values tool_cpu_pct | sort -g | tail -n 1 | grep . || echo null)
}
JSON
    mv "$tmp" "$RESULTS"
    say "wrote $RESULTS"
}

say "version $VERSION; $CORES cores, $MEM_MIB MiB; run dir $RUN; scenarios: $SCENARIOS"
for s in $SCENARIOS; do
    case "$s" in
    turns | fanout | resume | streams | backlog | sql)
        "bench_$s"
        REMAINING_COST=$((REMAINING_COST - ${FULL_COST[$s]}))
        ;;
    *) echo "bench: unknown scenario '$s'" >&2; exit 2 ;;
    esac
done
bash scripts/stack.sh stop >>"$RUN/stack.log" 2>&1 || true
report
write_json
say "done in $SECONDS s"
