// One streaming HTTP POST to an upstream model server (http or https), handing the response
// body to a callback as bytes arrive. Every failure is classified into an UpstreamError.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "workers/backends/upstream_error.h"

namespace chat::backends {

struct HttpTimeouts {
    long connect_ms = 10'000;  // TCP + TLS connect
    long silence_ms = 90'000;  // no byte for this long (headers or body) = timeout, retryable
    long total_ms = 600'000;   // whole call, checked between reads
};

struct StreamingPost {
    std::string url;  // absolute http:// or https:// URL
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // sent as application/json
    HttpTimeouts timeouts;
    std::string ca_file;  // extra PEM CA bundle for https ("" = system CAs)
};

struct StreamEnd {
    enum class Kind { Eof, Stopped, Failed };
    Kind kind = Kind::Eof;
    UpstreamError error;  // set when kind == Failed
};

// Returns false to stop reading (the connection is then closed).
using BodyHandler = std::function<bool(std::string_view bytes)>;

// Blocks until the body ends, on_bytes stops it, or the call fails. A non-2xx status is Failed
// (mapped by from_http_status, Retry-After honoured) without calling on_bytes.
// Thread-safe: each call uses its own connection.
StreamEnd post_streaming(const StreamingPost& request, const BodyHandler& on_bytes);

}  // namespace chat::backends
