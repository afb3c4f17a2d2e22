#!/bin/sh
# Builds the upstream SSE parser with libFuzzer + ASan/UBSan and fuzzes it briefly.
# usage: run_fuzz.sh WORK_DIR [SECONDS]   (run from the repository root; ctest does)
set -eu
work="${1:?usage: run_fuzz.sh WORK_DIR [SECONDS]}"
seconds="${2:-${CHAT_FUZZ_SECONDS:-20}}"
cxx="${CHAT_CLANGXX:-clang++}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$work/corpus"
"$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" "$root/tests/backends/sse_parser_fuzz.cpp" "$root/workers/backends/sse_parser.cpp" \
  -o "$work/sse_parser_fuzz"
# Seeds: realistic OpenAI and Anthropic stream fragments.
printf '\003data: {"choices":[{"delta":{"content":"hi"}}]}\r\n\r\n: ping\n\ndata: [DONE]\n\n' \
  > "$work/corpus/openai"
printf '\001event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\rdata: {}\r\r' \
  > "$work/corpus/anthropic"
exec "$work/sse_parser_fuzz" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus"
