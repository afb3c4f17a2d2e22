#include "api/rest/utf8.h"

#include <cstdint>

namespace chat::rest {
namespace {

// Length of the sequence starting at s[i] and whether it is well-formed (RFC 3629 table).
size_t sequence_length(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return k < s.size() && byte(k) >= lo && byte(k) <= hi;
    };
    unsigned char b = byte(i);
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return cont(i + 1) ? 2 : 0;
    if (b == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
    if (b == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;  // no surrogates
    if (b >= 0xE1 && b <= 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
    if (b == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (b >= 0xF1 && b <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (b == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    return 0;
}

uint32_t decode(std::string_view seq) {
    auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(seq[k])); };
    switch (seq.size()) {
        case 1:
            return b(0);
        case 2:
            return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        case 3:
            return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        default:
            return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                   (b(3) & 0x3F);
    }
}

// White_Space code points of Unicode, plus the zero-width space and BOM that render as nothing.
bool is_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

}  // namespace

std::optional<size_t> utf8_length(std::string_view s) {
    size_t count = 0;
    for (size_t i = 0; i < s.size(); ++count) {
        size_t n = sequence_length(s, i);
        if (n == 0) return std::nullopt;
        i += n;
    }
    return count;
}

bool is_valid_utf8(std::string_view s) {
    return utf8_length(s).has_value();
}

bool is_blank(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = sequence_length(s, i);
        if (n == 0) return false;
        if (!is_space(decode(s.substr(i, n)))) return false;
        i += n;
    }
    return true;
}

}  // namespace chat::rest
