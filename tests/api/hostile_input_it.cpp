#include <boost/test/unit_test.hpp>

#include "tests/api/it_stack.h"
#include "tests/support/stack_client.h"

using namespace chat::test::api;

namespace {

const std::string kUnknownId = "00000000-0000-4000-8000-000000000000";

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_input)

BOOST_AUTO_TEST_CASE(bad_bodies_get_clear_errors_and_nothing_is_written) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    auto msgs = "/api/v1/conversations/" + conv + "/messages";
    struct Case {
        std::string body, content_type;
        int status;
    };
    const std::vector<Case> cases{
        {"{\"content\":", "application/json", 400},  // malformed JSON
        {"content=hi", "application/x-www-form-urlencoded", 415},
        {"{\"content\":\"hi\"}", "text/plain", 415},
        {"{\"content\":\"\"}", "application/json", 400},           // empty
        {"{\"content\":\" \\n\\t \"}", "application/json", 400},   // whitespace only
        {"{\"content\":\"\xC3\x28\"}", "application/json", 400},   // invalid UTF-8
        {"{\"content\":\"a\\u0000b\"}", "application/json", 400},  // NUL
        {"{\"content\":42}", "application/json", 400},             // wrong type
        {"{\"content\":[\"hi\"]}", "application/json", 400},
        {"{\"content\":\"hi\",\"model\":7}", "application/json", 400},
        {"[\"hi\"]", "application/json", 400},  // not an object
        {"{\"content\":\"" + std::string(32001, 'x') + "\"}", "application/json", 400},
        {std::string(70000, 'x'), "application/json", 413},  // too large (nginx)
    };
    for (const auto& c : cases) {
        auto r = alice.send("POST", msgs, c.body, {{"Content-Type", c.content_type}});
        BOOST_TEST(
            r.is_problem(c.status),
            c.body.substr(0, 60) + " -> " + std::to_string(r.status) + " " + r.body.substr(0, 200));
    }
    auto patch = "/api/v1/conversations/" + conv;
    for (const char* body : {R"({"pinned":"yes"})", R"({"archived":1})", R"({"title":null})",
                             R"({"title":{"a":1}})", R"({"agent_id":false})"}) {
        BOOST_TEST(alice.send("PATCH", patch, body).is_problem(400), body);
    }
    // Nothing half-written: no message stored, the conversation unchanged.
    BOOST_TEST(alice.get(msgs).json()->getArray("items")->size() == 0u);
    BOOST_TEST(alice.get(patch).str("title") == "test");
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_ignored_and_unicode_round_trips) {
    auto alice = new_user();
    auto r = alice.post("/api/v1/conversations",
                        R"({"title":"Caf\u00e9 \ud83d\ude00","admin":true,"user_id":"x"})");
    BOOST_TEST_REQUIRE(r.status == 201, r.body);
    BOOST_TEST(r.str("title") == "Caf\xC3\xA9 \xF0\x9F\x98\x80");
    auto conv = r.str("id");
    auto posted = alice.post("/api/v1/conversations/" + conv + "/messages",
                             "{\"content\":\"\xE2\x82\xAC \xE4\xB8\xAD\xE6\x96\x87\",\"x\":1}");
    BOOST_TEST_REQUIRE(posted.status == 202, posted.body);
    BOOST_TEST(posted.json()->getObject("message")->getValue<std::string>("content") ==
               "\xE2\x82\xAC \xE4\xB8\xAD\xE6\x96\x87");
    wait_turn_finished(alice, posted.json()->getObject("turn")->getValue<std::string>("id"));

    // SQL-looking text is data: stored and returned verbatim (all SQL uses bound parameters).
    const std::string sql = "'); DROP TABLE messages; -- \\\" OR 1=1";
    auto renamed =
        alice.send("PATCH", "/api/v1/conversations/" + conv, "{\"title\":" + quoted(sql) + "}");
    BOOST_TEST_REQUIRE(renamed.status == 200, renamed.body);
    BOOST_TEST(renamed.str("title") == sql);
    BOOST_TEST(alice.get("/api/v1/conversations/" + conv).str("title") == sql);
}

