#include "common/bearer.h"

#include <strings.h>

namespace chat {
namespace {

bool key_chars(std::string_view s) {
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::optional<ApiKey> parse_bearer(std::string_view h) {
    constexpr std::string_view kScheme = "bearer ";
    if (h.size() < kScheme.size() || ::strncasecmp(h.data(), kScheme.data(), kScheme.size()) != 0)
        return std::nullopt;
    h.remove_prefix(kScheme.size());
    while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
    while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
    if (h.size() > 200 || h.substr(0, 3) != "ck_" || !key_chars(h)) return std::nullopt;
    h.remove_prefix(3);
    auto sep = h.find('_');
    if (sep == 0 || sep == std::string_view::npos || sep + 1 == h.size()) return std::nullopt;
    return ApiKey{std::string(h.substr(0, sep)), std::string(h.substr(sep + 1))};
}

}  // namespace chat
