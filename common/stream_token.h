// Signed, short-lived stream tokens: they let a browser EventSource (which cannot send an
// Authorization header) open the stream of one turn, and nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

// token = "<expiry unix seconds>.<hex HMAC-SHA256(secret, turn_id '.' expiry)>"
std::string sign_stream_token(const std::string& secret, std::string_view turn_id,
                              int64_t expires_at);

// True when token was signed with secret for this turn and has not expired at `now`.
bool verify_stream_token(const std::string& secret, std::string_view turn_id,
                         std::string_view token, int64_t now);

// The stream path with a token valid for ttl_s seconds from now.
std::string stream_url(const std::string& secret, std::string_view turn_id, long ttl_s);

}  // namespace chat
