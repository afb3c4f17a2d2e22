// A tiny SSE parser for tests: splits bytes into events (id, event name, joined data).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat::stream::test {

struct Event {
    std::string id;
    std::string name;
    std::string data;
    bool operator==(const Event&) const = default;
};

// Comments and retry lines are skipped; an event without a name is "message".
inline std::vector<Event> parse_sse(std::string_view bytes) {
    std::vector<Event> out;
    Event cur;
    bool any = false;
    bool has_data = false;
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t nl = bytes.find('\n', pos);
        if (nl == std::string_view::npos) break;  // incomplete line
        auto line = bytes.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty()) {
            if (any) {
                if (cur.name.empty()) cur.name = "message";
                out.push_back(cur);
            }
            cur = Event{};
            any = false;
            has_data = false;
            continue;
        }
        if (line[0] == ':') continue;
        auto colon = line.find(':');
        auto field = line.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        if (field == "id") {
            cur.id = value;
            any = true;
        } else if (field == "event") {
            cur.name = value;
            any = true;
        } else if (field == "data") {
            if (has_data) cur.data += '\n';
            cur.data += value;
            has_data = true;
            any = true;
        }
    }
    return out;
}

}  // namespace chat::stream::test
