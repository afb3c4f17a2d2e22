#include "common/stream_token.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <charconv>
#include <ctime>

namespace chat {
namespace {

struct SHA256 : Poco::SHA2Engine {
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    SHA256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

std::string mac(const std::string& secret, std::string_view turn_id, int64_t expires_at) {
    Poco::HMACEngine<SHA256> h(secret);
    std::string msg(turn_id);
    msg += '.';
    msg += std::to_string(expires_at);
    h.update(msg);
    return Poco::DigestEngine::digestToHex(h.digest());
}

// Constant-time comparison so the MAC cannot be guessed byte by byte.
bool same(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

std::string sign_stream_token(const std::string& secret, std::string_view turn_id,
                              int64_t expires_at) {
    return std::to_string(expires_at) + "." + mac(secret, turn_id, expires_at);
}

bool verify_stream_token(const std::string& secret, std::string_view turn_id,
                         std::string_view token, int64_t now) {
    if (secret.empty()) return false;
    auto dot = token.find('.');
    if (dot == std::string_view::npos) return false;
    int64_t exp = 0;
    auto [p, ec] = std::from_chars(token.data(), token.data() + dot, exp);
    if (ec != std::errc() || p != token.data() + dot) return false;
    if (exp < now) return false;
    return same(token.substr(dot + 1), mac(secret, turn_id, exp));
}

std::string stream_url(const std::string& secret, std::string_view turn_id, long ttl_s) {
    int64_t exp = static_cast<int64_t>(std::time(nullptr)) + ttl_s;
    return "/api/v1/turns/" + std::string(turn_id) +
           "/stream?token=" + sign_stream_token(secret, turn_id, exp);
}

}  // namespace chat
