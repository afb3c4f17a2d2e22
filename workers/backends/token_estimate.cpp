#include "workers/backends/token_estimate.h"

namespace chat::backends {
namespace {

enum class CharClass { Space, Letter, Digit, Other, Multibyte };

CharClass classify(unsigned char c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return CharClass::Space;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return CharClass::Letter;
    if (c >= '0' && c <= '9') return CharClass::Digit;
    if (c >= 0x80) return CharClass::Multibyte;
    return CharClass::Other;
}

int64_t ceil_div(int64_t n, int64_t d) {
    return (n + d - 1) / d;
}

}  // namespace

int64_t estimate_tokens(std::string_view text) {
    int64_t tokens = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        CharClass cls = classify(c);
        if (cls == CharClass::Letter || cls == CharClass::Digit) {
            std::size_t start = i;
            while (i < text.size() && classify(static_cast<unsigned char>(text[i])) == cls) ++i;
            tokens += ceil_div(static_cast<int64_t>(i - start), cls == CharClass::Letter ? 4 : 3);
            continue;
        }
        if (cls == CharClass::Multibyte) {
            ++tokens;  // one code point: skip its continuation bytes
            ++i;
            while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
            continue;
        }
        if (cls == CharClass::Other) ++tokens;
        ++i;
    }
    return tokens;
}

}  // namespace chat::backends
