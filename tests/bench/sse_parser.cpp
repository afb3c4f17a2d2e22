#include "tests/bench/sse_parser.h"

namespace chat::bench {

void SseParser::reset() {
    line_.clear();
    type_.clear();
    id_.clear();
    data_.clear();
    has_data_ = false;
}

void SseParser::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        size_t nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            line_.append(bytes);
            return;
        }
        std::string_view line = bytes.substr(0, nl);
        bytes.remove_prefix(nl + 1);
        if (!line_.empty()) {
            line_.append(line);
            std::string whole = std::move(line_);
            line_.clear();
            on_line(whole);
        } else {
            on_line(line);
        }
    }
}

void SseParser::on_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
        if (has_data_ || !type_.empty()) {
            SseEvent ev{type_.empty() ? std::string_view("message") : std::string_view(type_), id_,
                        data_};
            sink_(ev);
        }
        type_.clear();
        id_.clear();
        data_.clear();
        has_data_ = false;
        return;
    }
    if (line.front() == ':') return;  // comment
    size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "event") {
        type_ = value;
    } else if (field == "id") {
        id_ = value;
    } else if (field == "data") {
        if (has_data_) data_.push_back('\n');
        data_.append(value);
        has_data_ = true;
    }
}

}  // namespace chat::bench
