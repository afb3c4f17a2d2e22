#include <boost/test/unit_test.hpp>

#include <set>
#include <thread>

#include "tests/api/it_stack.h"
#include "tests/queue/references.h"

using namespace chat::test::api;

namespace {

Poco::JSON::Array::Ptr items_of(const Reply& r) {
    return r.json()->getArray("items");
}

std::string item_field(const Poco::JSON::Array::Ptr& items, size_t i, const std::string& name) {
    return items->getObject(static_cast<unsigned>(i))->getValue<std::string>(name);
}

// Posts a message and waits for its reply; returns the 202 body.
Poco::JSON::Object::Ptr say(const Client& c, const std::string& conv, const std::string& text) {
    auto r =
        c.post("/api/v1/conversations/" + conv + "/messages", "{\"content\":" + quoted(text) + "}");
    if (r.status != 202) throw std::runtime_error("post message: " + r.body);
    auto body = r.json();
    auto done = wait_turn_finished(c, body->getObject("turn")->getValue<std::string>("id"));
    if (done->getValue<std::string>("status") != "done")
        throw std::runtime_error("turn did not finish as done");
    return body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(messages)

BOOST_AUTO_TEST_CASE(post_message_enqueues_a_turn_that_completes) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    auto r = alice.post("/api/v1/conversations/" + conv + "/messages", R"({"content":"Hello!"})");
    BOOST_TEST_REQUIRE(r.status == 202, r.body);
    auto message = r.json()->getObject("message");
    auto turn = r.json()->getObject("turn");
    BOOST_TEST(message->getValue<std::string>("role") == "user");
    BOOST_TEST(message->getValue<std::string>("content") == "Hello!");
    auto turn_id = turn->getValue<std::string>("id");
    BOOST_TEST(turn->getValue<std::string>("status") == "queued");
    auto url = turn->getValue<std::string>("stream_url");
    BOOST_TEST(url.rfind("/api/v1/turns/" + turn_id + "/stream?token=", 0) == 0u, url);

    auto done = wait_turn_finished(alice, turn_id);
    BOOST_TEST(done->getValue<std::string>("status") == "done");
    BOOST_TEST(!done->getValue<std::string>("content").empty());
    BOOST_TEST(done->has("stream_url"));
    for (auto f : {"conversation_id", "attempt", "last_seq", "message_id", "usage", "error"})
        BOOST_TEST(done->has(f), f);

    auto list = alice.get("/api/v1/conversations/" + conv + "/messages");
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    auto items = items_of(list);
    BOOST_TEST_REQUIRE(items->size() == 2u);
    BOOST_TEST(item_field(items, 0, "role") == "user");
    BOOST_TEST(item_field(items, 1, "role") == "assistant");
    BOOST_TEST(item_field(items, 1, "content") == done->getValue<std::string>("content"));
    BOOST_TEST(item_field(items, 1, "id") == done->getValue<std::string>("message_id"));
}

BOOST_AUTO_TEST_CASE(paging_with_before_has_no_gap_or_duplicate_while_messages_arrive) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    for (int i = 0; i < 3; ++i) say(alice, conv, "message " + std::to_string(i));  // 6 messages
    auto first = alice.get("/api/v1/conversations/" + conv + "/messages?limit=4");
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    auto newest = items_of(first);
    BOOST_TEST_REQUIRE(newest->size() == 4u);
    auto cursor = first.str("next_cursor");
    BOOST_TEST(cursor == item_field(newest, 0, "id"));  // oldest on the page
    say(alice, conv, "arrives between pages");          // must not shift the next page
    auto second = alice.get("/api/v1/conversations/" + conv + "/messages?limit=4&before=" + cursor);
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    auto older = items_of(second);
    BOOST_TEST_REQUIRE(older->size() == 2u);
    BOOST_TEST(second.json()->isNull("next_cursor"));
    BOOST_TEST(item_field(older, 0, "content") == "message 0");
    BOOST_TEST(item_field(older, 1, "role") == "assistant");
    BOOST_TEST(item_field(newest, 0, "content") == "message 1");
}

