// Stream integration tests against the running stack (nginx -> chat-stream, PostgreSQL, ZeroMQ):
// the resume invariant at every drop point, the live/persisted merge, lost `done`, restarted
// attempts, heartbeats, cancel and many tabs. Most use a ScriptedTurn (the test plays the worker)
// so that loss and timing are chosen, not hoped for; one uses the real worker end to end.
#define BOOST_TEST_MODULE stream_integration
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "tests/stream/scripted_turn.h"
#include "tests/stream/stream_it_support.h"
#include "tests/support/test_env.h"

using namespace chat::stream::test;
using chat::test::parse_object;

namespace {

constexpr Ms kWait{10000};

// Publishes the turn's next token again and again until the stream shows it: proves the
// handler's subscription has reached the publisher (ZeroMQ joins late, STACK-NOTES).
int64_t prime(ScriptedTurn& t, EventStream& s, std::vector<SseEvent>& events,
              const std::string& text = "Hello") {
    int64_t seq = t.publish_token(text);
    auto deadline = std::chrono::steady_clock::now() + kWait;
    auto id = std::to_string(seq);
    while (std::chrono::steady_clock::now() < deadline) {
        auto e = s.next(Ms(30));
        if (e) {
            events.push_back(*e);
            if (e->event == "token" && e->id == id) return seq;
            continue;
        }
        BOOST_REQUIRE(!s.ended());
        t.republish_token(seq, text);
    }
    throw std::runtime_error("the stream never showed the priming token");
}

struct Fixture {
    StackClient client;
    TestPublisher pub;
};

// One of chat-stream's own figures (/metrics/stream; one stream process in the test stack).
long stream_figure(const StackClient& client, const std::string& name) {
    auto r = client.get("/metrics/stream");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    auto at = r.body.find("\n" + name + "{");
    BOOST_REQUIRE(at != std::string::npos);
    auto value = r.body.find("} ", at);
    return std::stol(r.body.substr(value + 2));
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(drop_at_every_point_of_a_finished_turn, Fixture) {
    // The real worker generates the reply; reconnect after every seq (and after done).
    auto cid = client.create_conversation("stream drop points");
    auto posted = client.post_message(cid, "Explain resumable streams please");
    auto turn_id = posted->getObject("turn")->getValue<std::string>("id");
    auto url = posted->getObject("turn")->getValue<std::string>("stream_url");
    auto first = client.open_stream(url);
    BOOST_REQUIRE_EQUAL(first->status(), 200);
    BOOST_TEST(first->header("content-type") == "text/event-stream");
    BOOST_TEST(first->header("cache-control") == "no-cache");
    BOOST_TEST(first->header("x-accel-buffering") == "no");
    auto all = chat::test::read_until_end(*first, Ms(60000));
    BOOST_REQUIRE(all.back().event == "done");
    auto stored = stored_reply(client, cid);
    BOOST_TEST(assemble(all) == stored);
    size_t n = expect_in_order(all);
    BOOST_TEST(n > 0u);
    auto done = parse_object(all.back().data);
    BOOST_TEST(done->getValue<std::string>("finish_reason") == "stop");
    BOOST_TEST(!done->getValue<std::string>("message_id").empty());

    std::vector<SseEvent> tokens;
    for (const auto& e : all)
        if (e.event == "token") tokens.push_back(e);
    for (size_t k = 0; k <= n; ++k) {
        BOOST_TEST_CONTEXT("reconnect after seq " << k) {
            std::vector<SseEvent> prefix(tokens.begin(), tokens.begin() + static_cast<long>(k));
            // Alternate the two resume forms: Last-Event-ID header and ?after=.
            auto s = k % 2 == 0
                         ? client.open_stream(stream_path(turn_id), std::to_string(k))
                         : client.open_stream(stream_path(turn_id) + "?after=" + std::to_string(k));
            BOOST_REQUIRE_EQUAL(s->status(), 200);
            auto rest = chat::test::read_until_end(*s, kWait);
            BOOST_TEST(rest.back().event == "done");
            BOOST_TEST(expect_in_order(rest, static_cast<int64_t>(k)) == n - k);
            BOOST_TEST(assemble(prefix) + assemble(rest) == stored);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(drop_at_every_point_while_generating, Fixture) {
    // A worker thread generates at a steady pace and persists in batches; the client drops
    // after every token it sees and resumes with Last-Event-ID.
    auto cid = client.create_conversation("stream live drops");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    prime(turn, *s, shown, "Once");
    turn.persist();
    std::atomic<bool> failed{false};
    std::thread worker([&] {
        try {
            for (int i = 2; i <= 40; ++i) {
                turn.publish_token(" w" + std::to_string(i));
                if (i % 4 == 0) turn.persist();
                std::this_thread::sleep_for(Ms(15));  // the pace of generation
            }
            turn.finish();
        } catch (const std::exception& e) {
            failed = true;
            BOOST_TEST_MESSAGE("worker thread: " << e.what());
        }
    });
    int reconnects = 0;
    while (shown.empty() || !is_final(shown.back())) {
        auto e = s->next(kWait);
        if (!e) {
            BOOST_REQUIRE_MESSAGE(s->ended(), "no event within 10 s");
            break;
        }
        shown.push_back(*e);
        if (e->event == "token") {
            // Drop right after this token and resume as a browser's EventSource does: with the
            // id of the last dispatched event that carried one (SseEvent::id). Not
            // EventStream::last_event_id(): that one already counts events parsed ahead.
            auto last_id = e->id;
            s.reset();
            s = client.open_stream(stream_path(turn.id()), last_id);
            ++reconnects;
        }
    }
    worker.join();
    BOOST_REQUIRE(!failed);
    BOOST_REQUIRE(!shown.empty());
    BOOST_TEST(shown.back().event == "done");
    BOOST_TEST(expect_in_order(shown) == 40u);
    BOOST_TEST(assemble(shown) == stored_reply(client, cid));
    BOOST_TEST(reconnects >= 39);
}

BOOST_FIXTURE_TEST_CASE(unpersisted_tokens_flow_live_and_gaps_fill_in_order, Fixture) {
    auto cid = client.create_conversation("stream gaps");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    prime(turn, *s, shown, "a");
    // Not persisted: they can only have come over ZeroMQ.
    turn.publish_token("b");
    turn.publish_token("c");
    read_until_token(*s, shown, 3, kWait);
    // Token 4 is lost on the wire; 5 and 6 must wait for it.
    turn.skip_token("d");
    turn.publish_token("e");
    turn.publish_token("f");
    auto early = s->next(Ms(300));
    BOOST_TEST(!(early && early->event == "token"), "a token overtook the gap: " << early->id);
    if (early) shown.push_back(*early);
    turn.persist();  // the worker's batch arrives: 4 is readable from PostgreSQL now
    read_until_token(*s, shown, 6, kWait);
    turn.finish();
    read_until(*s, shown, is_final, kWait);
    BOOST_TEST(shown.back().event == "done");
    BOOST_TEST(expect_in_order(shown) == 6u);
    BOOST_TEST(assemble(shown) == "abcdef");
    BOOST_TEST(stored_reply(client, cid) == "abcdef");
}

BOOST_FIXTURE_TEST_CASE(reconnect_gets_tokens_published_while_away, Fixture) {
    auto cid = client.create_conversation("stream away");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    std::vector<SseEvent> shown;
    {
        auto s = client.open_stream(stream_path(turn.id()));
        prime(turn, *s, shown, "x");
    }
    turn.publish_token("y");  // published while the client is away, not yet persisted
    auto s = client.open_stream(stream_path(turn.id()), "1");
    turn.persist();
    read_until_token(*s, shown, 2, kWait);
    turn.publish_token("z");
    turn.finish();
    read_until(*s, shown, is_final, kWait);
    BOOST_TEST(assemble(shown) == "xyz");
    BOOST_TEST(expect_in_order(shown) == 3u);
}

// A stream that opens while the process holds its turn's live start (a reconnect, another
// tab) has all the attempt published since in memory: it goes on and ends without reading
// PostgreSQL.
BOOST_FIXTURE_TEST_CASE(a_stream_whose_live_start_is_in_memory_reads_no_snapshot, Fixture) {
    auto cid = client.create_conversation("stream from memory");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    std::vector<SseEvent> first;
    auto a = client.open_stream(stream_path(turn.id()));
    prime(turn, *a, first, "one");
    std::this_thread::sleep_for(Ms(300));  // reads `a` may have made (and their follow-up) end
    long reads = stream_figure(client, "chat_stream_snapshot_reads_total");
    turn.publish_token(" two");
    std::vector<SseEvent> second;
    auto b = client.open_stream(stream_path(turn.id()), "1");
    read_until_token(*b, second, 2, kWait);
    turn.publish_token(" three");
    turn.finish();
    read_until(*a, first, is_final, kWait);
    read_until(*b, second, is_final, kWait);
    BOOST_TEST(assemble(first) == "one two three");
    BOOST_TEST(assemble(second) == " two three");
    BOOST_TEST(stream_figure(client, "chat_stream_snapshot_reads_total") == reads);
}

// A stream opened before its turn's start (a client opens it right after the POST's 202, before
// a worker claimed the turn) waits for the start live instead of reading PostgreSQL.
BOOST_FIXTURE_TEST_CASE(a_stream_opened_before_its_start_waits_for_it_without_a_read, Fixture) {
    {
        // ZeroMQ joins late: show the handler hears this publisher before the timed part.
        ScriptedTurn warm(pub, client.create_conversation("stream warm-up"));
        warm.claim();
        std::vector<SseEvent> shown;
        auto w = client.open_stream(stream_path(warm.id()));
        prime(warm, *w, shown, "warm");
        warm.finish();
        read_until(*w, shown, is_final, kWait);
    }
    ScriptedTurn turn(pub, client.create_conversation("stream before start"));
    std::this_thread::sleep_for(Ms(300));  // reads the warm-up made (and their follow-up) end
    long reads = stream_figure(client, "chat_stream_snapshot_reads_total");
    auto s = client.open_stream(stream_path(turn.id()));
    turn.claim();
    turn.publish_token("fresh");
    turn.publish_token(" start");
    turn.finish();
    std::vector<SseEvent> shown;
    read_until(*s, shown, is_final, kWait);
    BOOST_TEST(assemble(shown) == "fresh start");
    BOOST_TEST(stream_figure(client, "chat_stream_snapshot_reads_total") == reads);
}

BOOST_FIXTURE_TEST_CASE(lost_done_is_found_in_postgresql, Fixture) {
    auto cid = client.create_conversation("stream lost done");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    prime(turn, *s, shown, "only");
    turn.publish_token(" two");
    // Let the handler go idle (a heartbeat shows it has nothing to do), then end the turn
    // without a live `done`: only its periodic PostgreSQL check can notice.
    read_until(
        *s, shown, [](const SseEvent& e) { return e.event == "heartbeat"; }, kWait);
    auto t0 = std::chrono::steady_clock::now();
    turn.finish("done", /*publish=*/false);
    read_until(*s, shown, is_final, kWait);
    auto took = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - t0);
    BOOST_TEST(shown.back().event == "done");
    BOOST_TEST(took.count() < 6000, "the lost done took " << took.count() << " ms to notice");
    BOOST_TEST(assemble(shown) == "only two");
    auto done = parse_object(shown.back().data);
    BOOST_TEST(!done->getValue<std::string>("message_id").empty());
    // The stream really ended (closed after the final event).
    BOOST_TEST(!s->next(Ms(2000)).has_value());
    BOOST_TEST(s->ended());
}

BOOST_FIXTURE_TEST_CASE(restarted_attempt_resets_the_stream, Fixture) {
    auto cid = client.create_conversation("stream reset");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    prime(turn, *s, shown, "old ");
    turn.publish_token("text");
    turn.persist();
    read_until_token(*s, shown, 2, kWait);
    // The worker is lost; another one claims attempt 2 and starts over.
    BOOST_REQUIRE_EQUAL(turn.claim(), 2);
    turn.publish_token("new ");
    turn.publish_token("reply");
    turn.finish();
    read_until(*s, shown, is_final, kWait);
    std::vector<std::string> names;
    for (const auto& e : shown) names.push_back(e.event);
    auto reset = std::find_if(shown.begin(), shown.end(),
                              [](const SseEvent& e) { return e.event == "reset"; });
    BOOST_REQUIRE(reset != shown.end());
    BOOST_TEST(parse_object(reset->data)->getValue<int>("attempt") == 2);
    BOOST_TEST(assemble(shown) == "new reply");
    BOOST_TEST(stored_reply(client, cid) == "new reply");
    expect_in_order(shown);

    // A client that still holds attempt 1's text resumes: reset, then all of attempt 2.
    auto late = client.open_stream(stream_path(turn.id()), "2");
    auto rest = chat::test::read_until_end(*late, kWait);
    BOOST_REQUIRE(!rest.empty());
    BOOST_TEST(rest.front().event == "reset");
    BOOST_TEST(assemble(rest) == "new reply");
    // And one that already has part of attempt 2 gets just the rest.
    auto resumed = client.open_stream(stream_path(turn.id()), "1000001");
    auto tail = chat::test::read_until_end(*resumed, kWait);
    BOOST_TEST(assemble(tail) == "reply");
}

BOOST_FIXTURE_TEST_CASE(unservable_cursor_resets_and_replays, Fixture) {
    auto cid = client.create_conversation("stream bad cursor");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    turn.publish_token("a");
    turn.publish_token("b");
    turn.finish();
    for (std::string cursor : {"99", "abc", "-4"}) {
        BOOST_TEST_CONTEXT("Last-Event-ID " << cursor) {
            auto s = client.open_stream(stream_path(turn.id()), cursor);
            auto events = chat::test::read_until_end(*s, kWait);
            BOOST_TEST(events.front().event == "reset");
            BOOST_TEST(assemble(events) == "ab");
            BOOST_TEST(events.back().event == "done");
        }
    }
}

BOOST_FIXTURE_TEST_CASE(heartbeats_while_no_token_flows, Fixture) {
    auto cid = client.create_conversation("stream heartbeat");
    ScriptedTurn turn(pub, cid);
    turn.claim();  // running, but the upstream is slow: no token yet
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    auto last = std::chrono::steady_clock::now();
    for (int beats = 0; beats < 2; ++beats) {
        read_until(
            *s, shown, [](const SseEvent& e) { return e.event == "heartbeat"; }, Ms(6000));
        auto now = std::chrono::steady_clock::now();
        BOOST_TEST(std::chrono::duration_cast<Ms>(now - last).count() <= 5000);
        last = now;
        BOOST_TEST(parse_object(shown.back().data)->has("elapsed_s"));
    }
    turn.finish();
    read_until(*s, shown, is_final, kWait);
}

BOOST_FIXTURE_TEST_CASE(cancel_of_a_queued_turn_ends_open_streams, Fixture) {
    auto cid = client.create_conversation("stream cancel queued");
    ScriptedTurn turn(pub, cid);  // stays queued: nobody claims it
    auto s = client.open_stream(stream_path(turn.id()));
    BOOST_REQUIRE_EQUAL(s->status(), 200);
    auto r = client.post("/api/v1/turns/" + turn.id() + "/cancel", "");
    BOOST_REQUIRE_EQUAL(r.status, 202);
    std::vector<SseEvent> shown;
    read_until(*s, shown, is_final, kWait);
    BOOST_TEST(shown.back().event == "done");
    auto done = parse_object(shown.back().data);
    BOOST_TEST(done->getValue<std::string>("finish_reason") == "cancelled");
    BOOST_TEST(done->isNull("message_id"));
}

BOOST_FIXTURE_TEST_CASE(cancel_of_a_running_turn_keeps_partial_text, Fixture) {
    auto cid = client.create_conversation("stream cancel running");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    prime(turn, *s, shown, "partial");
    turn.publish_token(" text");
    auto r = client.post("/api/v1/turns/" + turn.id() + "/cancel", "");
    BOOST_REQUIRE_EQUAL(r.status, 202);
    // The worker learns of the cancel at its next batch write, as chat-worker does.
    BOOST_REQUIRE(turn.persist());
    turn.finish("cancelled");
    read_until(*s, shown, is_final, kWait);
    BOOST_TEST(shown.back().event == "done");
    BOOST_TEST(parse_object(shown.back().data)->getValue<std::string>("finish_reason") ==
               "cancelled");
    BOOST_TEST(assemble(shown) == "partial text");
    BOOST_TEST(stored_reply(client, cid) == "partial text");
}

BOOST_FIXTURE_TEST_CASE(failed_turn_ends_with_error_and_retry_keeps_the_stream, Fixture) {
    auto cid = client.create_conversation("stream failure");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    prime(turn, *s, shown, "try1");
    turn.fail(/*retryable=*/true);  // back to the queue: the stream stays open
    read_until(
        *s, shown, [](const SseEvent& e) { return e.event == "heartbeat"; }, Ms(6000));
    for (const auto& e : shown) BOOST_TEST(e.event != "error");
    BOOST_REQUIRE_EQUAL(turn.claim(), 2);
    turn.publish_token("try2");
    turn.persist();
    read_until_token(*s, shown, 1000001, kWait);
    turn.fail(/*retryable=*/false);  // dead-lettered: the stream ends with error
    read_until(*s, shown, is_final, kWait);
    BOOST_TEST(shown.back().event == "error");
    BOOST_TEST(parse_object(shown.back().data)->getValue<std::string>("code") == "scripted");
    BOOST_TEST(assemble(shown) == "try2");
}

BOOST_FIXTURE_TEST_CASE(many_tabs_get_identical_full_text, Fixture) {
    auto cid = client.create_conversation("stream tabs");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    constexpr int kTabs = 20;
    std::vector<std::unique_ptr<EventStream>> tabs;
    std::vector<std::vector<SseEvent>> shown(kTabs);
    for (int i = 0; i < kTabs; ++i) tabs.push_back(client.open_stream(stream_path(turn.id())));
    // Token 1 goes out until every tab has it, so all subscriptions are in place.
    int64_t first = turn.publish_token("T0");
    auto deadline = std::chrono::steady_clock::now() + kWait;
    for (int i = 0; i < kTabs; ++i) {
        while (shown[i].empty() || shown[i].back().id != std::to_string(first)) {
            BOOST_REQUIRE(std::chrono::steady_clock::now() < deadline);
            if (auto e = tabs[i]->next(Ms(30)))
                shown[i].push_back(*e);
            else
                turn.republish_token(first, "T0");
        }
    }
    for (int k = 1; k < 50; ++k) {
        turn.publish_token(" T" + std::to_string(k));
        if (k % 8 == 0) turn.persist();
    }
    turn.finish();
    auto stored = stored_reply(client, cid);
    for (int i = 0; i < kTabs; ++i) {
        BOOST_TEST_CONTEXT("tab " << i) {
            read_until(*tabs[i], shown[i], is_final, kWait);
            BOOST_TEST(shown[i].back().event == "done");
            BOOST_TEST(expect_in_order(shown[i]) == 50u);
            BOOST_TEST(assemble(shown[i]) == stored);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(stream_auth, Fixture) {
    auto cid = client.create_conversation("stream auth");
    ScriptedTurn turn(pub, cid);
    auto other = client.create_conversation("stream auth other");
    ScriptedTurn other_turn(pub, other);
    // A signed token of another turn does not open this one.
    auto r = client.post_message(client.create_conversation("stream auth token"), "hi");
    auto url = r->getObject("turn")->getValue<std::string>("stream_url");
    auto token = url.substr(url.find("token="));
    StackClient anonymous(client.base_url(), "");
    auto bad = anonymous.open_stream(stream_path(turn.id()) + "?" + token);
    BOOST_TEST(bad->status() == 401);
    BOOST_TEST(bad->header("content-type") == "application/problem+json");
    auto none = anonymous.open_stream(stream_path(turn.id()));
    BOOST_TEST(none->status() == 401);
    // Another user's turn is 404, like an unknown one.
    auto admin = StackClient::admin();
    BOOST_TEST(admin.open_stream(stream_path(turn.id()))->status() == 404);
    BOOST_TEST(client.open_stream(stream_path("00000000-0000-4000-8000-000000000000"))->status() ==
               404);
    BOOST_TEST(client.open_stream("/api/v1/turns/nope/stream")->status() == 404);
    // The turn's own token works without a key.
    auto good = anonymous.open_stream(url);
    BOOST_TEST(good->status() == 200);
}

BOOST_FIXTURE_TEST_CASE(client_disconnect_frees_the_stream_within_a_second, Fixture) {
    // chat-stream's own figures (/metrics/stream, one stream process in the test stack) show
    // the stream and its followed turn appear on open and go when the client drops.
    auto gauge = [&](const std::string& name) { return stream_figure(client, name); };
    auto await_gauge = [&](const std::string& name, long want, Ms timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (gauge(name) == want) return true;
            std::this_thread::sleep_for(Ms(10));
        }
        return false;
    };
    auto cid = client.create_conversation("stream disconnect");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    long open_before = gauge("chat_stream_open_streams");
    long turns_before = gauge("chat_stream_followed_turns");
    auto s = client.open_stream(stream_path(turn.id()));
    BOOST_REQUIRE_EQUAL(s->status(), 200);
    BOOST_REQUIRE(await_gauge("chat_stream_open_streams", open_before + 1, kWait));
    BOOST_TEST(gauge("chat_stream_followed_turns") == turns_before + 1);
    auto closed_at = std::chrono::steady_clock::now();
    s->close();
    BOOST_TEST(await_gauge("chat_stream_open_streams", open_before, Ms(3000)));
    auto took = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - closed_at);
    BOOST_TEST(took.count() < 1000,
               "the stream was freed " << took.count() << " ms after the drop");
    BOOST_TEST(gauge("chat_stream_followed_turns") == turns_before);
}

BOOST_FIXTURE_TEST_CASE(any_token_text_survives_persistence_and_replay, Fixture) {
    auto cid = client.create_conversation("stream tricky text");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    std::vector<std::string> texts = {"plain",
                                      " lead",
                                      "",
                                      "q\"uote",
                                      "back\\slash",
                                      "{,}",
                                      "NULL",
                                      "multi\nline\r\n",
                                      "\xc3\xa9t\xc3\xa9 \xf0\x9f\x99\x82",
                                      "tab\tend",
                                      "data: fake\n\nevent: done"};
    std::string expected;
    for (const auto& t : texts) {
        turn.publish_token(t);
        expected += t;
    }
    turn.finish();
    BOOST_TEST(stored_reply(client, cid) == expected);
    // Replayed from PostgreSQL (the stream opens after the end), from the start and from 4.
    auto s = client.open_stream(stream_path(turn.id()));
    auto all = chat::test::read_until_end(*s, kWait);
    BOOST_TEST(assemble(all) == expected);
    BOOST_TEST(expect_in_order(all) == texts.size());
    auto r = client.open_stream(stream_path(turn.id()), "4");
    auto rest = chat::test::read_until_end(*r, kWait);
    BOOST_TEST(assemble(rest) == expected.substr(expected.find("back")));
}

BOOST_FIXTURE_TEST_CASE(random_loss_duplicates_restarts_and_drops_keep_the_invariant, Fixture) {
    // A seeded storm: the worker loses ~15% of live tokens, repeats some, persists in batches,
    // sometimes restarts the turn as attempt 2 and sometimes loses its `done`; the client drops
    // after ~20% of the tokens it sees and resumes like EventSource. The text it shows at the end
    // must equal the stored reply, every time.
    std::mt19937 rng(20261122);
    for (int round = 0; round < 4; ++round) {
        BOOST_TEST_CONTEXT("round " << round) {
            auto cid = client.create_conversation("stream storm");
            ScriptedTurn turn(pub, cid);
            turn.claim();
            auto s = client.open_stream(stream_path(turn.id()));
            std::vector<SseEvent> shown;
            prime(turn, *s, shown, "r" + std::to_string(round));
            bool restart = round % 2 == 1;
            bool lose_done = round >= 2;
            unsigned worker_seed = rng();
            std::atomic<bool> failed{false};
            std::thread worker([&] {
                std::mt19937 wr(worker_seed);
                try {
                    for (int i = 1; i <= 60; ++i) {
                        if (restart && i == 30) turn.claim(wr() % 2 == 0);  // start may be lost
                        std::string text = " t" + std::to_string(i);
                        int64_t seq =
                            wr() % 100 < 15 ? turn.skip_token(text) : turn.publish_token(text);
                        if (wr() % 100 < 10) turn.republish_token(seq, text);
                        if (i % 5 == 0) turn.persist();
                        std::this_thread::sleep_for(Ms(3));  // the pace of generation
                    }
                    turn.finish("done", !lose_done);
                } catch (const std::exception& e) {
                    failed = true;
                    BOOST_TEST_MESSAGE("worker thread: " << e.what());
                }
            });
            while (shown.empty() || !is_final(shown.back())) {
                auto e = s->next(kWait);
                if (!e) break;
                shown.push_back(*e);
                if (e->event == "token" && rng() % 100 < 20) {
                    auto last_id = e->id;  // EventSource's lastEventId at this point
                    s.reset();
                    s = client.open_stream(stream_path(turn.id()), last_id);
                }
            }
            worker.join();
            BOOST_REQUIRE(!failed);
            BOOST_REQUIRE(!shown.empty());
            BOOST_TEST(shown.back().event == "done");
            expect_in_order(shown);
            BOOST_TEST(assemble(shown) == stored_reply(client, cid));
        }
    }
}

// Every 401 of the stream names the scheme, as the API's do (docs/API.md, Conventions).
BOOST_FIXTURE_TEST_CASE(every_stream_401_carries_www_authenticate, Fixture) {
    auto cid = client.create_conversation("stream 401s");
    ScriptedTurn turn(pub, cid);
    StackClient anonymous(client.base_url(), "");
    StackClient unknown_key(client.base_url(), "ck_000000000000_" + std::string(40, '0'));
    for (auto* s : {&anonymous, &unknown_key}) {
        auto path = stream_path(turn.id());
        for (const auto& p : {path, path + "?token=1.bad"}) {
            BOOST_TEST_CONTEXT(p) {
                auto r = s->open_stream(p);
                BOOST_TEST(r->status() == 401);
                BOOST_TEST(r->header("www-authenticate") == "Bearer");
            }
        }
    }
}

// chat-stream reads Authorization like chat-api: any-case scheme, extra spaces (an unknown turn
// answers 404 only once the key was accepted).
BOOST_FIXTURE_TEST_CASE(stream_accepts_a_lower_case_scheme_and_extra_spaces, Fixture) {
    auto key = chat::test::TestEnv::from_env().api_key;
    StackClient anonymous(client.base_url(), "");
    auto path = stream_path("00000000-0000-4000-8000-000000000000");
    for (const auto& h : {"bearer " + key, "Bearer  " + key}) {
        BOOST_TEST_CONTEXT(h.substr(0, h.find("ck_"))) {
            BOOST_TEST(anonymous.request("GET", path, "", {{"Authorization", h}}).status == 404);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(stream_metrics_refuse_other_methods_with_405, Fixture) {
    for (const char* method : {"POST", "DELETE"}) {
        BOOST_TEST_CONTEXT(method) {
            auto r = client.request(method, "/metrics/stream");
            BOOST_TEST(r.status == 405);
            BOOST_TEST(r.header("allow") == "GET");
            BOOST_TEST(r.header("content-type") == "application/problem+json");
        }
    }
}

BOOST_FIXTURE_TEST_CASE(stream_query_over_2048_bytes_is_414, Fixture) {
    auto cid = client.create_conversation("stream 414");
    ScriptedTurn turn(pub, cid);
    auto r = client.request("GET", stream_path(turn.id()) + "?token=" + std::string(3000, 'a'));
    BOOST_TEST(r.status == 414);
    BOOST_TEST(r.header("content-type") == "application/problem+json");
}

// After DELETE of its conversation a turn streams like an unknown one: 404 with a key, and with
// its signed token (checked at open without PostgreSQL) the `not_found` error of a turn the
// snapshot does not find. Nothing was published live, so the stream has to read the snapshot.
BOOST_FIXTURE_TEST_CASE(a_deleted_conversations_turn_streams_like_an_unknown_turn, Fixture) {
    auto cid = client.create_conversation("stream deleted");
    ScriptedTurn turn(pub, cid, "a private question");
    turn.claim(/*publish=*/false);
    turn.skip_token("private");
    turn.skip_token(" answer");
    turn.finish("done", /*publish=*/false);
    auto got = client.get("/api/v1/turns/" + turn.id());
    BOOST_REQUIRE_EQUAL(got.status, 200);
    auto url = parse_object(got.body)->getValue<std::string>("stream_url");
    BOOST_REQUIRE_EQUAL(client.request("DELETE", "/api/v1/conversations/" + cid).status, 204);
    BOOST_TEST(client.open_stream(stream_path(turn.id()))->status() == 404);
    StackClient anonymous(client.base_url(), "");
    auto s = anonymous.open_stream(url);
    BOOST_REQUIRE_EQUAL(s->status(), 200);
    auto events = chat::test::read_until_end(*s, kWait);
    BOOST_TEST(events.back().event == "error");
    BOOST_TEST(parse_object(events.back().data)->getValue<std::string>("code") == "not_found");
    BOOST_TEST(assemble(events).empty());
}

// A turn whose last attempt failed with a retryable error failed for good: the stream's `error`
// says retrying will not help, and the turn's finish_reason is 'error'.
BOOST_FIXTURE_TEST_CASE(a_turn_out_of_attempts_ends_with_a_final_error, Fixture) {
    auto cid = client.create_conversation("stream attempts used up");
    ScriptedTurn turn(pub, cid);
    chat::db::Connection db(chat::test::require_env("CHAT_DB_URL"));
    db.exec("UPDATE turns SET max_attempts = 1 WHERE id = $1::uuid", {turn.id()});
    turn.claim();
    auto s = client.open_stream(stream_path(turn.id()));
    std::vector<SseEvent> shown;
    prime(turn, *s, shown, "try1");
    turn.persist();
    turn.fail(/*retryable=*/true);  // retry_turn finds no attempt left and fails the turn
    read_until(*s, shown, is_final, kWait);
    BOOST_TEST(shown.back().event == "error");
    auto error = parse_object(shown.back().data);
    BOOST_TEST(error->getValue<std::string>("code") == "scripted");
    BOOST_TEST(!error->getValue<bool>("retryable"));
    auto t = parse_object(client.get("/api/v1/turns/" + turn.id()).body);
    BOOST_TEST(t->getValue<std::string>("status") == "failed");
    BOOST_TEST(t->getValue<std::string>("finish_reason") == "error");
    BOOST_TEST(t->getValue<bool>("dead_lettered"));
}
