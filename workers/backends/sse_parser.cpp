#include "workers/backends/sse_parser.h"

namespace chat::backends {

SseParser::SseParser(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

SseParser::Status SseParser::feed(std::string_view bytes, const EventHandler& on_event) {
    if (at_stream_start_ && !bytes.empty()) {
        // The BOM may itself be split across feeds; buffer until 3 bytes are known.
        constexpr std::string_view kBom = "\xEF\xBB\xBF";
        line_.append(bytes);
        if (line_.size() < kBom.size() && kBom.substr(0, line_.size()) == line_) {
            return Status::Continue;
        }
        at_stream_start_ = false;
        std::string pending = std::move(line_);
        line_.clear();
        std::string_view rest = pending;
        if (rest.substr(0, kBom.size()) == kBom) rest.remove_prefix(kBom.size());
        return feed(rest, on_event);
    }
    std::size_t pos = 0;
    if (skip_lf_ && !bytes.empty()) {
        skip_lf_ = false;
        if (bytes[0] == '\n') pos = 1;
    }
    while (pos < bytes.size()) {
        std::size_t end = bytes.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) {
            line_.append(bytes.substr(pos));
            return buffered_bytes() > max_event_bytes_ ? Status::TooLarge : Status::Continue;
        }
        line_.append(bytes.substr(pos, end - pos));
        if (bytes[end] == '\r') {
            if (end + 1 < bytes.size()) {
                if (bytes[end + 1] == '\n') ++end;
            } else {
                skip_lf_ = true;  // CRLF may be split across two reads
            }
        }
        pos = end + 1;
        std::string line = std::move(line_);
        line_.clear();
        if (!process_line(line, on_event)) return Status::Stopped;
        if (buffered_bytes() > max_event_bytes_) return Status::TooLarge;
    }
    return Status::Continue;
}

bool SseParser::has_partial_event() const {
    return in_event_ || !line_.empty();
}

bool SseParser::process_line(std::string_view line, const EventHandler& on_event) {
    if (line.empty()) return dispatch(on_event);
    if (line[0] == ':') return true;  // comment (keep-alive ping)
    std::string_view field = line;
    std::string_view value;
    if (auto colon = line.find(':'); colon != std::string_view::npos) {
        field = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    in_event_ = true;
    if (field == "data") {
        data_.append(value);
        data_.push_back('\n');
    } else if (field == "event") {
        event_ = std::string(value);
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
    }
    // "retry" and unknown fields are ignored: reconnection is not how upstream calls recover.
    return true;
}

bool SseParser::dispatch(const EventHandler& on_event) {
    in_event_ = false;
    if (data_.empty()) {
        event_.clear();  // per spec, an event without data is not dispatched
        return true;
    }
    data_.pop_back();  // the '\n' after the last data line
    SseEvent ev{std::move(event_), std::move(data_), last_id_};
    event_.clear();
    data_.clear();
    return on_event(ev);
}

std::size_t SseParser::buffered_bytes() const {
    return line_.size() + data_.size() + event_.size();
}

}  // namespace chat::backends
