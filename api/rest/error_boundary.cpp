#include "api/rest/error_boundary.h"

#include "common/log.h"

namespace chat::rest {

std::string primary_message(std::string_view m) {
    for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
        if (auto at = m.find(prefix); at != std::string_view::npos) {
            m.remove_prefix(at + prefix.size());
            break;
        }
    }
    return std::string(m.substr(0, m.find('\n')));
}

http::Response db_error_response(const db::Error& e) {
    const auto& state = e.sqlstate();
    // CHnnn: answer HTTP nnn. CRnnn: the same, for a state that passes by itself in a moment.
    bool passes = state.compare(0, 2, "CR") == 0;
    if (state.size() == 5 && (passes || state.compare(0, 2, "CH") == 0)) {
        int status = std::stoi(state.substr(2));
        auto r = http::problem(status, http::reason_phrase(status), primary_message(e.what()));
        if (status == 429 || passes) r.headers.emplace_back("Retry-After", "1");
        return r;
    }
    if (e.connection_lost() || state.compare(0, 2, "08") == 0 || state == "57P01") {
        log::warn(std::string("database unavailable: ") + e.what());
        auto r = http::problem(503, "Service Unavailable",
                               "the database is unavailable; retry in a moment");
        r.headers.emplace_back("Retry-After", "1");
        return r;
    }
    if (state.compare(0, 2, "22") == 0)
        return http::problem(400, "Bad Request", "a value in the request is not acceptable");
    if (state == "40001" || state == "40P01") {
        auto r = http::problem(503, "Service Unavailable", "a conflicting update won; retry");
        r.headers.emplace_back("Retry-After", "1");
        return r;
    }
    log::error(std::string("database error ") + state + ": " + e.what());
    return http::problem(500, "Internal Server Error", "the request failed unexpectedly");
}

http::Response guarded(const std::function<http::Response()>& fn) noexcept {
    try {
        try {
            return fn();
        } catch (const http::Error& e) {
            auto r = http::problem(e.status(), e.title(), e.what());
            for (const auto& h : e.headers()) r.headers.push_back(h);
            return r;
        } catch (const db::Error& e) {
            return db_error_response(e);
        } catch (const std::exception& e) {
            log::error(std::string("unhandled exception: ") + e.what());
        } catch (...) {
            log::error("unhandled non-standard exception");
        }
        return http::problem(500, "Internal Server Error", "the request failed unexpectedly");
    } catch (...) {
        // Building the error response itself failed (out of memory): answer without allocating
        // JSON.
        http::Response r;
        r.status = 500;
        r.content_type = "application/problem+json";
        r.body = R"({"type":"about:blank","title":"Internal Server Error","status":500})";
        return r;
    }
}

}  // namespace chat::rest
