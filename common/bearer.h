// Parsing of "Authorization: Bearer ck_<key_id>_<secret>" (the key format chatctl prints), shared
// by chat-api and chat-stream so both accept exactly the same headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chat {

struct ApiKey {
    std::string key_id;
    std::string secret;
};

// nullopt unless the header is "Bearer " (any case) + a well-formed key, spaces around the key
// ignored. The key id ends at the first '_' after "ck_"; both parts must be non-empty
// [A-Za-z0-9_-], the key at most 200 bytes.
std::optional<ApiKey> parse_bearer(std::string_view authorization);

}  // namespace chat
