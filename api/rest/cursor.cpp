#include "api/rest/cursor.h"

#include <charconv>
#include <vector>

#include "common/ids.h"

namespace chat::rest {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
    return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        auto v = kAlphabet.find(c);
        if (v == std::string_view::npos) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (size_t start = 0;;) {
        auto end = s.find(sep, start);
        parts.push_back(s.substr(start, end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

}  // namespace

std::string encode_cursor(const ConversationCursor& c) {
    return base64url("v1." + std::to_string(c.pinned) + "." + std::to_string(c.updated_us) + "." +
                     c.id);
}

std::optional<ConversationCursor> decode_cursor(std::string_view text) {
    if (text.empty() || text.size() > 128) return std::nullopt;
    auto raw = unbase64url(text);
    if (!raw) return std::nullopt;
    auto parts = split(*raw, '.');
    if (parts.size() != 4 || parts[0] != "v1") return std::nullopt;
    ConversationCursor c;
    if (parts[1] == "1")
        c.pinned = 1;
    else if (parts[1] != "0")
        return std::nullopt;
    auto us = parts[2];
    auto [p, ec] = std::from_chars(us.data(), us.data() + us.size(), c.updated_us);
    if (us.empty() || ec != std::errc() || p != us.data() + us.size()) return std::nullopt;
    if (!is_uuid(parts[3])) return std::nullopt;
    c.id = std::string(parts[3]);
    // Reject non-canonical encodings so one position has exactly one cursor.
    if (encode_cursor(c) != text) return std::nullopt;
    return c;
}

}  // namespace chat::rest
