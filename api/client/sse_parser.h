// Incremental Server-Sent Events parser (the HTML "event stream interpretation" rules): feed it
// bytes as they arrive, in pieces of any size, and take complete events out.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace chat::client {

struct SseEvent {
    std::string id;     // the stream's last event id when this event was dispatched
    std::string event;  // "message" when the event had no "event:" field
    std::string data;   // the data lines joined by '\n'
};

class SseParser {
  public:
    // Appends bytes; lines may end in LF, CRLF or CR, and may be split anywhere.
    void feed(std::string_view bytes);
    // The next complete event, if any.
    std::optional<SseEvent> next();
    // The id of the last event that carried one ("" before any).
    const std::string& last_event_id() const { return last_id_; }

  private:
    void line(std::string_view l);
    void dispatch();

    std::string pending_;       // an incomplete line
    bool last_was_cr_ = false;  // a CR ended the previous piece: skip an LF that follows
    std::string event_, data_;  // the event being assembled
    bool has_data_ = false;
    std::string last_id_;
    std::deque<SseEvent> ready_;
};

}  // namespace chat::client
