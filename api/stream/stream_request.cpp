#include "api/stream/stream_request.h"

#include <cctype>
#include <charconv>

#include "common/ids.h"

namespace chat::stream {
namespace {

constexpr std::string_view kPrefix = "/api/v1/turns/";
constexpr std::string_view kSuffix = "/stream";

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<std::string> turn_id_from_path(std::string_view path) {
    if (path.size() <= kPrefix.size() + kSuffix.size()) return std::nullopt;
    if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    if (path.substr(path.size() - kSuffix.size()) != kSuffix) return std::nullopt;
    auto id = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
    if (!is_uuid(id)) return std::nullopt;
    return lower(id);
}

std::optional<int64_t> parse_cursor(const std::optional<std::string>& text) {
    if (!text || text->empty()) return std::nullopt;
    int64_t n = -1;
    const char* b = text->data();
    const char* e = b + text->size();
    auto [p, ec] = std::from_chars(b, e, n);
    if (ec != std::errc() || p != e || n < 0) return -1;
    return n;
}

void require_get(const http::Request& r) {
    if (r.method != "GET")
        throw http::Error(405, "Method Not Allowed", "use GET").with_header("Allow", "GET");
}

StreamRequest parse_stream_request(const http::Request& r) {
    // First, as in chat-api: a huge query (a forged token) costs no further parsing.
    http::check_query_size(r);
    auto id = turn_id_from_path(r.path);
    if (!id) throw http::Error(404, "Not Found", "no such turn stream");
    require_get(r);
    StreamRequest s;
    s.turn_id = *id;
    const auto& last_event_id = r.header("last-event-id");
    s.cursor =
        !last_event_id.empty() ? parse_cursor(last_event_id) : parse_cursor(r.query_param("after"));
    s.token = r.query_param("token");
    if (s.token && s.token->empty()) s.token.reset();
    s.api_key = parse_bearer(r.header("authorization"));
    if (!s.token && !s.api_key) {
        throw http::Error(401, "Unauthorized", "send a stream token or an API key")
            .with_header("WWW-Authenticate", "Bearer");
    }
    return s;
}

}  // namespace chat::stream
