// Runs one streaming upstream call whose body is an SSE stream: feeds the body through the
// SseParser, lets a protocol handler interpret each event, and decides the final gen::Result
// (cancelled beats failed beats done; a stream that ends before it finished is a retryable drop).
#pragma once

#include <functional>
#include <optional>

#include "workers/backends/reply_tracker.h"
#include "workers/backends/sse_parser.h"
#include "workers/backends/upstream_http.h"

namespace chat::backends {

struct StreamState {
    bool finished = false;               // the protocol's end marker ([DONE], message_stop) arrived
    std::optional<UpstreamError> error;  // an error event or a malformed chunk
};

// Returns false to stop reading (after setting finished or error, or when the sink cancelled).
using SseEventHandler = std::function<bool(const SseEvent& event, StreamState& state)>;

// finish_reason_ends_stream: an EOF after a finish reason counts as done even without the end
// marker (some OpenAI-compatible servers omit "data: [DONE]").
gen::Result run_sse_call(const StreamingPost& request, ReplyTracker& tracker,
                         const SseEventHandler& on_event, bool finish_reason_ends_stream);

}  // namespace chat::backends
