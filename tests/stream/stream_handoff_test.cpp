// Two stream handler processes: the stack's (through nginx) and a second chat-stream started by
// the test on a loopback TCP port and spoken to directly over FastCGI. A client that drops and
// reconnects to the other process, back and forth, still assembles exactly the stored reply;
// SIGTERM ends a handler's open streams cleanly so clients can resume elsewhere.
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <functional>
#include <thread>

#include "tests/queue/child_process.h"
#include "tests/stream/fcgi_stream_client.h"
#include "tests/stream/scripted_turn.h"
#include "tests/stream/stream_it_support.h"
#include "tests/support/test_env.h"

using namespace chat::stream::test;
using chat::test::require_env;

namespace {

constexpr Ms kWait{10000};

using NextFn = std::function<std::optional<SseEvent>(Ms)>;

// Publishes the next token until the reader shows it (the reader's subscription is in place).
void prime_with(ScriptedTurn& t, const NextFn& next, std::vector<SseEvent>& shown,
                const std::string& text) {
    int64_t seq = t.publish_token(text);
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
        auto e = next(Ms(30));
        if (!e) {
            t.republish_token(seq, text);
            continue;
        }
        shown.push_back(*e);
        if (e->event == "token" && e->id == std::to_string(seq)) return;
    }
    throw std::runtime_error("the handler never showed the priming token");
}

void read_until_with(const NextFn& next, std::vector<SseEvent>& shown,
                     const std::function<bool(const SseEvent&)>& pred) {
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
        auto e = next(Ms(100));
        if (!e) continue;
        shown.push_back(*e);
        if (pred(*e)) return;
    }
    throw std::runtime_error("timed out waiting for an event");
}

// The second handler: its own process, its own ZeroMQ subscription, same database and broker.
struct SecondHandler {
    int port = free_port();
    chat::testing::ChildProcess process{
        require_env("CHAT_BIN_DIR") + "/chat-stream",
        {{"CHAT_STREAM_LISTEN", ""}, {"CHAT_STREAM_HEARTBEAT_MS", "1000"}},
        require_env("CHAT_TEST_RUN_DIR") + "/stream-handoff-" + std::to_string(port) + ".log",
        {"--listen", "127.0.0.1:" + std::to_string(port)}};

    SecondHandler() {
        auto deadline = std::chrono::steady_clock::now() + kWait;
        while (true) {
            try {
                FcgiStreamClient probe(port, "/healthz", {});
                if (probe.status(Ms(2000)) != 0) return;
            } catch (const std::runtime_error&) {
            }
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("the second chat-stream did not start");
            std::this_thread::sleep_for(Ms(20));  // polling for the listener, with a deadline
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(reconnects_land_on_another_handler_process) {
    StackClient client;
    TestPublisher pub;
    SecondHandler second;
    std::string key = "Bearer " + require_env("CHAT_TEST_API_KEY");
    auto cid = client.create_conversation("stream handoff");
    ScriptedTurn turn(pub, cid);
    turn.claim();
    auto path = stream_path(turn.id());
    std::vector<SseEvent> shown;

    // Process A (nginx -> the stack's chat-stream): tokens 1..3.
    auto a = client.open_stream(path);
    NextFn next_a = [&](Ms t) { return a->next(t); };
    prime_with(turn, next_a, shown, "A1");
    turn.publish_token(" A2");
    turn.publish_token(" A3");
    read_until_token(*a, shown, 3, kWait);
    a.reset();

    // Process B (direct FastCGI): resumes after 3; token 4 was published while away.
    turn.publish_token(" B4");
    auto b = std::make_unique<FcgiStreamClient>(
        second.port, path,
        FcgiStreamClient::Headers{{"Authorization", key}, {"Last-Event-ID", "3"}});
    BOOST_REQUIRE_EQUAL(b->status(kWait), 200);
    NextFn next_b = [&](Ms t) { return b->next(t); };
    turn.persist();
    read_until_with(next_b, shown, [](const SseEvent& e) { return e.id == "4"; });
    prime_with(turn, next_b, shown, " B5");
    turn.publish_token(" B6");
    read_until_with(next_b, shown, [](const SseEvent& e) { return e.id == "6"; });

    // SIGTERM on B: its open stream ends cleanly (end of response, no final event).
    second.process.signal(SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!b->ended() && std::chrono::steady_clock::now() < deadline) {
        if (auto e = b->next(Ms(100))) shown.push_back(*e);
    }
    BOOST_TEST(b->ended());
    BOOST_TEST(second.process.wait(5000) == 0);
    for (const auto& e : shown) BOOST_TEST(!is_final(e));

    // Back on A from 6: the rest and done.
    turn.publish_token(" A7");
    turn.finish();
    auto back = client.open_stream(path, "6");
    read_until(*back, shown, is_final, kWait);
    BOOST_TEST(shown.back().event == "done");
    BOOST_TEST(expect_in_order(shown) == 7u);
    BOOST_TEST(assemble(shown) == stored_reply(client, cid));
    BOOST_TEST(assemble(shown) == "A1 A2 A3 B4 B5 B6 A7");
}
