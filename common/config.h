// Process configuration from environment variables. Every variable has a documented default
// (README "Configuration"); nothing else is read.
#pragma once

#include <string>

namespace chat {

std::string env_or(const char* name, const std::string& fallback);
long env_int(const char* name, long fallback);

struct Config {
    std::string db_url;           // CHAT_DB_URL: libpq connection string
    std::string broker_pub;       // CHAT_BROKER_PUB: where publishers connect (broker XSUB)
    std::string broker_sub;       // CHAT_BROKER_SUB: where subscribers connect (broker XPUB)
    std::string stream_secret;    // CHAT_STREAM_SECRET: HMAC key for stream_url tokens
    long stream_token_ttl_s = 0;  // CHAT_STREAM_TOKEN_TTL_S

    static Config from_env();
};

}  // namespace chat
