#include "api/stream/acceptor.h"

#include <unistd.h>

#include <ctime>

#include "api/stream/stream_request.h"
#include "api/stream/stream_store.h"
#include "common/db.h"
#include "common/fcgi.h"
#include "common/log.h"
#include "common/stream_token.h"

namespace chat::stream {
namespace {

constexpr size_t kMaxBody = 4096;
constexpr std::string_view kMetricsPath = "/metrics/stream";

// Prometheus text for this process (nginx routes /metrics/stream here; with several stream
// processes each scrape sees one of them, named by its pid).
std::string metrics_text(const HubStats& st) {
    std::string pid = "{pid=\"" + std::to_string(::getpid()) + "\"}";
    std::string out;
    auto add = [&](const char* name, const char* type, const char* help, uint64_t v) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
               name + pid + " " + std::to_string(v) + "\n";
    };
    add("chat_stream_open_streams", "gauge", "SSE streams open now", st.open_streams);
    add("chat_stream_followed_turns", "gauge", "turns with at least one open stream",
        st.followed_turns);
    add("chat_stream_recent_turns", "gauge", "turns whose recent live events are kept",
        st.recent_turns);
    add("chat_stream_streams_opened_total", "counter", "streams opened", st.streams_opened);
    add("chat_stream_snapshot_reads_total", "counter", "PostgreSQL snapshot reads",
        st.snapshot_reads);
    return out;
}

// Every 401 names the scheme (RFC 9110 requires it; chat-api does the same).
http::Error unauthorized(std::string detail) {
    return http::Error(401, "Unauthorized", std::move(detail))
        .with_header("WWW-Authenticate", "Bearer");
}

// Throws http::Error unless the request may read this turn's stream.
void authorize(const StreamRequest& r, const std::string& secret, StreamStore& store) {
    if (r.token) {
        if (!verify_stream_token(secret, r.turn_id, *r.token, std::time(nullptr)))
            throw unauthorized("invalid or expired stream token");
        return;
    }
    auto who = store.authenticate(*r.api_key);
    if (!who) throw unauthorized("invalid API key");
    if (who->retry_after > 0) {
        throw http::Error(429, "Too Many Requests", "rate limit exceeded")
            .with_header("Retry-After", std::to_string(who->retry_after));
    }
    // Another user's turn is answered exactly like an unknown one.
    auto owner = store.turn_owner(r.turn_id);
    if (!owner || *owner != who->user_id) throw http::Error(404, "Not Found", "no such turn");
}

void respond(fcgi::Request& req, int status, std::string_view title, std::string_view detail,
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    auto resp = http::problem(status, title, detail);
    resp.headers.insert(resp.headers.end(), headers.begin(), headers.end());
    req.write(http::serialize(resp));
    req.finish();
}

}  // namespace

Acceptor::Acceptor(AcceptorConfig cfg, Hub& hub) : cfg_(std::move(cfg)), hub_(hub) {
    thread_ = std::thread([this] { run(); });
}

Acceptor::~Acceptor() {
    if (thread_.joinable()) thread_.join();
}

void Acceptor::run() {
    fcgi::Request req(cfg_.listen_fd);
    StreamStore store(cfg_.db_url);
    while (req.accept()) {
        try {
            auto request = req.read(kMaxBody);
            if (request.path == kMetricsPath) {
                require_get(request);  // a known path: another method is a 405, not a 404
                http::Response m;
                m.status = 200;
                m.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
                m.body = metrics_text(hub_.stats());
                req.write(http::serialize(m));
                req.finish();
                continue;
            }
            auto parsed = parse_stream_request(request);
            authorize(parsed, cfg_.stream_secret, store);
            auto d = req.detach();
            hub_.add_stream({UniqueFd(d.fd), d.request_id, parsed.turn_id, parsed.cursor});
        } catch (const http::Error& e) {
            respond(req, e.status(), e.title(), e.what(), e.headers());
        } catch (const db::Error& e) {
            log::warn(std::string("stream auth: ") + e.what());
            respond(req, 503, "Service Unavailable", "the database is unavailable",
                    {{"Retry-After", "1"}});
        } catch (const std::exception& e) {
            log::error(std::string("stream request: ") + e.what());
            respond(req, 500, "Internal Server Error", "unexpected error");
        }
    }
}

}  // namespace chat::stream
