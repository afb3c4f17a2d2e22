#include "workers/backends/sse_call.h"

namespace chat::backends {

gen::Result run_sse_call(const StreamingPost& request, ReplyTracker& tracker,
                         const SseEventHandler& on_event, bool finish_reason_ends_stream) {
    SseParser parser;
    StreamState state;
    auto handle = [&](const SseEvent& event) { return on_event(event, state); };
    tracker.pause();  // the wait for the model's first bytes: what is held (the start) goes now
    StreamEnd end = post_streaming(request, [&](std::string_view bytes) {
        switch (parser.feed(bytes, handle)) {
            case SseParser::Status::Continue:
                tracker.pause();
                return true;
            case SseParser::Status::Stopped:
                return false;
            case SseParser::Status::TooLarge:
                break;
        }
        state.error = protocol_error("upstream sent an oversized stream event");
        return false;
    });
    if (tracker.cancelled()) return tracker.cancel_result();
    if (state.error) return tracker.failed(*state.error);
    if (state.finished) return tracker.done();
    if (end.kind == StreamEnd::Kind::Failed) return tracker.failed(end.error);
    if (finish_reason_ends_stream && tracker.has_finish_reason() && !parser.has_partial_event()) {
        return tracker.done();
    }
    return tracker.failed(unavailable("upstream closed the stream before the reply finished"));
}

}  // namespace chat::backends
