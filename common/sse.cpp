#include "common/sse.h"

namespace chat::sse {

void append_event(std::string& out, std::string_view event, std::string_view data,
                  std::string_view id) {
    if (!id.empty()) {
        out += "id: ";
        out += id;
        out += '\n';
    }
    if (!event.empty()) {
        out += "event: ";
        out += event;
        out += '\n';
    }
    size_t start = 0;
    while (true) {
        size_t end = data.find_first_of("\r\n", start);
        out += "data: ";
        out += data.substr(start, end == std::string_view::npos ? end : end - start);
        out += '\n';
        if (end == std::string_view::npos) break;
        start = end + 1;
        if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
    }
    out += '\n';
}

void append_retry(std::string& out, long ms) {
    out += "retry: ";
    out += std::to_string(ms);
    out += "\n\n";
}

void append_comment(std::string& out, std::string_view text) {
    out += ": ";
    out += text;
    out += "\n\n";
}

}  // namespace chat::sse
