#include "api/admin/api_key.h"

#include "common/ids.h"

namespace chat::admin {
namespace {

constexpr size_t kKeyIdHex = 12;
constexpr size_t kSecretHex = 40;

bool is_lower_hex(std::string_view s) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

}  // namespace

ApiKey generate_api_key() {
    return ApiKey{random_hex(kKeyIdHex / 2), random_hex(kSecretHex / 2), random_hex(16)};
}

std::optional<ApiKey> parse_api_key(std::string_view text) {
    if (text.size() != 3 + kKeyIdHex + 1 + kSecretHex || text.substr(0, 3) != "ck_" ||
        text[3 + kKeyIdHex] != '_')
        return std::nullopt;
    ApiKey key{std::string(text.substr(3, kKeyIdHex)), std::string(text.substr(4 + kKeyIdHex)), ""};
    if (!is_lower_hex(key.key_id) || !is_lower_hex(key.secret)) return std::nullopt;
    return key;
}

}  // namespace chat::admin
