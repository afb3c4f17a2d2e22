#include "api/rest/response_json.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "common/stream_token.h"

namespace chat::rest {
namespace {

Poco::JSON::Object::Ptr parse_object(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

std::string stringify(const Poco::JSON::Object::Ptr& o) {
    std::ostringstream os;
    o->stringify(os);
    return os.str();
}

void add_stream_url(Poco::JSON::Object& turn, const Settings& s) {
    auto id = turn.getValue<std::string>("id");
    turn.set("stream_url", stream_url(s.stream_secret, id, s.stream_token_ttl_s));
}

}  // namespace

http::Response json_response(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

std::string turn_with_stream_url(const std::string& turn_json, const Settings& s) {
    auto turn = parse_object(turn_json);
    add_stream_url(*turn, s);
    return stringify(turn);
}

http::Response accepted_turn(const std::string& result_json, const Settings& s) {
    auto result = parse_object(result_json);
    bool replayed = result->has("replayed");
    result->remove("replayed");
    auto turn = result->getObject("turn");
    add_stream_url(*turn, s);
    auto r = json_response(202, stringify(result));
    r.headers.emplace_back("Location", "/api/v1/turns/" + turn->getValue<std::string>("id"));
    if (replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
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
