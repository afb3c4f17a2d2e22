// End to end through the real stack: nginx -> chat-api (FastCGI) -> PostgreSQL queue ->
// chat-worker -> ZeroMQ broker -> chat-stream (SSE) -> nginx -> this client.
#define BOOST_TEST_MODULE e2e_pipeline_test
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>
#include <vector>

#include "common/db.h"
#include "tests/support/chat_test.h"

using namespace chat::test;

namespace {

constexpr auto kTurnTimeout = std::chrono::seconds(60);

struct PostedTurn {
    std::string conversation_id;
    std::string turn_id;
    std::string stream_url;
};

PostedTurn post_one(const StackClient& c, const std::string& content) {
    PostedTurn t;
    t.conversation_id = c.create_conversation("e2e");
    auto posted = c.post_message(t.conversation_id, content);
    auto message = posted->getObject("message");
    auto turn = posted->getObject("turn");
    BOOST_REQUIRE(message);
    BOOST_REQUIRE(turn);
    BOOST_TEST(message->getValue<std::string>("role") == "user");
    BOOST_TEST(message->getValue<std::string>("content") == content);
    t.turn_id = turn->getValue<std::string>("id");
    t.stream_url = turn->getValue<std::string>("stream_url");
    BOOST_TEST(t.stream_url.rfind("/api/v1/turns/" + t.turn_id + "/stream", 0) == 0);
    return t;
}

std::vector<SseEvent> tokens_of(const std::vector<SseEvent>& events) {
    std::vector<SseEvent> out;
    for (const auto& e : events)
        if (e.event == "token") out.push_back(e);
    return out;
}

// Token ids are the seq numbers of attempt 1: 1, 2, ... N without a gap or repeat.
void expect_consecutive_ids(const std::vector<SseEvent>& tokens, long first) {
    for (size_t i = 0; i < tokens.size(); ++i) {
        BOOST_TEST_CONTEXT("token #" << i) {
            BOOST_TEST(tokens[i].id == std::to_string(first + static_cast<long>(i)));
            BOOST_TEST(parse_object(tokens[i].data)->getValue<long>("seq") ==
                       first + static_cast<long>(i));
        }
    }
}

// Streams a fresh turn to its end; returns all events.
std::vector<SseEvent> stream_to_end(const StackClient& c, const PostedTurn& t) {
    auto stream = c.open_stream(t.stream_url);
    BOOST_REQUIRE_EQUAL(stream->status(), 200);
    BOOST_TEST(stream->header("content-type").rfind("text/event-stream", 0) == 0);
    return read_until_end(*stream, kTurnTimeout);
}

}  // namespace

BOOST_AUTO_TEST_CASE(message_streams_and_is_stored) {
    StackClient c;
    PostedTurn t = post_one(c, "Tell me something about rivers.");
    auto events = stream_to_end(c, t);
    BOOST_REQUIRE_EQUAL(events.back().event, "done");
    auto tokens = tokens_of(events);
    BOOST_REQUIRE(!tokens.empty());
    expect_consecutive_ids(tokens, 1);
    std::string text = token_text(events);
    BOOST_TEST(!text.empty());

    auto done = parse_object(events.back().data);
    std::string message_id = done->getValue<std::string>("message_id");

    auto turn = c.get("/api/v1/turns/" + t.turn_id);
    BOOST_REQUIRE_EQUAL(turn.status, 200);
    auto turn_json = parse_object(turn.body);
    BOOST_TEST(turn_json->getValue<std::string>("status") == "done");
    BOOST_TEST(turn_json->getValue<std::string>("content") == text);

    auto messages = c.get("/api/v1/conversations/" + t.conversation_id + "/messages");
    BOOST_REQUIRE_EQUAL(messages.status, 200);
    auto items = parse_object(messages.body)->getArray("items");
    BOOST_REQUIRE(items);
    bool found = false;
    for (size_t i = 0; i < items->size(); ++i) {
        auto m = items->getObject(static_cast<unsigned>(i));
        if (m->getValue<std::string>("id") != message_id) continue;
        found = true;
        BOOST_TEST(m->getValue<std::string>("role") == "assistant");
        BOOST_TEST(m->getValue<std::string>("content") == text);
    }
    BOOST_TEST(found, "the done event's message_id is among the conversation's messages");
}

