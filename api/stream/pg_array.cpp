#include "api/stream/pg_array.h"

#include <strings.h>

namespace chat::stream {
namespace {

// Reads a quoted element starting after its opening quote; advances i past the closing quote.
bool read_quoted(std::string_view s, size_t& i, std::string& out) {
    while (i < s.size()) {
        char c = s[i++];
        if (c == '"') return true;
        if (c == '\\') {
            if (i >= s.size()) return false;
            c = s[i++];
        }
        out += c;
    }
    return false;
}

}  // namespace

std::optional<std::vector<std::string>> parse_text_array(std::string_view s) {
    std::vector<std::string> items;
    if (s.size() < 2 || s.front() != '{' || s.back() != '}') return std::nullopt;
    size_t i = 1;
    if (s[i] == '}') return items;
    while (i < s.size()) {
        std::string item;
        if (s[i] == '"') {
            ++i;
            if (!read_quoted(s, i, item)) return std::nullopt;
        } else {
            size_t end = s.find_first_of(",}", i);
            if (end == std::string_view::npos) return std::nullopt;
            item = std::string(s.substr(i, end - i));
            // An unquoted NULL is SQL NULL, which a token never is.
            if (item.size() == 4 && strncasecmp(item.c_str(), "NULL", 4) == 0) return std::nullopt;
            i = end;
        }
        items.push_back(std::move(item));
        if (i >= s.size()) return std::nullopt;
        char sep = s[i++];
        if (sep == '}') return i == s.size() ? std::optional(std::move(items)) : std::nullopt;
        if (sep != ',') return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace chat::stream
