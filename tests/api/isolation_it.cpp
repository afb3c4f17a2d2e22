#include <boost/test/unit_test.hpp>

#include "tests/api/it_stack.h"

using namespace chat::test::api;

BOOST_AUTO_TEST_SUITE(isolation)

// Every endpoint that takes an id answers another user's id exactly like an unknown one.
BOOST_AUTO_TEST_CASE(another_users_ids_are_not_found_on_every_endpoint) {
    auto alice = new_user();
    auto mallory = new_user();
    auto conv = create_conversation(alice, "private");
    auto posted =
        alice.post("/api/v1/conversations/" + conv + "/messages", R"({"content":"secret"})");
    BOOST_TEST_REQUIRE(posted.status == 202, posted.body);
    auto mid = posted.json()->getObject("message")->getValue<std::string>("id");
    auto turn = posted.json()->getObject("turn")->getValue<std::string>("id");
    wait_turn_finished(alice, turn);

    const std::string unknown = "00000000-0000-4000-8000-000000000000";
    struct Probe {
        std::string method, path, body;
    };
    auto probes = [&](const std::string& c, const std::string& m, const std::string& t) {
        return std::vector<Probe>{
            {"GET", "/api/v1/conversations/" + c, ""},
            {"PATCH", "/api/v1/conversations/" + c, R"({"title":"mine now"})"},
            {"DELETE", "/api/v1/conversations/" + c, ""},
            {"GET", "/api/v1/conversations/" + c + "/messages", ""},
            {"POST", "/api/v1/conversations/" + c + "/messages", R"({"content":"hi"})"},
            {"PUT", "/api/v1/conversations/" + c + "/messages/" + m, R"({"content":"x"})"},
            {"POST", "/api/v1/conversations/" + c + "/messages/" + m + "/regenerate", ""},
            {"GET", "/api/v1/turns/" + t, ""},
            {"POST", "/api/v1/turns/" + t + "/cancel", ""},
        };
    };
    auto foreign = probes(conv, mid, turn);
    auto missing = probes(unknown, unknown, unknown);
    for (size_t i = 0; i < foreign.size(); ++i) {
        auto theirs = mallory.send(foreign[i].method, foreign[i].path, foreign[i].body);
        auto nobody = mallory.send(missing[i].method, missing[i].path, missing[i].body);
        auto what = foreign[i].method + " " + foreign[i].path;
        BOOST_TEST(theirs.is_problem(404), what + " -> " + theirs.body);
        BOOST_TEST(theirs.body == nobody.body, what);
    }
    BOOST_TEST(mallory.get("/api/v1/conversations").json()->getArray("items")->size() == 0u);
    // The stream (chat-stream) keeps the same rule with a key instead of a token.
    auto stream = mallory.get("/api/v1/turns/" + turn + "/stream");
    BOOST_TEST(stream.is_problem(404), stream.body);
    BOOST_TEST(stream.body == mallory.get("/api/v1/turns/" + unknown + "/stream").body);

    // Alice's data is untouched by all of it.
    auto still = alice.get("/api/v1/conversations/" + conv);
    BOOST_TEST(still.status == 200);
    BOOST_TEST(still.str("title") == "private");
    auto items = alice.get("/api/v1/conversations/" + conv + "/messages").json()->getArray("items");
    BOOST_TEST(items->size() == 2u);
    BOOST_TEST(items->getObject(0)->isNull("edited_content"));
}

BOOST_AUTO_TEST_CASE(admin_context_is_admin_only_and_versioned) {
    auto admin = admin_client();
    auto user = user_client();
    BOOST_TEST(user.get("/api/v1/admin/context").is_problem(403));
    BOOST_TEST(user.send("PUT", "/api/v1/admin/context", R"({"content":"x"})").is_problem(403));
    auto before = admin.get("/api/v1/admin/context");
    BOOST_TEST_REQUIRE(before.status == 200, before.body);
    int version = before.json()->getValue<int>("version");
    auto put = admin.send("PUT", "/api/v1/admin/context", R"({"content":"You are helpful."})");
    BOOST_TEST_REQUIRE(put.status == 200, put.body);
    BOOST_TEST(put.json()->getValue<int>("version") == version + 1);
    BOOST_TEST(put.str("content") == "You are helpful.");
    auto after = admin.get("/api/v1/admin/context");
    BOOST_TEST(after.json()->getValue<int>("version") == version + 1);
    BOOST_TEST(admin.send("PUT", "/api/v1/admin/context", R"({"content":5})").is_problem(400));
    // Put the previous prompt back (as a new version) so other suites generate as before.
    auto restored = admin.send("PUT", "/api/v1/admin/context",
                               "{\"content\":" + quoted(before.str("content")) + "}");
    BOOST_TEST(restored.json()->getValue<int>("version") == version + 2);
}

BOOST_AUTO_TEST_CASE(missing_or_wrong_keys_are_401) {
    auto base = require_env("CHAT_TEST_BASE_URL");
    for (const std::string& key :
         {std::string(), std::string("ck_nope_nope"), std::string("garbage"),
          std::string("ck_x_") + "'; DROP TABLE users;--"}) {
        Client c(base, "");
        Headers h;
        if (!key.empty()) h.emplace_back("Authorization", "Bearer " + key);
        auto r = c.send("GET", "/api/v1/conversations", "", h);
        BOOST_TEST(r.is_problem(401), key + " -> " + r.body);
    }
    Client c(base, "");
    auto basic =
        c.send("GET", "/api/v1/conversations", "", {{"Authorization", "Basic Zm9vOmJhcg=="}});
    BOOST_TEST(basic.is_problem(401));
}

BOOST_AUTO_TEST_SUITE_END()
