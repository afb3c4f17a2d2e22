#include "api/rest/response_json.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>
#include <stdexcept>

#include "common/stream_token.h"

namespace chat::rest {
namespace {

Poco::JSON::Object::Ptr parse_object(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

// The turn object's text with a "stream_url" member: PostgreSQL's JSON objects end in '}', and
// a turn has members, so the URL goes in before the brace without parsing the rest.
std::string with_stream_url(const std::string& turn_json, const std::string& turn_id,
                            const Settings& s) {
    auto end = turn_json.rfind('}');
    if (end == std::string::npos) throw std::runtime_error("a turn that is not a JSON object");
    std::ostringstream url;
    Poco::JSON::Stringifier::formatString(
        stream_url(s.stream_secret, turn_id, s.stream_token_ttl_s), url);
    return turn_json.substr(0, end) + ", \"stream_url\": " + url.str() + turn_json.substr(end);
}

}  // namespace

http::Response json_response(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

std::string turn_with_stream_url(const std::string& turn_json, const Settings& s) {
    return with_stream_url(turn_json, parse_object(turn_json)->getValue<std::string>("id"), s);
}

http::Response accepted_turn(const AcceptedTurnRow& row, const Settings& s) {
    std::string body = "{";
    if (row.message_json) body += "\"message\": " + *row.message_json + ", ";
    body += "\"turn\": " + with_stream_url(row.turn_json, row.turn_id, s) + "}";
    auto r = json_response(202, std::move(body));
    r.headers.emplace_back("Location", "/api/v1/turns/" + row.turn_id);
    if (row.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
    return r;
}

http::Response created_conversation(const std::string& conversation_json) {
    auto id = parse_object(conversation_json)->getValue<std::string>("id");
    auto r = json_response(201, conversation_json);
    r.headers.emplace_back("Location", "/api/v1/conversations/" + id);
    return r;
}

std::string page_json(const std::vector<std::string>& items,
                      const std::optional<std::string>& next_cursor) {
    std::string out = "{\"items\":[";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        out += items[i];
    }
    out += "],\"next_cursor\":";
    if (next_cursor) {
        std::ostringstream os;
        Poco::JSON::Stringifier::formatString(*next_cursor, os);
        out += os.str();
    } else {
        out += "null";
    }
    out += '}';
    return out;
}

}  // namespace chat::rest
