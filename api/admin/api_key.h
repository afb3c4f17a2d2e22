// API key format: "ck_<key_id>_<secret>", key_id = 12 hex digits, secret = 40 hex digits.
// Only sha256(salt || secret) is stored (sql/002_turn_functions.sql authenticate() checks it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chat::admin {

struct ApiKey {
    std::string key_id;  // 12 lower-case hex digits, the public part
    std::string secret;  // 40 lower-case hex digits, never stored
    std::string salt;    // 32 hex digits (16 random bytes), stored next to the hash

    // The full key handed to the user once.
    std::string text() const { return "ck_" + key_id + "_" + secret; }
};

// A fresh key from the kernel's random source.
ApiKey generate_api_key();

// Splits "ck_<key_id>_<secret>"; nullopt when the text is not in that format.
std::optional<ApiKey> parse_api_key(std::string_view text);

}  // namespace chat::admin
