#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "tests/api/it_stack.h"

using namespace chat::test::api;

namespace {

// A turn no real worker will touch: held 'running' by a fake worker with a long lease, or
// 'queued' but not available for an hour. Released (cancelled) when the fixture ends.
const std::string kInsertHeldTurn = R"(
    WITH m AS (INSERT INTO messages(conversation_id, role, content)
               VALUES ($1, 'user', 'held by the test') RETURNING id, conversation_id)
    INSERT INTO turns(conversation_id, user_id, user_message_id, status, attempt, lease_owner,
                      lease_until, available_at, started_at)
    SELECT m.conversation_id, c.user_id, m.id, $2, CASE WHEN $2 = 'running' THEN 1 ELSE 0 END,
           CASE WHEN $2 = 'running' THEN 'rest-it-fake-worker' END,
           CASE WHEN $2 = 'running' THEN now() + interval '1 hour' END,
           now() + interval '1 hour', now()
    FROM m JOIN conversations c ON c.id = m.conversation_id
    RETURNING id, user_message_id)";
const std::string kReleaseTurn =
    "UPDATE turns SET status = 'cancelled', finished_at = now(), lease_owner = NULL, "
    "lease_until = NULL WHERE id = $1 AND status IN ('queued', 'running')";

struct HeldTurn {
    std::string id;
    std::string message_id;
    HeldTurn(const std::string& conversation, const std::string& status) {
        auto r = database().exec(kInsertHeldTurn, {conversation, status});
        id = r.str(0, 0);
        message_id = r.str(0, 1);
    }
    ~HeldTurn() {
        try {
            database().exec(kReleaseTurn, {id});
        } catch (...) {
            // The next run uses fresh users; a leftover row harms nothing.
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(turns)

BOOST_AUTO_TEST_CASE(a_busy_conversation_answers_409) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    HeldTurn held(conv, "running");
    auto post = alice.post("/api/v1/conversations/" + conv + "/messages", R"({"content":"hi"})");
    BOOST_TEST(post.is_problem(409), post.body);
    auto regen = alice.post("/api/v1/conversations/" + conv + "/messages/" + held.message_id +
                            "/regenerate");
    BOOST_TEST(regen.is_problem(409), regen.body);
    // Nothing half-written: the refused message was not stored.
    auto items = alice.get("/api/v1/conversations/" + conv + "/messages").json()->getArray("items");
    BOOST_TEST(items->size() == 1u);
}

BOOST_AUTO_TEST_CASE(get_and_cancel_a_running_turn) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    HeldTurn held(conv, "running");
    auto got = alice.get("/api/v1/turns/" + held.id);
    BOOST_TEST_REQUIRE(got.status == 200, got.body);
    BOOST_TEST(got.str("status") == "running");
    BOOST_TEST(got.str("stream_url").find("token=") != std::string::npos);
    auto cancel = alice.post("/api/v1/turns/" + held.id + "/cancel");
    BOOST_TEST(cancel.status == 202, cancel.body);
    // A running turn is flagged for its worker, which ends it; here the fake worker never does.
    auto flag = database().exec("SELECT cancel_requested FROM turns WHERE id = $1", {held.id});
    BOOST_TEST(flag.boolean(0, 0));
}

BOOST_AUTO_TEST_CASE(cancel_a_queued_turn_ends_it_at_once) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    HeldTurn held(conv, "queued");
    auto cancel = alice.post("/api/v1/turns/" + held.id + "/cancel");
    BOOST_TEST_REQUIRE(cancel.status == 202, cancel.body);
    BOOST_TEST(cancel.str("status") == "cancelled");
    BOOST_TEST(alice.get("/api/v1/turns/" + held.id).str("status") == "cancelled");
    // The conversation is free again: a new message is accepted and answered.
    auto post = alice.post("/api/v1/conversations/" + conv + "/messages", R"({"content":"go"})");
    BOOST_TEST_REQUIRE(post.status == 202, post.body);
    auto turn = post.json()->getObject("turn")->getValue<std::string>("id");
    BOOST_TEST(wait_turn_finished(alice, turn)->getValue<std::string>("status") == "done");
}

BOOST_AUTO_TEST_CASE(running_turn_limit_answers_429) {
    auto limited = new_user({"--max-running", "1"});
    auto busy = create_conversation(limited);
    auto other = create_conversation(limited);
    HeldTurn held(busy, "running");
    auto r = limited.post("/api/v1/conversations/" + other + "/messages", R"({"content":"hi"})");
    BOOST_TEST(r.is_problem(429), r.body);
    BOOST_TEST(!r.header("retry-after").empty());
    BOOST_TEST(r.str("detail") == "you already have 1 turn queued or running (limit 1)");
}

// A limit of 0 is a ban: 403, not a 429 whose Retry-After never comes true.
BOOST_AUTO_TEST_CASE(a_running_turn_limit_of_zero_answers_403) {
    auto banned = new_user({"--max-running", "0"});
    auto conv = create_conversation(banned);
    auto r = banned.post("/api/v1/conversations/" + conv + "/messages", R"({"content":"hi"})");
    BOOST_TEST(r.is_problem(403), r.body);
    BOOST_TEST(r.header("retry-after").empty());
    auto items = banned.get("/api/v1/conversations/" + conv + "/messages").json();
    BOOST_TEST(items->getArray("items")->size() == 0u);  // nothing stored
}

