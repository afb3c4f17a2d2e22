#!/bin/bash
# `make run`: install what is missing, build, start the stack on 127.0.0.1:8080 and show one
# streamed reply. The stack keeps running; `make stop` stops it. Data survives stop/start.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
export CHAT_RUN_DIR="${CHAT_RUN_DIR:-$REPO/.run}"
export CHAT_BIN_DIR="${CHAT_BIN_DIR:-${CHAT_BUILD_DIR:-$REPO/build}/bin}"
# Slow enough for the reply to visibly stream; CHAT_LOCAL_DELAY_MS=0 makes it instant.
export CHAT_LOCAL_DELAY_MS="${CHAT_LOCAL_DELAY_MS:-25}"
port="${CHAT_HTTP_PORT:-8080}"
url="http://127.0.0.1:$port"

bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/stack.sh start

key_file="$CHAT_RUN_DIR/api-key"
rel_key="$key_file"
[[ "$key_file" == "$REPO/"* ]] && rel_key="${key_file#"$REPO/"}"
echo
echo "== demo: one message, the reply streamed token by token =="
echo "\$ chat-say \"Hello! Tell me about streaming.\""
"$CHAT_BIN_DIR/chat-say" --url "$url" --key-file "$key_file" "Hello! Tell me about streaming."
echo
cat <<EOT
== the stack is running on $url ==
API keys: demo user $rel_key, admin ${rel_key%api-key}admin-key. Logs: ${rel_key%api-key}logs/

Chat with curl:
  KEY=\$(cat $rel_key)
  # 1. a conversation
  curl -s -X POST $url/api/v1/conversations -H "Authorization: Bearer \$KEY" \\
       -H 'Content-Type: application/json' -d '{"title":"curl chat"}'
  # 2. a message (use the "id" printed above); the answer is 202 {message, turn}
  curl -s -X POST $url/api/v1/conversations/CONVERSATION_ID/messages -H "Authorization: Bearer \$KEY" \\
       -H 'Content-Type: application/json' -d '{"content":"Hi there"}'
  # 3. the reply as Server-Sent Events (use the turn "id")
  curl -sN $url/api/v1/turns/TURN_ID/stream -H "Authorization: Bearer \$KEY"
Or simply: $CHAT_BIN_DIR/chat-say --key-file $rel_key "your message"

Status: make status (or scripts/stack.sh status). Stop everything: make stop
EOT
