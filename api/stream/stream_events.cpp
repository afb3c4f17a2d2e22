#include "api/stream/stream_events.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <charconv>
#include <sstream>

#include "common/sse.h"

namespace chat::stream {
namespace {

Poco::JSON::Object::Ptr parse_object(std::string_view json) {
    try {
        Poco::JSON::Parser parser;
        auto v = parser.parse(std::string(json));
        return v.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        return nullptr;
    }
}

// A member as raw JSON text, or nullopt when absent or null.
std::optional<std::string> member_json(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    if (!o || !o->has(key) || o->isNull(key)) return std::nullopt;
    auto v = o->get(key);
    std::ostringstream s;
    Poco::JSON::Stringifier::stringify(v, s);
    return s.str();
}

std::optional<std::string> member_string(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    if (!o || !o->has(key) || o->isNull(key)) return std::nullopt;
    auto v = o->get(key);
    if (!v.isString()) return std::nullopt;
    return v.convert<std::string>();
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    size_t plain = 0;  // start of the run of characters that need no escape
    for (size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        if (u >= 0x20 && u != '"' && u != '\\') continue;
        out.append(s, plain, i - plain);
        plain = i + 1;
        switch (u) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xf];
        }
    }
    out.append(s, plain, s.size() - plain);
    out += '"';
}

void append_stream_preamble(std::string& out, long retry_ms) {
    sse::append_retry(out, retry_ms);
    sse::append_comment(out, "stream open");
}

void append_token_event(std::string& out, int64_t seq, std::string_view text) {
    // The hottest event of all, written in place: escaped JSON holds no line break, so the
    // data is one line and needs none of sse::append_event's splitting.
    char num[24];
    auto id = std::string_view(num, std::to_chars(num, num + sizeof num, seq).ptr - num);
    out += "id: ";
    out += id;
    out += "\nevent: token\ndata: {\"seq\":";
    out += id;
    out += ",\"text\":";
    append_json_string(out, text);
    out += "}\n\n";
}

void append_reset_event(std::string& out, int attempt) {
    sse::append_event(out, "reset", "{\"attempt\":" + std::to_string(attempt) + "}");
}

void append_heartbeat_event(std::string& out, int64_t elapsed_s) {
    sse::append_event(out, "heartbeat", "{\"elapsed_s\":" + std::to_string(elapsed_s) + "}");
}

void append_done_event(std::string& out, const std::optional<std::string>& message_id,
                       const std::optional<std::string>& usage_json,
                       std::string_view finish_reason) {
    std::string data = "{\"message_id\":";
    if (message_id)
        append_json_string(data, *message_id);
    else
        data += "null";
    data += ",\"usage\":";
    data += usage_json ? *usage_json : "null";
    data += ",\"finish_reason\":";
    append_json_string(data, finish_reason);
    data += '}';
    sse::append_event(out, "done", data);
}

void append_error_event(std::string& out, std::string_view code, std::string_view message,
                        bool retryable) {
    std::string data = "{\"code\":";
    append_json_string(data, code);
    data += ",\"message\":";
    append_json_string(data, message);
    data += ",\"retryable\":";
    data += retryable ? "true" : "false";
    data += '}';
    sse::append_event(out, "error", data);
}

void append_error_event_from_json(std::string& out, const std::optional<std::string>& error_json) {
    auto o = error_json ? parse_object(*error_json) : nullptr;
    auto code = member_string(o, "code").value_or("generation_failed");
    auto message = member_string(o, "message").value_or("the reply could not be generated");
    bool retryable = o && o->has("retryable") && o->get("retryable").isBoolean() &&
                     o->getValue<bool>("retryable");
    append_error_event(out, code, message, retryable);
}

void append_done_event_from_json(std::string& out, std::string_view done_json) {
    auto o = parse_object(done_json);
    auto reason = member_string(o, "finish_reason");
    if (!reason) reason = member_string(o, "status") == "cancelled" ? "cancelled" : "stop";
    append_done_event(out, member_string(o, "message_id"), member_json(o, "usage"), *reason);
}

}  // namespace chat::stream
