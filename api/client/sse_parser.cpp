#include "api/client/sse_parser.h"

namespace chat::client {

void SseParser::feed(std::string_view bytes) {
    for (char c : bytes) {
        if (last_was_cr_ && c == '\n') {
            last_was_cr_ = false;
            continue;
        }
        last_was_cr_ = false;
        if (c == '\r' || c == '\n') {
            last_was_cr_ = (c == '\r');
            line(pending_);
            pending_.clear();
        } else {
            pending_ += c;
        }
    }
}

std::optional<SseEvent> SseParser::next() {
    if (ready_.empty()) return std::nullopt;
    SseEvent e = std::move(ready_.front());
    ready_.pop_front();
    return e;
}

void SseParser::line(std::string_view l) {
    if (l.empty()) {
        dispatch();
        return;
    }
    if (l.front() == ':') return;  // a comment
    auto colon = l.find(':');
    std::string_view field = l.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = l.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        data_.append(value);
        data_ += '\n';
        has_data_ = true;
    } else if (field == "event") {
        event_ = value;
    } else if (field == "id" && value.find('\0') == std::string_view::npos) {
        last_id_ = value;
    }
    // "retry" and unknown fields are ignored.
}

void SseParser::dispatch() {
    if (has_data_) {
        data_.pop_back();  // the '\n' after the last data line
        ready_.push_back(SseEvent{last_id_, event_.empty() ? "message" : event_, data_});
    }
    event_.clear();
    data_.clear();
    has_data_ = false;
}

}  // namespace chat::client
