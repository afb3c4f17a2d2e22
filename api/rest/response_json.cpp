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

std::string result_with_stream_url(const std::string& result_json, const Settings& s,
                                   bool* replayed) {
    auto result = parse_object(result_json);
    if (replayed) *replayed = result->has("replayed");
    result->remove("replayed");
    add_stream_url(*result->getObject("turn"), s);
    return stringify(result);
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
