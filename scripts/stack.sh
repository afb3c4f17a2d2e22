#!/bin/bash
# Starts, stops and reports the whole local stack: a project-local PostgreSQL cluster, the ZeroMQ
# broker, generation workers, the FastCGI API and stream handlers (each under scripts/supervise.sh)
# and nginx. Everything lives in the run directory (default <repo>/.run).
# usage: stack.sh start|stop|status|env|purge       (configuration: README "Configuration")
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${CHAT_RUN_DIR:-$REPO/.run}"
HTTP_PORT="${CHAT_HTTP_PORT:-8080}"
PG_PORT="${CHAT_PG_PORT:-5433}"
BROKER_PUB_PORT="${CHAT_BROKER_PUB_PORT:-5571}"
BROKER_SUB_PORT="${CHAT_BROKER_SUB_PORT:-5572}"
BIN_DIR="${CHAT_BIN_DIR:-$REPO/build/bin}"
PG_FSYNC="${CHAT_PG_FSYNC:-on}"
WORKERS="${CHAT_WORKERS:-1}"
API_PROCS="${CHAT_API_PROCS:-1}"
STREAM_PROCS="${CHAT_STREAM_PROCS:-1}"
START_TIMEOUT_S="${CHAT_START_TIMEOUT_S:-60}"

die() { echo "stack: error: $*" >&2; exit 1; }
say() { echo "stack: $*"; }
is_root() { [[ "$(id -u)" -eq 0 ]]; }

mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
PID_DIR="$RUN_DIR/pids"
LOG_DIR="$RUN_DIR/logs"

for n in HTTP_PORT PG_PORT BROKER_PUB_PORT BROKER_SUB_PORT WORKERS API_PROCS STREAM_PROCS; do
    [[ "${!n}" =~ ^[0-9]+$ ]] || die "CHAT_$n must be a number (got '${!n}')"
done
[[ "$PG_FSYNC" == on || "$PG_FSYNC" == off ]] || die "CHAT_PG_FSYNC must be on or off"

# ---------------------------------------------------------------------------------------------
# The runtime directory holds what other users must reach: the PostgreSQL data and sockets (the
# `postgres` user when we are root) and the FastCGI sockets (nginx workers run as `nobody`).
# It is the run directory itself when they can traverse it and paths stay short; otherwise
# (e.g. a repo under /root, mode 700) /var/tmp/chatstream-<hash>, linked as RUN_DIR/runtime.

can_traverse() {  # user dir
    runuser -u "$1" -- test -x "$2" 2>/dev/null
}

choose_runtime_dir() {
    if [[ -L "$RUN_DIR/runtime" ]]; then
        readlink "$RUN_DIR/runtime"
        return
    fi
    local ok=1
    ((${#RUN_DIR} + 32 < 100)) || ok=0  # unix socket paths are limited to ~107 bytes
    if is_root; then
        can_traverse postgres "$RUN_DIR" && can_traverse nobody "$RUN_DIR" || ok=0
    fi
    if [[ $ok == 1 ]]; then
        echo "$RUN_DIR"
    else
        echo "/var/tmp/chatstream-$(echo -n "$RUN_DIR" | sha256sum | cut -c1-12)"
    fi
}

RT="$(choose_runtime_dir)"
SOCK_DIR="$RT/sock"
# PostgreSQL's socket: trusted, so in a directory only its owner (and root) may enter.
PG_SOCK_DIR="$RT/pgsock"
PGDATA="$RT/pg"
PG_LOG_DIR="$RT/pglog"
DB_URL="host=$PG_SOCK_DIR port=$PG_PORT dbname=chat user=chat"
BROKER_PUB="tcp://127.0.0.1:$BROKER_PUB_PORT"
BROKER_SUB="tcp://127.0.0.1:$BROKER_SUB_PORT"

pg_bin_dir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n "$d" && -x "$d/initdb" ]] || die "PostgreSQL server binaries not found (run scripts/install-deps.sh)"
    echo "$d"
}