BOOST_AUTO_TEST_CASE(edit_keeps_the_original) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    auto posted = say(alice, conv, "original text");
    auto mid = posted->getObject("message")->getValue<std::string>("id");
    auto path = "/api/v1/conversations/" + conv + "/messages/" + mid;
    auto edited = alice.send("PUT", path, R"({"content":"better text"})");
    BOOST_TEST_REQUIRE(edited.status == 200, edited.body);
    BOOST_TEST(edited.str("content") == "original text");
    BOOST_TEST(edited.str("edited_content") == "better text");
    BOOST_TEST(!edited.json()->isNull("edited_at"));
    BOOST_TEST(alice.send("PUT", path, R"({"content":"  "})").is_problem(400));
}

BOOST_AUTO_TEST_CASE(regenerate_makes_a_new_turn_and_keeps_the_earlier_reply) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    auto posted = say(alice, conv, "tell me something");
    auto mid = posted->getObject("message")->getValue<std::string>("id");
    auto first_turn = posted->getObject("turn")->getValue<std::string>("id");
    auto r = alice.post("/api/v1/conversations/" + conv + "/messages/" + mid + "/regenerate");
    BOOST_TEST_REQUIRE(r.status == 202, r.body);
    auto turn = r.json()->getObject("turn");
    auto turn_id = turn->getValue<std::string>("id");
    BOOST_TEST(turn_id != first_turn);
    BOOST_TEST(turn->has("stream_url"));
    BOOST_TEST(wait_turn_finished(alice, turn_id)->getValue<std::string>("status") == "done");
    auto items = items_of(alice.get("/api/v1/conversations/" + conv + "/messages"));
    BOOST_TEST_REQUIRE(items->size() == 3u);
    BOOST_TEST(item_field(items, 1, "role") == "assistant");
    BOOST_TEST(item_field(items, 2, "role") == "assistant");

    // Regenerating an assistant message is a state conflict.
    auto reply_id = item_field(items, 2, "id");
    auto bad =
        alice.post("/api/v1/conversations/" + conv + "/messages/" + reply_id + "/regenerate");
    BOOST_TEST(bad.is_problem(409), bad.body);

    // No foreign key checks these any more (sql/018); the writers keep them, in the whole
    // database the suite has written so far.
    auto broken = chat::testing::dangling_references(database());
    BOOST_TEST(broken.empty(), (broken.empty() ? "" : broken.front()));
}

BOOST_AUTO_TEST_CASE(idempotency_key_replays_the_first_response) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    Headers h{{"Idempotency-Key", "retry-" + conv}};
    auto path = "/api/v1/conversations/" + conv + "/messages";
    auto first = alice.send("POST", path, R"({"content":"once"})", h);
    auto second = alice.send("POST", path, R"({"content":"once"})", h);
    BOOST_TEST_REQUIRE(first.status == 202, first.body);
    BOOST_TEST_REQUIRE(second.status == 202, second.body);
    BOOST_TEST(second.header("idempotent-replayed") == "true");
    auto id = [](const Reply& r, const char* what) {
        return r.json()->getObject(what)->getValue<std::string>("id");
    };
    BOOST_TEST(id(first, "turn") == id(second, "turn"));
    BOOST_TEST(id(first, "message") == id(second, "message"));
    wait_turn_finished(alice, id(first, "turn"));
    auto items = items_of(alice.get(path));
    BOOST_TEST(items->size() == 2u);  // one user message, one reply
}

