// Opaque paging cursors. A client passes back what it was given; anything else is a 400.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::rest {

// Position in the conversation list order (pinned first, then updated_at desc, then id desc).
struct ConversationCursor {
    int pinned = 0;          // 1 when the conversation is pinned
    int64_t updated_us = 0;  // updated_at in microseconds since the Unix epoch
    std::string id;          // conversation uuid (tie-breaker)

    bool operator==(const ConversationCursor&) const = default;
};

// base64url (no padding) of "v1.<pinned>.<updated_us>.<id>".
std::string encode_cursor(const ConversationCursor& c);
// nullopt for anything that encode_cursor() could not have produced.
std::optional<ConversationCursor> decode_cursor(std::string_view text);

}  // namespace chat::rest
