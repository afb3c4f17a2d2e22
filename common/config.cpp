#include "common/config.h"

#include <cstdlib>

namespace chat {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

long env_int(const char* name, long fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    return (end && *end == '\0') ? n : fallback;
}

Config Config::from_env() {
    Config c;
    c.db_url = env_or("CHAT_DB_URL", "host=127.0.0.1 port=5433 dbname=chat user=chat");
    c.broker_pub = env_or("CHAT_BROKER_PUB", "tcp://127.0.0.1:5571");
    c.broker_sub = env_or("CHAT_BROKER_SUB", "tcp://127.0.0.1:5572");
    c.stream_secret = env_or("CHAT_STREAM_SECRET", "");
    c.stream_token_ttl_s = env_int("CHAT_STREAM_TOKEN_TTL_S", 3600);
    return c;
}

}  // namespace chat
