// Parsing and validating a stream request (GET /api/v1/turns/{id}/stream): which turn, from
// which cursor, with which credentials. Pure functions: the acceptor does the checks that need
// PostgreSQL (API keys, turn ownership).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bearer.h"
#include "common/http.h"

namespace chat::stream {

struct StreamRequest {
    std::string turn_id;               // canonical lower-case UUID
    std::optional<int64_t> cursor;     // Last-Event-ID or ?after; -1 when unparseable
    std::optional<std::string> token;  // ?token= signed stream token
    std::optional<ApiKey> api_key;     // Authorization header, parsed by common/bearer.h
};

// The turn id of "/api/v1/turns/{id}/stream" (lower-cased), or nullopt for any other path or a
// malformed id.
std::optional<std::string> turn_id_from_path(std::string_view path);

// A resume cursor: nullopt for absent/empty, -1 for anything that is not a decimal seq >= 0.
std::optional<int64_t> parse_cursor(const std::optional<std::string>& text);

// Throws http::Error: 414 (query over 2048 bytes, as in chat-api), 404 (unknown path or malformed
// id), 405 (not GET), 401 (no credentials; with WWW-Authenticate: Bearer). The Last-Event-ID header
// wins over ?after (a browser's reconnect repeats the first URL).
StreamRequest parse_stream_request(const http::Request& r);

// Throws the 405 of a GET-only path (the stream and /metrics/stream) unless r is a GET.
void require_get(const http::Request& r);

}  // namespace chat::stream
