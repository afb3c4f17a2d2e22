#!/bin/bash
# Installs the Debian packages listed in scripts/packages.txt that are missing.
# Works as root or through sudo; never prompts. Runs `apt-get update` once, only when needed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="${1:-$here/packages.txt}"

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: this script needs a Debian system (dpkg + apt-get)" >&2
    exit 1
fi

wanted=()
missing=()
while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%%#*}"
    read -r pkg cmd _ <<<"$line" || true
    [[ -n "${pkg:-}" ]] || continue
    wanted+=("$pkg")
    # "install ok installed" is the only state in which the package is usable.
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] && continue
    [[ -n "${cmd:-}" ]] && command -v "$cmd" >/dev/null 2>&1 && continue
    missing+=("$pkg")
done <"$list"

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#wanted[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${#missing[@]} missing packages: ${missing[*]}"
if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n)
    if ! sudo -n true 2>/dev/null; then
        echo "install-deps: need root: run 'sudo true' first (or run as root), then retry" >&2
        exit 1
    fi
else
    echo "install-deps: not root and no sudo; install these as root: ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" \
    --no-install-recommends "${missing[@]}"
echo "install-deps: done"
