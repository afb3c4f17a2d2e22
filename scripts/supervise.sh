#!/bin/bash
# A tiny restart supervisor: runs one command, starts it again when it dies, stops it on TERM/INT.
# usage: supervise.sh NAME PID_DIR -- COMMAND [ARGS...]
# env: SUPERVISE_STOP_TIMEOUT_S (10): how long a child may take to exit after TERM before KILL.
# Writes PID_DIR/NAME.sup.pid (itself) and PID_DIR/NAME.pid (the current child). Its own stdout and
# stderr (where stack.sh points the log) are inherited by the child.
set -uo pipefail

name=$1
pid_dir=$2
shift 2
[[ "${1:-}" == "--" ]] && shift
[[ $# -gt 0 ]] || { echo "supervise: no command for $name" >&2; exit 2; }

sup_pidfile="$pid_dir/$name.sup.pid"
child_pidfile="$pid_dir/$name.pid"
stopping=0
child=""
delay_ms=500
stop_timeout_s="${SUPERVISE_STOP_TIMEOUT_S:-10}"
unset SUPERVISE_STOP_TIMEOUT_S

say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) supervise[$name]: $*"; }

sleeper=""
on_stop() {
    say "got SIG$1; stopping"
    stopping=1
    [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null
    [[ -n "$sleeper" ]] && kill "$sleeper" 2>/dev/null
}
trap 'on_stop TERM' TERM
trap 'on_stop INT' INT
trap 'on_stop HUP' HUP

# State letter of a process ("Z" = exited, not yet reaped), "" when it is gone.
proc_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    echo "${stat%% *}"
}

# Waits until the child has exited; one that ignores TERM for stop_timeout_s is killed.
reap_child() {
    local deadline=$((SECONDS + stop_timeout_s)) state
    while state=$(proc_state "$child") && [[ -n "$state" && "$state" != Z ]]; do
        if ((SECONDS >= deadline)); then
            say "pid $child ignored TERM for $stop_timeout_s s; killing it"
            kill -KILL "$child" 2>/dev/null
        fi
        sleep 0.1
    done
    wait "$child" 2>/dev/null
    return 0
}

echo $$ >"$sup_pidfile"
while [[ $stopping == 0 ]]; do
    started=$SECONDS
    "$@" </dev/null &
    child=$!
    echo "$child" >"$child_pidfile"
    say "started pid $child: $*"
    rc=0
    wait "$child" || rc=$?
    if [[ $stopping == 1 ]]; then
        reap_child
        break
    fi
    say "pid $child exited with status $rc"
    # Back off while it keeps crashing at once; a process that ran a while restarts quickly.
    if ((SECONDS - started >= 10)); then delay_ms=500; fi
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))" &
    sleeper=$!
    wait "$sleeper" 2>/dev/null || true
    sleeper=""
    ((delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2))
done
say "stopped"
rm -f "$child_pidfile" "$sup_pidfile"
exit 0
