#include "workers/backends/upstream_error.h"

#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <charconv>

namespace chat::backends {
namespace {

UpstreamError make(std::string code, std::string message, bool retryable) {
    return UpstreamError{std::move(code), std::move(message), retryable, 0};
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

// Pulls "message" (and "type") out of {"error": {...}} / {"error": "..."} bodies.
std::string error_message_from_body(std::string_view body) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(std::string(body)).extract<Poco::JSON::Object::Ptr>();
        if (root->has("error")) {
            if (auto err = root->getObject("error")) {
                std::string msg = err->optValue<std::string>("message", "");
                std::string type = err->optValue<std::string>("type", "");
                if (!type.empty() && !msg.empty()) return type + ": " + msg;
                if (!msg.empty()) return msg;
            }
            return root->get("error").toString();
        }
        if (root->has("message")) return root->getValue<std::string>("message");
    } catch (const std::exception&) {
        // not JSON: fall through to the raw body
    }
    return std::string(body.substr(0, 300));
}

}  // namespace

UpstreamError unavailable(std::string message) {
    return make("upstream_unavailable", std::move(message), true);
}

UpstreamError timed_out(std::string message) {
    return make("timeout", std::move(message), true);
}

UpstreamError protocol_error(std::string message) {
    return make("upstream_error", std::move(message), false);
}

UpstreamError from_http_status(int status, std::string_view body, std::string_view retry_after) {
    std::string detail = "HTTP " + std::to_string(status);
    if (std::string msg = error_message_from_body(body); !msg.empty()) detail += ": " + msg;
    UpstreamError err;
    if (status == 429) {
        err = make("rate_limited", detail, true);
    } else if (status == 408) {
        err = make("timeout", detail, true);
    } else if (status >= 500) {
        err = make("upstream_unavailable", detail, true);  // includes Anthropic's 529 overloaded
    } else if (status >= 400) {
        err = make("bad_request", detail, false);
    } else {
        err = make("upstream_error", detail, false);
    }
    err.retry_after_ms = parse_retry_after_ms(retry_after);
    return err;
}

UpstreamError from_error_type(std::string_view type, int numeric_code, const std::string& message) {
    std::string detail = type.empty() ? message : std::string(type) + ": " + message;
    if (contains(type, "rate_limit")) return make("rate_limited", detail, true);
    if (contains(type, "overloaded") || contains(type, "api_error") ||
        contains(type, "server_error") || contains(type, "unavailable")) {
        return make("upstream_unavailable", detail, true);
    }
    if (contains(type, "timeout")) return make("timeout", detail, true);
    if (contains(type, "invalid_request") || contains(type, "authentication") ||
        contains(type, "permission") || contains(type, "not_found") ||
        contains(type, "too_large") || contains(type, "context_length")) {
        return make("bad_request", detail, false);
    }
    if (numeric_code >= 400) {
        UpstreamError by_status = from_http_status(numeric_code, {}, {});
        by_status.message = detail;
        return by_status;
    }
    // An unknown in-stream error: most are transient, and the queue bounds the attempts.
    return make("upstream_error", detail, true);
}

long parse_retry_after_ms(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return 0;
    double seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && ptr == value.data() + value.size()) {
        return seconds > 0 ? static_cast<long>(std::min(seconds, 86400.0) * 1000) : 0;
    }
    try {
        int tzd = 0;
        Poco::DateTime when = Poco::DateTimeParser::parse(std::string(value), tzd);
        Poco::Timespan delta = when.timestamp() - Poco::Timestamp();
        return delta.totalMilliseconds() > 0 ? static_cast<long>(delta.totalMilliseconds()) : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace chat::backends
