#include "api/rest/request_input.h"

#include <string_view>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <cctype>
#include <charconv>

#include "api/rest/utf8.h"
#include "common/ids.h"

namespace chat::rest {
namespace {

[[noreturn]] void bad_request(const std::string& detail) {
    throw http::Error(400, "Bad Request", detail);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// s without the spaces and tabs around it (optional whitespace, RFC 9110 5.6.3).
std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// application/json with no charset parameter or charset UTF-8 (RFC 9110 parameters: name=value
// or name="value", separated by ';').
bool is_json_content_type(const std::string& value) {
    auto v = lower(value);
    std::string_view rest(v);
    auto semi = rest.find(';');
    if (trimmed(rest.substr(0, semi)) != "application/json") return false;
    while (semi != std::string_view::npos) {
        rest.remove_prefix(semi + 1);
        semi = rest.find(';');
        auto param = trimmed(rest.substr(0, semi));
        auto eq = param.find('=');
        if (eq == std::string_view::npos || trimmed(param.substr(0, eq)) != "charset") continue;
        auto charset = trimmed(param.substr(eq + 1));
        if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"')
            charset = charset.substr(1, charset.size() - 2);
        if (charset != "utf-8" && charset != "utf8") return false;
    }
    return true;
}

std::string checked_string(const Poco::Dynamic::Var& v, const std::string& name, size_t max_chars) {
    if (!v.isString()) bad_request("'" + name + "' must be a string");
    auto s = v.extract<std::string>();
    auto n = utf8_length(s);
    if (!n) bad_request("'" + name + "' is not valid UTF-8");
    if (s.find('\0') != std::string::npos) bad_request("'" + name + "' contains a NUL character");
    if (*n > max_chars)
        bad_request("'" + name + "' is longer than " + std::to_string(max_chars) + " characters");
    return s;
}

}  // namespace

Poco::JSON::Object::Ptr parse_json_body(const http::Request& req, bool required) {
    bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank && !required) return new Poco::JSON::Object;
    // No body at all is a missing body (400), whatever the Content-Type says.
    if (blank) bad_request("a JSON object body is required");
    if (!is_json_content_type(req.header("content-type")))
        throw http::Error(415, "Unsupported Media Type",
                          "send the body as Content-Type: application/json");
    if (!is_valid_utf8(req.body)) bad_request("the body is not valid UTF-8");
    // Poco refuses a top-level scalar as a parse error: say what is wrong with `"x"` or `42`.
    if (req.body[req.body.find_first_not_of(" \t\r\n")] != '{')
        bad_request("the body must be a JSON object");
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(req.body);
    } catch (const Poco::Exception&) {
        bad_request("the body is not valid JSON (or nests too deep)");
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
        bad_request("the body must be a JSON object");
    return parsed.extract<Poco::JSON::Object::Ptr>();
}

std::optional<std::string> string_field(const Poco::JSON::Object& o, const std::string& name,
                                        size_t max_chars) {
    if (!o.has(name)) return std::nullopt;
    if (o.isNull(name)) bad_request("'" + name + "' must be a string, not null");
    return checked_string(o.get(name), name, max_chars);
}

NullableString nullable_string_field(const Poco::JSON::Object& o, const std::string& name,
                                     size_t max_chars) {
    NullableString out;
    out.present = o.has(name);
    if (out.present && !o.isNull(name)) out.value = checked_string(o.get(name), name, max_chars);
    return out;
}

std::optional<bool> bool_field(const Poco::JSON::Object& o, const std::string& name) {
    if (!o.has(name)) return std::nullopt;
    const auto& v = o.get(name);
    if (v.type() != typeid(bool)) bad_request("'" + name + "' must be true or false");
    return v.extract<bool>();
}

std::string content_field(const Poco::JSON::Object& o) {
    auto content = string_field(o, "content", kMaxContentChars);
    if (!content) bad_request("'content' is required");
    if (is_blank(*content)) bad_request("'content' must not be empty or only whitespace");
    return *content;
}

int limit_param(const http::Request& req, int fallback, int max) {
    auto v = req.query_param("limit");
    if (!v) return fallback;
    int n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc() || p != v->data() + v->size() || n < 1 || n > max)
        bad_request("'limit' must be a whole number from 1 to " + std::to_string(max));
    return n;
}

bool bool_param(const http::Request& req, const std::string& name, bool fallback) {
    auto v = req.query_param(name);
    if (!v) return fallback;
    if (*v == "true") return true;
    if (*v == "false") return false;
    bad_request("'" + name + "' must be true or false");
}

std::optional<std::string> uuid_param(const http::Request& req, const std::string& name) {
    auto v = req.query_param(name);
    if (!v) return std::nullopt;
    if (!is_uuid(*v)) bad_request("'" + name + "' must be a message id");
    return v;
}

std::optional<std::string> idempotency_key(const http::Request& req) {
    const auto& v = req.header("idempotency-key");
    if (v.empty()) return std::nullopt;
    bool printable = v.size() <= 200;
    for (char c : v) printable = printable && c > 0x20 && c < 0x7f;
    if (!printable) bad_request("Idempotency-Key must be 1 to 200 printable ASCII characters");
    return v;
}

}  // namespace chat::rest
