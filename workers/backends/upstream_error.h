// Failure of an upstream call, classified into the stable error codes of gen::Result
// (upstream_unavailable, rate_limited, bad_request, timeout, upstream_error) with the
// retry decision the queue acts on.
#pragma once

#include <string>
#include <string_view>

namespace chat::backends {

struct UpstreamError {
    std::string code;
    std::string message;
    bool retryable = false;
    long retry_after_ms = 0;
};

UpstreamError unavailable(std::string message);     // connect failure, drop, 5xx: retryable
UpstreamError timed_out(std::string message);       // silence or total deadline: retryable
UpstreamError protocol_error(std::string message);  // malformed stream: not retryable

// Maps a non-2xx HTTP answer. body is the (truncated) error body; its message is extracted
// from the usual {"error": {...}} shapes when present. retry_after is the Retry-After header.
UpstreamError from_http_status(int status, std::string_view body, std::string_view retry_after);

// Maps an error reported inside a 200 stream by its type string (Anthropic "overloaded_error",
// OpenAI "rate_limit_exceeded", ...) and optional numeric code (llama.cpp sends HTTP-like codes).
UpstreamError from_error_type(std::string_view type, int numeric_code, const std::string& message);

// Parses a Retry-After value: delta seconds or an HTTP date. Returns milliseconds, 0 if absent.
long parse_retry_after_ms(std::string_view value);

}  // namespace chat::backends