as_pg() {  # PostgreSQL refuses to run as root; from / because our cwd may be private to root
    if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

psql_chat() {  # NOTICEs ("already exists, skipping") are not news at every start
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" "$@"
}

# Polls `$@` until it succeeds or the deadline passes.
wait_until() {  # seconds description command...
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

prepare_runtime_dir() {
    mkdir -p "$RUN_DIR" "$PID_DIR" "$LOG_DIR" "$RT" "$SOCK_DIR" "$PG_SOCK_DIR" "$PG_LOG_DIR" "$RT/nginx"
    chmod 755 "$SOCK_DIR"
    chmod 700 "$PG_SOCK_DIR"
    if [[ "$RT" != "$RUN_DIR" ]]; then
        chmod 755 "$RT"
        ln -sfn "$RT" "$RUN_DIR/runtime"
    fi
    ln -sfn "$PG_LOG_DIR/postgresql.log" "$LOG_DIR/postgresql.log"
    if is_root; then
        chown postgres: "$PG_SOCK_DIR" "$PG_LOG_DIR"
    fi
}

write_pg_conf() {
    local conf="$PGDATA/chat.conf" sync=on
    [[ "$PG_FSYNC" == off ]] && sync=off
    cat >"$conf.tmp" <<EOF
# Written by scripts/stack.sh at every start; edit the environment, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK_DIR'
fsync = $PG_FSYNC
synchronous_commit = $sync
full_page_writes = $sync
max_connections = 400
shared_buffers = 128MB
# The queue tables change fast: a cached plan made while a table was small (a fresh database)
# stays until autovacuum analyzes it, and dead turns bloat the claim index until it vacuums.
autovacuum_naptime = 10s
timezone = 'UTC'
log_timezone = 'UTC'
EOF
    mv "$conf.tmp" "$conf"
    # The socket trusts whoever can reach it (its directory is private); TCP asks for the
    # password in the run directory, so another local user cannot log in as the superuser.
    printf '%s\n' "# Written by scripts/stack.sh at every start." "local all all trust" \
        "host all all 127.0.0.1/32 scram-sha-256" "host all all ::1/128 scram-sha-256" \
        >"$PGDATA/pg_hba.conf.tmp"
    mv "$PGDATA/pg_hba.conf.tmp" "$PGDATA/pg_hba.conf"
    is_root && chown postgres: "$conf" "$PGDATA/pg_hba.conf"
    return 0
}

init_pg() {
    local bin=$1
    if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
        say "creating PostgreSQL cluster in $PGDATA"
        rm -rf "$PGDATA"
        mkdir -p "$PGDATA"
        is_root && chown postgres: "$PGDATA"
        chmod 700 "$PGDATA"
        local nosync=()
        [[ "$PG_FSYNC" == off ]] && nosync=(--no-sync)
        as_pg "$bin/initdb" -D "$PGDATA" -U chat --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
            "${nosync[@]}" >"$LOG_DIR/initdb.log" 2>&1 ||
            { cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
        echo "include_if_exists = 'chat.conf'" | as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
    fi
    write_pg_conf
}

start_pg() {
    local bin
    bin=$(pg_bin_dir)
    init_pg "$bin"
    if as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        as_pg "$bin/pg_ctl" -D "$PGDATA" reload >/dev/null  # pg_hba.conf as just written
        say "PostgreSQL already running"
    else
        rm -f "$PG_SOCK_DIR/.s.PGSQL.$PG_PORT" "$PG_SOCK_DIR/.s.PGSQL.$PG_PORT.lock"
        as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PG_LOG_DIR/postgresql.log" -w -t "$START_TIMEOUT_S" \
            start >/dev/null ||
            { tail -n 20 "$PG_LOG_DIR/postgresql.log" >&2; die "PostgreSQL did not start (port $PG_PORT busy?)"; }
        say "PostgreSQL listening on 127.0.0.1:$PG_PORT and $PG_SOCK_DIR"
    fi
    local admin="host=$PG_SOCK_DIR port=$PG_PORT dbname=postgres user=chat"
    if [[ -z "$(psql -X -tA "$admin" -c "SELECT 1 FROM pg_database WHERE datname = 'chat'")" ]]; then
        psql -X -q "$admin" -c "CREATE DATABASE chat"
    fi
    ensure_pg_password
    psql -X -q "$admin" -c "ALTER ROLE chat PASSWORD '$PG_PASSWORD'"
}

stop_pg() {
    [[ -f "$PGDATA/PG_VERSION" ]] || return 0
    local bin
    bin=$(pg_bin_dir)
    if as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null && say "PostgreSQL stopped"
    fi
}

# Applies sql/NNN_*.sql in order, each once, each in its own transaction.
migrate() {
    psql_chat -c "CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    local f v applied=0
    for f in $(ls "$REPO"/sql/[0-9]*.sql 2>/dev/null | sort); do
        v=$(basename "$f" .sql)
        [[ "$v" =~ ^[0-9]+_[A-Za-z0-9_]+$ ]] || die "bad migration file name: $f"
        [[ -n "$(psql_chat -tA -c "SELECT 1 FROM schema_migrations WHERE version = '$v'")" ]] && continue
        psql_chat --single-transaction -f "$f" \
            -c "INSERT INTO schema_migrations(version) VALUES ('$v')" >/dev/null ||
            die "migration $v failed (nothing of it was applied)"
        say "applied migration $v"
        applied=$((applied + 1))
    done
    return 0
}

# ---------------------------------------------------------------------------------------------
# Secrets and users

# The password of PostgreSQL's `chat` role over TCP (the socket needs none).
ensure_pg_password() {
    local f="$RUN_DIR/pg-password"
    [[ -s "$f" ]] || (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$f")
    PG_PASSWORD=$(<"$f")
}

ensure_secret() {
    local f="$RUN_DIR/stream-secret"
    if [[ ! -s "$f" ]]; then
        (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$f")
    fi
    STREAM_SECRET=$(<"$f")
}

# Creates user NAME (extra chatctl flags after it) and writes a key to FILE, once.
ensure_user_key() {  # file name flags...
    local file=$1 name=$2
    shift 2
    [[ -s "$file" ]] && return 0
    local key
    key=$("$BIN_DIR/chatctl" user add "$name" "$@" 2>/dev/null) ||
        key=$("$BIN_DIR/chatctl" key create "$name") ||
        die "chatctl could not create user '$name' or a key for it"
    (umask 077 && echo "$key" >"$file")
    say "wrote the API key of '$name' to $file"
}

# ---------------------------------------------------------------------------------------------
# Supervised processes

alive_as() {  # pid expected-substring-of-cmdline
    [[ -n "$1" && -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"
}

pid_of() { [[ -s "$PID_DIR/$1" ]] && cat "$PID_DIR/$1" || true; }

# The executable a supervised process was started with (recorded at start).
cmd_of() { [[ -s "$PID_DIR/$1.cmd" ]] && cat "$PID_DIR/$1.cmd" || echo "$BIN_DIR"; }

start_supervised() {  # name command...
    local name=$1
    shift
    if alive_as "$(pid_of "$name.sup.pid")" supervise.sh; then
        say "$name already running"
        return 0
    fi
    rm -f "$PID_DIR/$name.sup.pid" "$PID_DIR/$name.pid"
    echo "$1" >"$PID_DIR/$name.cmd"  # how stop/status recognise the child, whatever CHAT_BIN_DIR says then
    # setsid: a Ctrl-C in the terminal that ran `make run` must not reach the stack.
    setsid "$REPO/scripts/supervise.sh" "$name" "$PID_DIR" -- "$@" \
        </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
    wait_until 10 "$name supervisor" test -s "$PID_DIR/$name.pid" ||
        die "$name did not start (see $LOG_DIR/$name.log)"
}

socket_name() {  # kind index count
    if (($3 == 1)); then echo "$SOCK_DIR/$1.sock"; else echo "$SOCK_DIR/$1.$2.sock"; fi
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_binaries() {
    local missing=() b
    for b in chat-broker chat-worker chat-api chat-stream chatctl; do
        [[ -x "$BIN_DIR/$b" ]] || missing+=("$b")
    done
    ((${#missing[@]} == 0)) || die "missing executables in $BIN_DIR: ${missing[*]} (build first: make run builds them)"
}

export_environment() {
    export CHAT_DB_URL="$DB_URL"
    export CHAT_BROKER_PUB="$BROKER_PUB" CHAT_BROKER_SUB="$BROKER_SUB"
    export CHAT_BROKER_PUB_BIND="$BROKER_PUB" CHAT_BROKER_SUB_BIND="$BROKER_SUB"
    export CHAT_STREAM_SECRET="$STREAM_SECRET"
    local v
    for v in CHAT_LOCAL_TOKENS CHAT_LOCAL_DELAY_MS CHAT_BACKEND CHAT_MODEL CHAT_OPENAI_BASE_URL \
        CHAT_OPENAI_API_KEY CHAT_ANTHROPIC_BASE_URL CHAT_ANTHROPIC_API_KEY \
        CHAT_WORKER_CONCURRENCY CHAT_AGENTS_FILE CHAT_STREAM_TOKEN_TTL_S; do
        [[ -n "${!v:-}" ]] && export "${v?}"
    done
    return 0
}

# The names of the supervised processes of one kind that are running (api.1, api.2, ...).
running_of() {  # kind
    local f name
    for f in "$PID_DIR/$1".*.sup.pid; do
        [[ -e "$f" ]] || continue
        name=$(basename "$f" .sup.pid)
        alive_as "$(pid_of "$name.sup.pid")" supervise.sh && echo "$name"
    done
    return 0
}

# Handler counts decide socket names and nginx's upstreams: they change only with a restart.
require_same_handler_counts() {
    local kind count var running
    for kind in api stream; do
        if [[ $kind == api ]]; then count=$API_PROCS var=CHAT_API_PROCS; else count=$STREAM_PROCS var=CHAT_STREAM_PROCS; fi
        running=$(running_of "$kind" | wc -l)
        ((running == 0 || running == count)) ||
            die "the stack runs $running chat-$kind processes, $var asks for $count: stop it first (make stop)"
    done
}

start_processes() {
    if ! alive_as "$(pid_of broker.sup.pid)" supervise.sh; then
        local port
        for port in "$BROKER_PUB_PORT" "$BROKER_SUB_PORT"; do
            ! tcp_open "$port" ||
                die "127.0.0.1:$port is already in use (another stack? set CHAT_BROKER_PUB_PORT and CHAT_BROKER_SUB_PORT)"
        done
    fi
    start_supervised broker "$BIN_DIR/chat-broker"
    wait_until 10 broker tcp_open "$BROKER_PUB_PORT" && wait_until 10 broker tcp_open "$BROKER_SUB_PORT" ||
        die "chat-broker is not listening on $BROKER_PUB_PORT/$BROKER_SUB_PORT (see $LOG_DIR/broker.log)"
    local i sock
    # A worker drains its turns on TERM (CHAT_WORKER_GRACE_S, 20 s by default): let it.
    for ((i = 1; i <= WORKERS; i++)); do
        SUPERVISE_STOP_TIMEOUT_S=30 start_supervised "worker.$i" "$BIN_DIR/chat-worker"
    done
    # Fewer workers than before: the ones past the count drain and stop.
    local name
    for name in $(running_of worker); do
        if ((${name#worker.} > WORKERS)); then stop_supervised "$name"; fi
    done
    for ((i = 1; i <= API_PROCS; i++)); do
        sock=$(socket_name api "$i" "$API_PROCS")
        start_supervised "api.$i" "$BIN_DIR/chat-api" --listen "$sock"
    done
    for ((i = 1; i <= STREAM_PROCS; i++)); do
        sock=$(socket_name stream "$i" "$STREAM_PROCS")
        start_supervised "stream.$i" "$BIN_DIR/chat-stream" --listen "$sock"
    done
    for ((i = 1; i <= API_PROCS; i++)); do
        sock=$(socket_name api "$i" "$API_PROCS")
        wait_until "$START_TIMEOUT_S" api test -S "$sock" || die "chat-api did not create $sock (see $LOG_DIR/api.$i.log)"
    done
    for ((i = 1; i <= STREAM_PROCS; i++)); do
        sock=$(socket_name stream "$i" "$STREAM_PROCS")
        wait_until "$START_TIMEOUT_S" stream test -S "$sock" || die "chat-stream did not create $sock (see $LOG_DIR/stream.$i.log)"
    done
}

# ---------------------------------------------------------------------------------------------
# nginx

www_root() {
    local www="$REPO/nginx/www"
    # nginx workers run as nobody when we are root: serve a copy if they cannot read the tree.
    if is_root && [[ -d "$www" ]] && ! runuser -u nobody -- test -r "$www/." -a -x "$www" 2>/dev/null; then
        rm -rf "$RT/www"
        mkdir -p "$RT/www"
        tar -C "$www" --exclude=./node_modules -cf - . | tar -C "$RT/www" -xf -
        chmod -R a+rX "$RT/www"
        www="$RT/www"
    fi
    echo "$www"
}

upstream_servers() {  # kind count
    local i out=""
    for ((i = 1; i <= $2; i++)); do
        out+="        server unix:$(socket_name "$1" "$i" "$2");"$'\n'
    done
    echo -n "${out%$'\n'}"
}

# /metrics/api/N and /metrics/stream/N: one process's figures each (nginx balances /metrics).
metrics_locations() {
    local i out=""
    for ((i = 1; i <= API_PROCS; i++)); do
        out+="        location = /metrics/api/$i { include @NGINX_CONF_DIR@/fastcgi_params; fastcgi_param REQUEST_URI /metrics; fastcgi_pass unix:$(socket_name api "$i" "$API_PROCS"); }"$'\n'
    done
    for ((i = 1; i <= STREAM_PROCS; i++)); do
        out+="        location = /metrics/stream/$i { include @NGINX_CONF_DIR@/fastcgi_params; fastcgi_param REQUEST_URI /metrics/stream; fastcgi_pass unix:$(socket_name stream "$i" "$STREAM_PROCS"); }"$'\n'
    done
    echo -n "${out%$'\n'}"
}

render_nginx_conf() {
    local conf
    conf=$(<"$REPO/nginx/nginx.conf.template")
    conf=${conf//@METRICS_LOCATIONS@/"$(metrics_locations)"}
    # Quoted replacements: bash 5.2 reads an unquoted `&` as the matched text.
    conf=${conf//@RUN_DIR@/"$RUN_DIR"}
    conf=${conf//@RUNTIME_DIR@/"$RT"}
    conf=${conf//@HTTP_PORT@/"$HTTP_PORT"}
    conf=${conf//@NGINX_CONF_DIR@/"/etc/nginx"}
    conf=${conf//@WWW_ROOT@/"$(www_root)"}
    conf=${conf//@API_SERVERS@/"$(upstream_servers api "$API_PROCS")"}
    conf=${conf//@STREAM_SERVERS@/"$(upstream_servers stream "$STREAM_PROCS")"}
    echo "$conf" >"$RUN_DIR/nginx.conf"
}

nginx_cmd() {
    nginx -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$LOG_DIR/nginx-error.log" "$@"
}

http_code() {
    curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT$1" 2>/dev/null || true
}

nginx_ready() {
    local c
    c=$(http_code /healthz)
    [[ "$c" == 200 || "$c" == 404 || "$c" == 503 ]]
}

start_nginx() {
    command -v nginx >/dev/null || die "nginx not found (run scripts/install-deps.sh)"
    render_nginx_conf
    nginx_cmd -t -q 2>"$LOG_DIR/nginx-test.log" || { cat "$LOG_DIR/nginx-test.log" >&2; die "nginx config invalid"; }
    if alive_as "$(pid_of nginx.pid)" nginx; then
        nginx_cmd -s reload
        say "nginx reloaded"
    else
        rm -f "$PID_DIR/nginx.pid"
        # The config listens with reuseport, so a second nginx would share the port silently.
        if (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null; then
            die "127.0.0.1:$HTTP_PORT is already in use (another stack? set CHAT_HTTP_PORT)"
        fi
        nginx_cmd 2>>"$LOG_DIR/nginx-error.log" ||
            { tail -n 5 "$LOG_DIR/nginx-error.log" >&2; die "nginx did not start (port $HTTP_PORT busy?)"; }
    fi
    wait_until "$START_TIMEOUT_S" nginx nginx_ready ||
        die "nginx on 127.0.0.1:$HTTP_PORT does not answer /healthz (last status $(http_code /healthz)); see $LOG_DIR/"
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_start() {
    require_binaries
    require_same_handler_counts
    prepare_runtime_dir
    if [[ -f "$PGDATA/PG_VERSION" && ! -S "$PG_SOCK_DIR/.s.PGSQL.$PG_PORT" ]] &&
        as_pg "$(pg_bin_dir)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        # Started by an older stack.sh with its socket elsewhere, which every process was given.
        say "PostgreSQL's socket moves to $PG_SOCK_DIR: restarting the stack"
        cmd_stop
    fi
    start_pg
    migrate
    ensure_secret
    export_environment
    ensure_user_key "$RUN_DIR/api-key" demo
    ensure_user_key "$RUN_DIR/admin-key" admin --admin
    start_processes
    start_nginx
    say "up: http://127.0.0.1:$HTTP_PORT (run dir $RUN_DIR)"
}

# Sends TERM to a process we started, waits up to `timeout` s, then KILLs it (and its group).
stop_pid() {  # pid cmdline-substring timeout label
    local pid=$1 match=$2 deadline=$((SECONDS + $3)) label=$4
    alive_as "$pid" "$match" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while alive_as "$pid" "$match"; do
        if ((SECONDS >= deadline)); then
            say "$label (pid $pid) did not stop in $3 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.05
    done
}

# Waits for a TERMed supervisor (it stops its child), then makes sure the child is gone too.
await_stopped() {  # name supervisor-pid child-pid child-cmd
    stop_pid "$2" supervise.sh 40 "supervisor of $1"
    stop_pid "$3" "$4" 2 "$1"
    rm -f "$PID_DIR/$1".{sup.pid,pid,cmd}
    say "$1 stopped"
}

stop_supervised() {  # name
    local sup child
    sup=$(pid_of "$1.sup.pid")
    child=$(pid_of "$1.pid")
    alive_as "$sup" supervise.sh && kill -TERM "$sup" 2>/dev/null || true
    await_stopped "$1" "$sup" "$child" "$(cmd_of "$1")"
}

cmd_stop() {
    local f name names=() sups=() children=() cmds=() i
    for f in "$PID_DIR"/*.sup.pid; do
        [[ -e "$f" ]] || continue
        name=$(basename "$f" .sup.pid)
        names+=("$name")
        sups+=("$(pid_of "$name.sup.pid")")
        children+=("$(pid_of "$name.pid")")
        cmds+=("$(cmd_of "$name")")
    done
    # Supervisors first (each stops its child), so nothing gets restarted behind our back.
    for i in "${!names[@]}"; do
        alive_as "${sups[$i]}" supervise.sh && kill -TERM "${sups[$i]}" 2>/dev/null || true
    done
    for i in "${!names[@]}"; do
        await_stopped "${names[$i]}" "${sups[$i]}" "${children[$i]}" "${cmds[$i]}"
    done
    if alive_as "$(pid_of nginx.pid)" nginx; then
        stop_pid "$(pid_of nginx.pid)" nginx 15 nginx
        say "nginx stopped"
    fi
    rm -f "$PID_DIR/nginx.pid"
    stop_pg
    rm -f "$SOCK_DIR"/*.sock
}

cmd_status() {
    local f name pid state all_up=0
    for f in "$PID_DIR"/*.sup.pid; do
        [[ -e "$f" ]] || continue
        name=$(basename "$f" .sup.pid)
        pid=$(pid_of "$name.pid")
        if alive_as "$(cat "$f")" supervise.sh && alive_as "$pid" "$(cmd_of "$name")"; then
            state="running (pid $pid)"
        else
            state="NOT RUNNING"
            all_up=3
        fi
        printf '%-12s %s\n' "$name" "$state"
    done
    pid=$(pid_of nginx.pid)
    if alive_as "$pid" nginx; then state="running (pid $pid) on 127.0.0.1:$HTTP_PORT"; else state="NOT RUNNING"; all_up=3; fi
    printf '%-12s %s\n' nginx "$state"
    if [[ -f "$PGDATA/PG_VERSION" ]] && as_pg "$(pg_bin_dir)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        state="running on 127.0.0.1:$PG_PORT ($PGDATA)"
    else
        state="NOT RUNNING"
        all_up=3
    fi
    printf '%-12s %s\n' postgresql "$state"
    return $all_up
}

# Prints the environment a client or test needs, as shell assignments (eval "$(stack.sh env)").
cmd_env() {
    ensure_secret
    printf 'export CHAT_DB_URL=%q\n' "$DB_URL"
    printf 'export CHAT_BROKER_PUB=%q CHAT_BROKER_SUB=%q\n' "$BROKER_PUB" "$BROKER_SUB"
    printf 'export CHAT_STREAM_SECRET=%q\n' "$STREAM_SECRET"
    printf 'export CHAT_BIN_DIR=%q CHAT_RUN_DIR=%q\n' "$BIN_DIR" "$RUN_DIR"
    printf 'export CHAT_BASE_URL=%q\n' "http://127.0.0.1:$HTTP_PORT"
}

# Stops the stack and deletes its data (throwaway test stacks).
cmd_purge() {
    cmd_stop
    [[ "$RT" != "$RUN_DIR" ]] && rm -rf "$RT"
    rm -rf "$RUN_DIR"
    say "removed $RUN_DIR"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
purge) cmd_purge ;;
*)
    echo "usage: $0 start|stop|status|env|purge" >&2
    exit 2
    ;;
esac