// A client that times out and retries while its first request is still in flight.
BOOST_AUTO_TEST_CASE(concurrent_retries_with_one_idempotency_key_make_one_turn) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    auto path = "/api/v1/conversations/" + conv + "/messages";
    Headers h{{"Idempotency-Key", "race-" + conv}};
    std::vector<Reply> replies(6);
    std::vector<std::thread> senders;
    for (auto& r : replies)
        senders.emplace_back(
            [&, out = &r] { *out = alice.send("POST", path, R"({"content":"x"})", h); });
    for (auto& t : senders) t.join();
    std::set<std::string> turns;
    for (const auto& r : replies) {
        BOOST_TEST_REQUIRE(r.status == 202, r.body);
        turns.insert(r.json()->getObject("turn")->getValue<std::string>("id"));
    }
    BOOST_TEST(turns.size() == 1u);
    wait_turn_finished(alice, *turns.begin());
    BOOST_TEST(items_of(alice.get(path))->size() == 2u);  // one user message, one reply
}

// stream_url works without an Authorization header (as a browser EventSource opens it) and
// only for its own turn.
BOOST_AUTO_TEST_CASE(stream_url_opens_the_turns_stream_without_a_key) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    auto first = say(alice, conv, "one");
    auto second = say(alice, conv, "two");
    auto url = first->getObject("turn")->getValue<std::string>("stream_url");
    Client anonymous(require_env("CHAT_TEST_BASE_URL"), "");
    auto stream = anonymous.get(url);  // a finished turn: replay, then close
    BOOST_TEST_REQUIRE(stream.status == 200, stream.body);
    BOOST_TEST(stream.header("content-type").rfind("text/event-stream", 0) == 0u);
    BOOST_TEST(stream.body.find("event: done") != std::string::npos, stream.body);

    // The same token on another turn's stream is refused like a bad key.
    auto token = url.substr(url.find("token="));
    auto other = second->getObject("turn")->getValue<std::string>("id");
    auto foreign = anonymous.get("/api/v1/turns/" + other + "/stream?" + token);
    BOOST_TEST((foreign.status == 401 || foreign.status == 404), foreign.status);
}

// A retry's key replays only the request it was first sent with.
BOOST_AUTO_TEST_CASE(idempotency_key_reused_with_another_body_is_422) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    Headers h{{"Idempotency-Key", "body-" + conv}};
    auto path = "/api/v1/conversations/" + conv + "/messages";
    auto first = alice.send("POST", path, R"({"content":"first text"})", h);
    BOOST_TEST_REQUIRE(first.status == 202, first.body);
    auto other_text = alice.send("POST", path, R"({"content":"other text"})", h);
    BOOST_TEST(other_text.is_problem(422), other_text.body);
    auto other_model =
        alice.send("POST", path, R"({"content":"first text","model":"another-model"})", h);
    BOOST_TEST(other_model.is_problem(422), other_model.body);
    auto same = alice.send("POST", path, R"({"content":"first text"})", h);
    BOOST_TEST_REQUIRE(same.status == 202, same.body);
    BOOST_TEST(same.header("idempotent-replayed") == "true");
    auto turn = first.json()->getObject("turn")->getValue<std::string>("id");
    wait_turn_finished(alice, turn);
    BOOST_TEST(items_of(alice.get(path))->size() == 2u);  // one user message, one reply
}

// After DELETE a conversation's data is gone: a retried post gets the 404 of any post to it.
BOOST_AUTO_TEST_CASE(idempotency_key_of_a_deleted_conversation_replays_nothing) {
    auto alice = new_user();
    auto conv = create_conversation(alice);
    Headers h{{"Idempotency-Key", "gone-" + conv}};
    auto path = "/api/v1/conversations/" + conv + "/messages";
    auto first = alice.send("POST", path, R"({"content":"deleted secret"})", h);
    BOOST_TEST_REQUIRE(first.status == 202, first.body);
    BOOST_TEST_REQUIRE(alice.send("DELETE", "/api/v1/conversations/" + conv).status == 204);
    auto retry = alice.send("POST", path, R"({"content":"deleted secret"})", h);
    BOOST_TEST(retry.is_problem(404), retry.body);
    BOOST_TEST(retry.body.find("deleted secret") == std::string::npos, retry.body);
}

BOOST_AUTO_TEST_SUITE_END()
