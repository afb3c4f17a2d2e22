// Incremental parser for text/event-stream bodies received from upstream model servers.
// Bytes may arrive split anywhere (mid-line, mid-CRLF); events are dispatched once complete.
// Follows the WHATWG EventSource parsing rules (CR, LF and CRLF line ends; "data" lines joined
// with '\n'; ':' comments; "event" and "id" fields; an incomplete event at EOF is discarded).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace chat::backends {

struct SseEvent {
    std::string event;  // "" when the upstream sent no "event:" field
    std::string data;   // data lines joined with '\n'
    std::string id;     // last event id seen so far ("" = none)
};

class SseParser {
  public:
    // Returns false to stop parsing (the remaining bytes of that feed are not processed).
    using EventHandler = std::function<bool(const SseEvent&)>;
    enum class Status { Continue, Stopped, TooLarge };

    // max_event_bytes bounds the memory one line or one event may take.
    explicit SseParser(std::size_t max_event_bytes = 4 * 1024 * 1024);

    // Parses bytes and calls on_event for each completed event. Not reentrant.
    Status feed(std::string_view bytes, const EventHandler& on_event);

    // True when bytes of an unfinished event (or line) are buffered: a stream ending now was cut.
    bool has_partial_event() const;

  private:
    bool process_line(std::string_view line, const EventHandler& on_event);
    bool dispatch(const EventHandler& on_event);
    std::size_t buffered_bytes() const;

    std::size_t max_event_bytes_;
    std::string line_;             // the current, unterminated line
    bool skip_lf_ = false;         // the previous chunk ended with CR: a leading LF belongs to it
    bool at_stream_start_ = true;  // a UTF-8 BOM is allowed only here
    bool in_event_ = false;        // some field of the current event was seen
    std::string data_;
    std::string event_;
    std::string last_id_;
};

}  // namespace chat::backends
