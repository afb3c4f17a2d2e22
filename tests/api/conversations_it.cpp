#include <boost/test/unit_test.hpp>

#include <set>

#include "tests/api/it_stack.h"

using namespace chat::test::api;

namespace {

std::vector<std::string> ids_of(const Reply& page) {
    std::vector<std::string> ids;
    auto items = page.json()->getArray("items");
    for (size_t i = 0; i < items->size(); ++i)
        ids.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conversations)

BOOST_AUTO_TEST_CASE(create_get_patch_delete) {
    auto alice = new_user();
    auto created = alice.post("/api/v1/conversations", R"({"title":"Trip","agent_id":"travel"})");
    BOOST_TEST_REQUIRE(created.status == 201, created.body);
    auto id = created.str("id");
    BOOST_TEST(created.header("location") == "/api/v1/conversations/" + id);
    BOOST_TEST(created.str("title") == "Trip");
    BOOST_TEST(created.str("agent_id") == "travel");
    for (auto field : {"pinned_at", "archived_at", "created_at", "updated_at"})
        BOOST_TEST(created.json()->has(field), field);

    auto got = alice.get("/api/v1/conversations/" + id);
    BOOST_TEST(got.status == 200);
    BOOST_TEST(got.str("id") == id);

    auto patched = alice.send("PATCH", "/api/v1/conversations/" + id,
                              R"({"title":"Trip 2","pinned":true,"agent_id":null})");
    BOOST_TEST_REQUIRE(patched.status == 200, patched.body);
    BOOST_TEST(patched.str("title") == "Trip 2");
    BOOST_TEST(!patched.json()->isNull("pinned_at"));
    BOOST_TEST(patched.json()->isNull("agent_id"));

    auto unpinned = alice.send("PATCH", "/api/v1/conversations/" + id, R"({"pinned":false})");
    BOOST_TEST(unpinned.json()->isNull("pinned_at"));
    BOOST_TEST(unpinned.str("title") == "Trip 2");  // untouched fields stay

    BOOST_TEST(alice.send("DELETE", "/api/v1/conversations/" + id).status == 204);
    BOOST_TEST(alice.get("/api/v1/conversations/" + id).is_problem(404));
    BOOST_TEST(alice.send("DELETE", "/api/v1/conversations/" + id).is_problem(404));
    auto list = alice.get("/api/v1/conversations");
    BOOST_TEST(ids_of(list).empty());
}

// RFC 9110: a 201 names what it created, a 202 where to follow it (here: the queued turn).
BOOST_AUTO_TEST_CASE(a_message_answer_points_at_its_turn) {
    auto alice = new_user();
    auto id = alice.post("/api/v1/conversations", "{}").str("id");
    auto posted = alice.post("/api/v1/conversations/" + id + "/messages", R"({"content":"hi"})");
    BOOST_TEST_REQUIRE(posted.status == 202, posted.body);
    auto turn = posted.json()->getObject("turn")->getValue<std::string>("id");
    BOOST_TEST(posted.header("location") == "/api/v1/turns/" + turn);
    BOOST_TEST(alice.get(posted.header("location")).status == 200);
}

BOOST_AUTO_TEST_CASE(empty_body_creates_an_untitled_conversation) {
    auto alice = new_user();
    auto r = alice.send("POST", "/api/v1/conversations", "", {});
    BOOST_TEST_REQUIRE(r.status == 201, r.body);
    BOOST_TEST(r.str("title") == "");
}

BOOST_AUTO_TEST_CASE(list_orders_pinned_first_then_recent_and_filters_archived) {
    auto alice = new_user();
    auto a = create_conversation(alice, "a");
    auto b = create_conversation(alice, "b");
    auto c = create_conversation(alice, "c");
    auto d = create_conversation(alice, "d");
    alice.send("PATCH", "/api/v1/conversations/" + a, R"({"pinned":true})");
    alice.send("PATCH", "/api/v1/conversations/" + d, R"({"archived":true})");
    auto active = alice.get("/api/v1/conversations");
    BOOST_TEST_REQUIRE(active.status == 200, active.body);
    std::vector<std::string> expected{a, c, b};
    BOOST_TEST(ids_of(active) == expected, boost::test_tools::per_element());
    BOOST_TEST(active.json()->isNull("next_cursor"));

    auto archived = alice.get("/api/v1/conversations?archived=true");
    BOOST_TEST(ids_of(archived) == std::vector<std::string>{d}, boost::test_tools::per_element());
    alice.send("PATCH", "/api/v1/conversations/" + d, R"({"archived":false})");
    BOOST_TEST(ids_of(alice.get("/api/v1/conversations")).size() == 4u);
}

BOOST_AUTO_TEST_CASE(cursor_paging_visits_every_conversation_once) {
    auto alice = new_user();
    std::set<std::string> made;
    for (int i = 0; i < 7; ++i) made.insert(create_conversation(alice, "c" + std::to_string(i)));
    alice.send("PATCH", "/api/v1/conversations/" + *made.begin(), R"({"pinned":true})");
    std::vector<std::string> seen;
    std::string path = "/api/v1/conversations?limit=3";
    for (int page = 0; page < 10; ++page) {
        auto r = alice.get(path);
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        auto ids = ids_of(r);
        BOOST_TEST(ids.size() <= 3u);
        seen.insert(seen.end(), ids.begin(), ids.end());
        if (r.json()->isNull("next_cursor")) break;
        path = "/api/v1/conversations?limit=3&cursor=" + r.str("next_cursor");
    }
    BOOST_TEST(seen.size() == made.size());
    BOOST_TEST((std::set<std::string>(seen.begin(), seen.end()) == made));
    BOOST_TEST(seen.front() == *made.begin());  // the pinned one first
}

BOOST_AUTO_TEST_CASE(max_conversations_answers_403) {
    auto limited = new_user({"--max-chats", "2"});
    create_conversation(limited);
    create_conversation(limited);
    auto third = limited.post("/api/v1/conversations", "{}");
    BOOST_TEST(third.is_problem(403), third.body);
    BOOST_TEST(third.str("detail").find("limit") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
