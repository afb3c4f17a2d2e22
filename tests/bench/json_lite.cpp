#include "tests/bench/json_lite.h"

#include <cstdio>
#include <cstdlib>

namespace chat::bench {
namespace {

// Position just after `"key":` and any spaces, or npos.
size_t value_pos(std::string_view json, std::string_view key, size_t from) {
    std::string needle = "\"" + std::string(key) + "\"";
    for (size_t p = json.find(needle, from); p != std::string_view::npos;
         p = json.find(needle, p + 1)) {
        size_t q = p + needle.size();
        while (q < json.size() && (json[q] == ' ' || json[q] == '\n')) ++q;
        if (q < json.size() && json[q] == ':') {
            ++q;
            while (q < json.size() && (json[q] == ' ' || json[q] == '\n')) ++q;
            return q;
        }
    }
    return std::string_view::npos;
}

void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

unsigned hex4(std::string_view s, size_t i) {
    if (i + 4 > s.size()) return 0xFFFD;
    return static_cast<unsigned>(std::strtoul(std::string(s.substr(i, 4)).c_str(), nullptr, 16));
}

}  // namespace

std::optional<std::string> json_string(std::string_view json, std::string_view key, size_t from) {
    size_t i = value_pos(json, key, from);
    if (i == std::string_view::npos || i >= json.size() || json[i] != '"') return std::nullopt;
    std::string out;
    for (++i; i < json.size(); ++i) {
        char c = json[i];
        if (c == '"') return out;
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (++i >= json.size()) break;
        switch (json[i]) {
            case 'n':
                out.push_back('\n');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'u': {
                unsigned cp = hex4(json, i + 1);
                i += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < json.size() && json[i + 1] == '\\') {
                    unsigned lo = hex4(json, i + 3);
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
                append_utf8(out, cp);
                break;
            }
            default:
                out.push_back(json[i]);
        }
    }
    return std::nullopt;
}

std::optional<long long> json_int(std::string_view json, std::string_view key, size_t from) {
    size_t i = value_pos(json, key, from);
    if (i == std::string_view::npos || i >= json.size()) return std::nullopt;
    if (json[i] != '-' && (json[i] < '0' || json[i] > '9')) return std::nullopt;
    return std::strtoll(json.data() + i, nullptr, 10);
}

std::string json_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out.push_back(c);
                }
        }
    }
    return out;
}

}  // namespace chat::bench