BOOST_AUTO_TEST_CASE(bad_ids_paths_methods_and_queries) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    for (const std::string& path :
         {std::string("/api/v1/conversations/not-a-uuid"),
          std::string("/api/v1/conversations/1%27%20OR%20%271%27%3D%271"),
          std::string("/api/v1/conversations/") + kUnknownId, std::string("/api/v1/turns/123"),
          std::string("/api/v1/turns/") + kUnknownId, std::string("/api/v1/nothing-here"),
          std::string("/api/v2/conversations"),
          "/api/v1/conversations/" + conv + "/messages/not-a-uuid/regenerate"}) {
        auto r = alice.get(path);
        BOOST_TEST(r.is_problem(404), path + " -> " + r.body);
    }
    auto m405 = alice.send("DELETE", "/api/v1/conversations");
    BOOST_TEST(m405.is_problem(405));
    BOOST_TEST(m405.header("allow") == "POST, GET, HEAD");
    auto t405 = alice.send("PUT", "/api/v1/turns/" + kUnknownId, "{}");
    BOOST_TEST(t405.is_problem(405));
    BOOST_TEST(t405.header("allow") == "GET, HEAD");

    for (std::string query : {"limit=0", "limit=101", "limit=-5", "limit=abc",
                              "limit=99999999999999999999", "archived=maybe", "cursor=not-a-cursor",
                              "cursor=%27%3B%20DROP%20TABLE%20users%3B--", "limit=%zz"}) {
        auto r = alice.get("/api/v1/conversations?" + query);
        BOOST_TEST(r.is_problem(400), query + " -> " + r.body);
    }
    auto msgs = "/api/v1/conversations/" + conv + "/messages?";
    BOOST_TEST(alice.get(msgs + "before=nope").is_problem(400));
    BOOST_TEST(alice.get(msgs + "before=" + kUnknownId).is_problem(400));
    BOOST_TEST(alice.get(msgs + "limit=1000").is_problem(400));

    auto long_query = alice.get("/api/v1/conversations?pad=" + std::string(5000, 'a'));
    BOOST_TEST(long_query.is_problem(414), long_query.body);
    auto huge_query = alice.get("/api/v1/conversations?pad=" + std::string(40000, 'a'));
    BOOST_TEST((huge_query.status == 414 || huge_query.status == 400), huge_query.status);
    BOOST_TEST(huge_query.header("content-type").rfind("application/problem+json", 0) == 0u);
    auto huge_header =
        alice.send("GET", "/api/v1/conversations", "", {{"X-Padding", std::string(40000, 'h')}});
    BOOST_TEST((huge_header.status == 431 || huge_header.status == 400), huge_header.status);
    BOOST_TEST(huge_header.header("content-type").rfind("application/problem+json", 0) == 0u);
}

// After all of the above, the server still serves a normal turn end to end: posted through
// nginx, generated by a worker, streamed to `done` over SSE, and stored.
BOOST_AUTO_TEST_CASE(a_normal_turn_still_completes_afterwards) {
    chat::test::StackClient demo;  // the stack's normal test user
    auto conv = demo.create_conversation("after hostile input");
    auto posted = demo.post_message(conv, "still there?");
    auto turn = posted->getObject("turn");
    auto stream = demo.open_stream(turn->getValue<std::string>("stream_url"));
    auto events = chat::test::read_until_end(*stream, std::chrono::seconds(30));
    BOOST_TEST_REQUIRE(!events.empty());
    BOOST_TEST(events.back().event == "done");
    auto text = chat::test::token_text(events);
    BOOST_TEST(!text.empty());
    auto stored = wait_turn_finished(user_client(), turn->getValue<std::string>("id"));
    BOOST_TEST(stored->getValue<std::string>("status") == "done");
    BOOST_TEST(stored->getValue<std::string>("content") == text);
}

BOOST_AUTO_TEST_SUITE_END()