BOOST_AUTO_TEST_CASE(stream_opened_after_done_replays_the_same_text) {
    StackClient c;
    PostedTurn t = post_one(c, "What is a good name for a cat?");
    auto live = stream_to_end(c, t);
    BOOST_REQUIRE_EQUAL(live.back().event, "done");

    auto replay = stream_to_end(c, t);
    BOOST_REQUIRE_EQUAL(replay.back().event, "done");
    BOOST_TEST(token_text(replay) == token_text(live));
    expect_consecutive_ids(tokens_of(replay), 1);
}

BOOST_AUTO_TEST_CASE(resume_after_last_event_id_sends_only_the_rest) {
    StackClient c;
    PostedTurn t = post_one(c, "Explain tides in a few words.");
    auto live = stream_to_end(c, t);
    auto tokens = tokens_of(live);
    BOOST_REQUIRE_GE(tokens.size(), 3u);
    size_t cut = tokens.size() / 2;

    auto stream = c.open_stream(t.stream_url, tokens[cut - 1].id);
    BOOST_REQUIRE_EQUAL(stream->status(), 200);
    auto rest = read_until_end(*stream, kTurnTimeout);
    auto rest_tokens = tokens_of(rest);
    BOOST_REQUIRE_EQUAL(rest_tokens.size(), tokens.size() - cut);
    expect_consecutive_ids(rest_tokens, static_cast<long>(cut) + 1);

    std::string head;
    for (size_t i = 0; i < cut; ++i)
        head += parse_object(tokens[i].data)->getValue<std::string>("text");
    BOOST_TEST(head + token_text(rest) == token_text(live));
}

BOOST_AUTO_TEST_CASE(dropped_live_stream_resumes_without_gap_or_duplicate) {
    StackClient c;
    PostedTurn t = post_one(c, "Describe a lighthouse at night.");
    std::string text;
    std::string last_id;
    {
        auto stream = c.open_stream(t.stream_url);
        BOOST_REQUIRE_EQUAL(stream->status(), 200);
        // Take a couple of tokens, then drop the connection.
        for (int got = 0; got < 2;) {
            auto e = stream->next(kTurnTimeout);
            BOOST_REQUIRE(e.has_value());
            if (e->event == "done") break;
            if (e->event != "token") continue;
            text += parse_object(e->data)->getValue<std::string>("text");
            last_id = e->id;
            ++got;
        }
        stream->close();
    }
    auto resumed = c.open_stream(t.stream_url, last_id);
    auto rest = read_until_end(*resumed, kTurnTimeout);
    BOOST_REQUIRE_EQUAL(rest.back().event, "done");
    text += token_text(rest);

    auto turn = parse_object(c.get("/api/v1/turns/" + t.turn_id).body);
    BOOST_TEST(turn->getValue<std::string>("content") == text);
}

// PostgreSQL restarting (or an administrator ending sessions) closes every connection of the
// stack at once; the next requests must not be the ones that find out.
BOOST_AUTO_TEST_CASE(turns_go_on_after_postgresql_closed_every_connection) {
    chat::db::Connection admin(require_env("CHAT_DB_URL"));
    const std::string others =
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'";
    BOOST_REQUIRE(admin.exec("SELECT count(*) " + others).int64(0, 0) > 0);
    admin.exec("SELECT pg_terminate_backend(pid) " + others);
    for (int i = 0; i < 200 && admin.exec("SELECT count(*) " + others).int64(0, 0) > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));

    // Twelve requests, more than the handlers have threads: every connection is used again.
    StackClient c;
    std::vector<PostedTurn> turns;
    for (int i = 0; i < 6; ++i)
        turns.push_back(post_one(c, "After the restart " + std::to_string(i)));
    std::vector<std::unique_ptr<chat::client::EventStream>> streams;
    for (const auto& t : turns) {
        streams.push_back(c.open_stream(t.stream_url));
        BOOST_REQUIRE_EQUAL(streams.back()->status(), 200);
    }
    for (size_t i = 0; i < streams.size(); ++i) {
        auto events = read_until_end(*streams[i], kTurnTimeout);
        BOOST_TEST_CONTEXT("turn " << i) {
            BOOST_TEST(events.back().event == "done");
            expect_consecutive_ids(tokens_of(events), 1);
        }
    }
}
