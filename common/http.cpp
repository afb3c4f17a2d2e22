#include "common/http.h"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace chat::http {

const std::string& Request::header(const std::string& lower_name) const {
    static const std::string empty;
    auto it = headers.find(lower_name);
    return it == headers.end() ? empty : it->second;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    std::string_view q = query;
    while (!q.empty()) {
        auto amp = q.find('&');
        auto pair = q.substr(0, amp);
        auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            if (eq == std::string_view::npos) return std::string();
            auto v = percent_decode(pair.substr(eq + 1));
            if (!v)
                throw Error(400, "Bad Request", "malformed percent-encoding in the query string");
            return v;
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

Response problem(int status, std::string_view title, std::string_view detail) {
    Poco::JSON::Object o;
    o.set("type", "about:blank");
    o.set("title", std::string(title));
    o.set("status", status);
    o.set("detail", std::string(detail));
    std::ostringstream os;
    o.stringify(os);
    Response r;
    r.status = status;
    r.content_type = "application/problem+json";
    r.body = os.str();
    return r;
}

std::string serialize(const Response& r) {
    std::string out = "Status: " + std::to_string(r.status) + " ";
    out += reason_phrase(r.status);
    out += "\r\n";
    if (r.status != 204) {
        out += "Content-Type: " + r.content_type + "\r\n";
    }
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    out += "\r\n";
    out += r.body;
    return out;
}

void check_query_size(const Request& r) {
    if (r.query.size() > kMaxQueryBytes)
        throw Error(414, "URI Too Long",
                    "the query string may be at most " + std::to_string(kMaxQueryBytes) + " bytes");
}

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace chat::http