// The limit holds when a user's posts race each other (they serialise on a per-user lock).
BOOST_AUTO_TEST_CASE(running_turn_limit_holds_for_concurrent_posts) {
    auto limited = new_user({"--max-running", "2"});
    std::vector<std::string> conversations;
    for (int i = 0; i < 6; ++i) conversations.push_back(create_conversation(limited));
    std::vector<Reply> replies(conversations.size());
    std::vector<std::thread> senders;
    for (size_t i = 0; i < conversations.size(); ++i) {
        senders.emplace_back([&, i] {
            // /slow keeps an accepted turn running for seconds, past every other post.
            replies[i] = limited.post("/api/v1/conversations/" + conversations[i] + "/messages",
                                      R"({"content":"/slow race for the limit"})");
        });
    }
    for (auto& t : senders) t.join();
    std::vector<std::string> accepted;
    for (const auto& r : replies) {
        if (r.status == 202)
            accepted.push_back(r.json()->getObject("turn")->getValue<std::string>("id"));
        else
            BOOST_TEST(r.is_problem(429), r.body);
    }
    BOOST_TEST(accepted.size() == 2u);
    for (const auto& id : accepted) limited.post("/api/v1/turns/" + id + "/cancel", "");
}

BOOST_AUTO_TEST_CASE(request_rate_limit_answers_429_with_retry_after) {
    auto limited = new_user({"--rate", "3"});
    int limited_count = 0;
    std::string retry_after;
    for (int i = 0; i < 10; ++i) {
        auto r = limited.get("/api/v1/conversations");
        if (r.status == 429) {
            ++limited_count;
            BOOST_TEST(r.is_problem(429));
            retry_after = r.header("retry-after");
        } else {
            BOOST_TEST(r.status == 200);
        }
    }
    // 10 requests at 3 a minute: even across one minute boundary some must be refused.
    BOOST_TEST(limited_count >= 4);
    BOOST_TEST(!retry_after.empty());
    BOOST_TEST(std::stoi(retry_after) >= 1);
    BOOST_TEST(std::stoi(retry_after) <= 60);
}

// End to end: the API flags the turn and tells its worker over the broker; the worker stops,
// keeps the partial text and marks the turn cancelled. "/slow" makes the local generator take
// 60 ms a token, so the turn is still running when the cancel arrives.
BOOST_AUTO_TEST_CASE(cancel_stops_a_real_running_turn_and_keeps_the_partial_text) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    auto posted = alice.post("/api/v1/conversations/" + conv + "/messages",
                             R"({"content":"/slow tell me a long story"})");
    BOOST_TEST_REQUIRE(posted.status == 202, posted.body);
    auto turn = posted.json()->getObject("turn")->getValue<std::string>("id");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {  // until the worker has produced a token
        auto t = alice.get("/api/v1/turns/" + turn).json();
        if (t->getValue<std::string>("status") == "running" &&
            !t->getValue<std::string>("content").empty())
            break;
        BOOST_TEST_REQUIRE(t->getValue<std::string>("status") != "done", "finished before cancel");
        BOOST_TEST_REQUIRE((std::chrono::steady_clock::now() < deadline), "never started");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
    }
    auto cancel = alice.post("/api/v1/turns/" + turn + "/cancel");
    BOOST_TEST(cancel.status == 202, cancel.body);
    auto done = wait_turn_finished(alice, turn);
    BOOST_TEST(done->getValue<std::string>("status") == "cancelled");
    auto partial = done->getValue<std::string>("content");
    BOOST_TEST(!partial.empty());
    auto items = alice.get("/api/v1/conversations/" + conv + "/messages").json()->getArray("items");
    BOOST_TEST_REQUIRE(items->size() == 2u);
    BOOST_TEST(items->getObject(1)->getValue<std::string>("content") == partial);
}

// A cancelled turn holds its conversation until its worker stops (a few ms): the 409 says so.
BOOST_AUTO_TEST_CASE(a_message_while_a_cancel_is_in_progress_says_retry_shortly) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    HeldTurn held(conv, "running");
    BOOST_TEST_REQUIRE(alice.post("/api/v1/turns/" + held.id + "/cancel").status == 202);
    auto post = alice.post("/api/v1/conversations/" + conv + "/messages", R"({"content":"next"})");
    BOOST_TEST_REQUIRE(post.is_problem(409), post.body);
    BOOST_TEST(post.str("detail").find("being cancelled") != std::string::npos, post.body);
    BOOST_TEST(post.header("retry-after") == "1");
    auto regen = alice.post("/api/v1/conversations/" + conv + "/messages/" + held.message_id +
                            "/regenerate");
    BOOST_TEST(regen.is_problem(409), regen.body);
    BOOST_TEST(regen.str("detail").find("being cancelled") != std::string::npos, regen.body);
}

// A deleted conversation's turn is not found: cancelling it must not hand out the turn.
BOOST_AUTO_TEST_CASE(cancel_of_a_turn_in_a_deleted_conversation_is_404) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    HeldTurn held(conv, "running");
    BOOST_TEST_REQUIRE(alice.send("DELETE", "/api/v1/conversations/" + conv).status == 204);
    auto cancel = alice.post("/api/v1/turns/" + held.id + "/cancel");
    BOOST_TEST(cancel.is_problem(404), cancel.body);
    BOOST_TEST(cancel.body.find("held by the test") == std::string::npos, cancel.body);
}

BOOST_AUTO_TEST_SUITE_END()
