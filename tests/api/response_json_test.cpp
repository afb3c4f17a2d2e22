// The 202 answer of a queued turn, built around PostgreSQL's JSON texts without parsing them.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <boost/test/unit_test.hpp>

#include "api/rest/response_json.h"
#include "common/stream_token.h"

using namespace chat::rest;

namespace {

const Settings kSettings{"secret", 60, "tcp://127.0.0.1:1"};
const std::string kTurnId = "4f1c2d3e-0000-4000-8000-000000000001";
// As PostgreSQL writes jsonb: spaces after ':' and ',', a string holding braces and quotes.
const std::string kTurn =
    R"({"id": ")" + kTurnId + R"(", "status": "queued", "content": "a } \" {"})";

Poco::JSON::Object::Ptr parsed(const std::string& body) {
    Poco::JSON::Parser p;
    return p.parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string header(const chat::http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_posted_message_answers_with_both_objects_and_a_stream_url) {
    auto r = accepted_turn({R"({"id": "m1", "content": "hi"})", kTurn, kTurnId, false}, kSettings);
    BOOST_TEST(r.status == 202);
    auto body = parsed(r.body);
    BOOST_TEST(body->getObject("message")->getValue<std::string>("content") == "hi");
    auto turn = body->getObject("turn");
    BOOST_TEST(turn->getValue<std::string>("content") == "a } \" {");
    auto url = turn->getValue<std::string>("stream_url");
    auto prefix = "/api/v1/turns/" + kTurnId + "/stream?token=";
    BOOST_REQUIRE(url.rfind(prefix, 0) == 0);
    BOOST_TEST(chat::verify_stream_token("secret", kTurnId, url.substr(prefix.size()),
                                         std::time(nullptr)));
    BOOST_TEST(header(r, "Location") == "/api/v1/turns/" + kTurnId);
    BOOST_TEST(header(r, "Idempotent-Replayed").empty());
}

BOOST_AUTO_TEST_CASE(a_regenerate_has_no_message_and_a_replay_says_so) {
    auto r = accepted_turn({std::nullopt, kTurn, kTurnId, true}, kSettings);
    auto body = parsed(r.body);
    BOOST_TEST(!body->has("message"));
    BOOST_TEST(body->getObject("turn")->has("stream_url"));
    BOOST_TEST(header(r, "Idempotent-Replayed") == "true");
    BOOST_TEST(turn_with_stream_url(kTurn, kSettings).find("\"stream_url\": \"/api/v1/turns/") !=
               std::string::npos);
}
