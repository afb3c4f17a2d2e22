#!/bin/bash
# Builds the chat page's vendor files: `npm ci` (exact versions from nginx/www/package-lock.json)
# into nginx/www/node_modules, then copies the pinned ES-module builds of marked and DOMPurify into
# nginx/www/vendor/, which the page imports. Called by `make run` and `make test`; idempotent and
# quick when the lock file has not changed since the last install.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
www="$root/nginx/www"
modules="$www/node_modules"
stamp="$modules/.chat-lock-stamp"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-web: '$tool' not found; run scripts/install-deps.sh (packages nodejs, npm)" >&2
        exit 1
    fi
done

# npm ci wipes and reinstalls node_modules: skip it when this exact lock file is already installed.
lock_sum="$(sha256sum "$www/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
    echo "build-web: npm ci in nginx/www"
    (cd "$www" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$stamp"
fi

mkdir -p "$www/vendor"
install -m 0644 "$modules/marked/lib/marked.esm.js" "$www/vendor/marked.esm.js"
install -m 0644 "$modules/dompurify/dist/purify.es.mjs" "$www/vendor/purify.es.js"
for pkg in marked dompurify; do
    install -m 0644 "$modules/$pkg/LICENSE" "$www/vendor/LICENSE.$pkg" 2>/dev/null || true
done
echo "build-web: vendor files ready in nginx/www/vendor"
