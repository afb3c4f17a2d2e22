// Real worker processes on a real PostgreSQL and broker: crash recovery, database outages,
// graceful shutdown, retries and dead letter, wake-ups, and a backlog drained by several workers.
#define BOOST_TEST_MODULE fleet
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "common/ids.h"
#include "common/wire.h"
#include "tests/queue/fleet.h"
#include "tests/queue/references.h"
#include "workers/local/local_generator.h"
#include "workers/worker/wake_shards.h"

using namespace chat;
using testing::ChildProcess;
using testing::Fleet;
using testing::wait_until;

namespace {

// The text the local generator produces for a one-message conversation (seed = the turn).
std::string expected_text(const std::string& turn_id, const std::string& content, int tokens) {
    gen::Prompt p;
    p.messages.push_back({"", "user", content});
    p.seed = std::hash<std::string>{}(turn_id);
    std::string out;
    for (const auto& t : gen::local_reply_tokens(p, tokens)) out += t;
    return out;
}

// Waits until `n` workers have reported and their keepers have read the fleet (wake-up shards).
void await_fleet(Fleet& f, long n) {
    BOOST_REQUIRE(wait_until([&] { return f.count("SELECT count(*) FROM workers") == n; }, 10000));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
}

// Stops worker `w` with SIGTERM and returns the line it logged last: "worker stopped after ...".
std::string stop_line(Fleet& f, size_t w) {
    f.workers[w]->signal(SIGTERM);
    BOOST_REQUIRE(f.workers[w]->wait(15000) == 0);
    std::ifstream log(f.dir / ("worker" + std::to_string(w) + ".log"));
    std::string line, stopped;
    while (std::getline(log, line))
        if (auto at = line.find("worker stopped after "); at != std::string::npos)
            stopped = line.substr(at);
    return stopped;
}

}  // namespace

BOOST_AUTO_TEST_CASE(backlog_is_drained_by_three_workers_without_loss_or_duplicate) {
    Fleet f;
    auto ids = f.db.enqueue_turns(1000);  // queued while no worker runs
    for (int i = 0; i < 3; ++i) f.start_worker({{"CHAT_LOCAL_TOKENS", "8"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.count("SELECT count(*) FROM turns WHERE status = 'done'") == 1000; },
        90000));
    BOOST_TEST(f.count("SELECT count(*) FROM turns WHERE attempt <> 1") == 0);
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE role = 'assistant'") == 1000);
    BOOST_TEST(
        f.count("SELECT count(*) FROM (SELECT turn_id FROM messages WHERE role = 'assistant' "
                "GROUP BY turn_id HAVING count(*) > 1) d") == 0);
    BOOST_TEST(f.count("SELECT count(*) FROM turns t JOIN messages m ON m.id = t.message_id "
                       "WHERE m.content <> turn_text(t.id, t.attempt)") == 0);
    BOOST_TEST(f.count("SELECT count(DISTINCT lease_owner) FROM turns") == 0);  // all released
    BOOST_TEST(chat::testing::dangling_references(f.db.conn()).empty());
    // Each turn records what was sent to the model.
    BOOST_TEST(
        f.count("SELECT count(*) FROM turns WHERE jsonb_array_length(context->'message_ids') "
                "<> 1") == 0);
    BOOST_TEST(f.count("SELECT count(*) FROM workers WHERE seen_at > now() - interval '15 s'") ==
               3);
}

BOOST_AUTO_TEST_CASE(a_turn_whose_worker_is_killed_is_finished_by_another_with_a_new_attempt) {
    Fleet f;
    zmq::context_t ctx;
    auto sub = wire::make_subscriber(ctx, f.sub);
    sub.set(zmq::sockopt::subscribe, wire::kTurnPrefix);
    auto id = f.db.enqueue_turns(1, "tell me about crash recovery").at(0);
    auto& doomed = f.start_worker({{"CHAT_LOCAL_TOKENS", "30"}, {"CHAT_LOCAL_DELAY_MS", "100"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.count("SELECT last_seq FROM turns WHERE id = $1", {id}) >= 5; }, 10000));
    doomed.signal(SIGKILL);
    doomed.wait(5000);
    f.start_worker({{"CHAT_LOCAL_TOKENS", "30"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "done"; }, 15000));
    BOOST_TEST(f.scalar("SELECT attempt FROM turns WHERE id = $1", {id}) == "2");
    auto text = f.scalar(
        "SELECT m.content FROM turns t JOIN messages m ON m.id = t.message_id "
        "WHERE t.id = $1",
        {id});
    BOOST_TEST(text == expected_text(id, "tell me about crash recovery", 30));
    // Subscribers saw the second attempt start (their cue to send `reset`).
    bool saw_restart = false;
    wait_until(
        [&] {
            for (auto fr = wire::recv_multipart(sub); !fr.empty(); fr = wire::recv_multipart(sub)) {
                for (const auto& e : wire::parse_turn_events(fr))
                    if (e.kind == wire::Kind::Start && e.attempt == 2) saw_restart = true;
            }
            return saw_restart;
        },
        2000);
    BOOST_TEST(saw_restart);
}

// A PostgreSQL restart in the middle of a turn: the worker's connections are closed and new
// ones refused for a moment. The worker writes again once the database is back, within its
// lease: the same attempt finishes, with no token lost or doubled.
BOOST_AUTO_TEST_CASE(a_turn_rides_out_a_database_outage_in_the_same_attempt) {
    Fleet f;
    auto id = f.db.enqueue_turns(1, "tell me about outages").at(0);
    f.start_worker({{"CHAT_LOCAL_TOKENS", "30"},
                    {"CHAT_LOCAL_DELAY_MS", "50"},
                    {"CHAT_WORKER_LEASE_MS", "5000"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.count("SELECT last_seq FROM turns WHERE id = $1", {id}) >= 5; }, 10000));
    db::Connection admin(std::getenv("CHAT_DB_URL"));  // the scratch database's own is refused
    const std::string name = f.scalar("SELECT current_database()");
    const std::string others = "FROM pg_stat_activity WHERE datname = '" + name + "'";
    admin.exec_script("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
    admin.exec("SELECT pg_terminate_backend(pid) " + others);
    BOOST_REQUIRE(
        wait_until([&] { return admin.exec("SELECT count(*) " + others).int64(0, 0) == 0; }, 5000));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // reconnects are refused
    admin.exec_script("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");

    BOOST_REQUIRE(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "done"; }, 15000));
    BOOST_TEST(f.scalar("SELECT attempt FROM turns WHERE id = $1", {id}) == "1");
    BOOST_TEST(f.scalar("SELECT m.content FROM turns t JOIN messages m ON m.id = t.message_id "
                        "WHERE t.id = $1",
                        {id}) == expected_text(id, "tell me about outages", 30));
    BOOST_TEST(f.scalar("SELECT turn_text(t.id, t.attempt) FROM turns t WHERE t.id = $1", {id}) ==
               expected_text(id, "tell me about outages", 30));
}

BOOST_AUTO_TEST_CASE(sigterm_lets_the_in_flight_turn_finish) {
    Fleet f;
    auto id = f.db.enqueue_turns(1).at(0);
    auto& w = f.start_worker({{"CHAT_LOCAL_TOKENS", "40"}, {"CHAT_LOCAL_DELAY_MS", "25"}});
    // Generating, not just claimed: a turn claimed but not started is handed back at once.
    BOOST_REQUIRE(wait_until(
        [&] {
            return f.count(
                       "SELECT count(*) FROM turns t JOIN turn_chunks c ON c.turn_id = t.id "
                       "WHERE t.id = $1 AND t.status = 'running'",
                       {id}) > 0;
        },
        10000));
    w.signal(SIGTERM);
    BOOST_TEST(w.wait(15000) == 0);
    BOOST_TEST(f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "done");
    BOOST_TEST(f.scalar("SELECT attempt FROM turns WHERE id = $1", {id}) == "1");
    BOOST_TEST(f.count("SELECT count(*) FROM workers WHERE stopped_at IS NOT NULL") == 1);
}

BOOST_AUTO_TEST_CASE(sigterm_past_the_grace_period_hands_the_turn_back) {
    Fleet f;
    auto id = f.db.enqueue_turns(1).at(0);
    auto& w = f.start_worker({{"CHAT_LOCAL_TOKENS", "200"},
                              {"CHAT_LOCAL_DELAY_MS", "100"},
                              {"CHAT_WORKER_GRACE_S", "1"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "running"; },
        10000));
    w.signal(SIGTERM);
    BOOST_TEST(w.wait(10000) == 0);
    BOOST_TEST(f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "queued");
    f.start_worker({{"CHAT_LOCAL_TOKENS", "200"}});
    BOOST_TEST(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "done"; }, 15000));
}

BOOST_AUTO_TEST_CASE(a_failing_backend_is_retried_then_dead_lettered) {
    Fleet f;
    auto id = f.db.enqueue_turns(1, "please /fail").at(0);
    f.start_worker({});
    BOOST_REQUIRE(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "failed"; },
        15000));
    BOOST_TEST(f.scalar("SELECT attempt FROM turns WHERE id = $1", {id}) == "3");
    BOOST_TEST(f.scalar("SELECT dead_lettered_at IS NOT NULL FROM turns WHERE id = $1", {id}) ==
               "t");
    BOOST_TEST(f.scalar("SELECT error->>'code' FROM turns WHERE id = $1", {id}) ==
               "upstream_unavailable");
}

BOOST_AUTO_TEST_CASE(an_idle_worker_is_woken_by_zeromq_not_by_polling) {
    Fleet f;
    f.start_worker({{"CHAT_WORKER_POLL_MS", "600000"}, {"CHAT_LOCAL_TOKENS", "4"}});
    BOOST_REQUIRE(wait_until([&] { return f.count("SELECT count(*) FROM workers") == 1; }, 10000));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the runners go idle
    auto id = f.db.enqueue_turns(1).at(0);
    zmq::context_t ctx;
    auto pub = wire::make_publisher(ctx, f.pub);
    // A new PUB socket loses its first messages (slow joiner), so keep announcing.
    BOOST_TEST(wait_until(
        [&] {
            wire::publish_wake(pub);
            return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "done";
        },
        5000));
}

// Wake-ups that land while a claim is in flight wake no runner (the claimer looks again when it
// returns); none of them may be lost, or its turn waits for the poll (here: ten minutes).
BOOST_AUTO_TEST_CASE(wake_ups_during_a_claim_are_not_lost) {
    Fleet f;
    f.start_worker({{"CHAT_WORKER_POLL_MS", "600000"},
                    {"CHAT_LOCAL_TOKENS", "4"},
                    {"CHAT_WORKER_CONCURRENCY", "4"}});
    BOOST_REQUIRE(wait_until([&] { return f.count("SELECT count(*) FROM workers") == 1; }, 10000));
    zmq::context_t ctx;
    auto pub = wire::make_publisher(ctx, f.pub);
    auto first = f.db.enqueue_turns(1).at(0);
    BOOST_REQUIRE(wait_until(
        [&] {
            wire::publish_wake(pub);  // until the slow joiner has joined
            return f.scalar("SELECT status FROM turns WHERE id = $1", {first}) == "done";
        },
        5000));
    // One turn and one wake-up at a time, a claim's length apart or less, as chat-api posts them.
    for (int i = 0; i < 40; ++i) {
        f.db.enqueue_turns(1);
        wire::publish_wake(pub);
        std::this_thread::sleep_for(std::chrono::microseconds(500 + 100 * (i % 10)));
    }
    BOOST_TEST(
        wait_until(
            [&] { return f.count("SELECT count(*) FROM turns WHERE status = 'done'") == 41; },
            5000),
        f.count("SELECT count(*) FROM turns WHERE status = 'done'") << " of 41 done");
}

// Two workers, each owning its half of the wake-up shards: a turn's wake-up reaches one of them,
// so it costs one claim, not one in each worker with an empty one in the other.
BOOST_AUTO_TEST_CASE(a_turns_wake_up_makes_one_claim_in_a_fleet_of_two) {
    Fleet f;
    for (const char* id : {"fleet-a", "fleet-b"})
        f.start_worker({{"CHAT_WORKER_ID", id},
                        {"CHAT_WORKER_POLL_MS", "600000"},
                        {"CHAT_LOCAL_TOKENS", "4"},
                        {"CHAT_WORKER_CONCURRENCY", "4"}});
    await_fleet(f, 2);
    zmq::context_t ctx;
    auto pub = wire::make_publisher(ctx, f.pub);
    auto first = f.db.enqueue_turns(1).at(0);
    BOOST_REQUIRE(wait_until(
        [&] {
            // Until the slow joiner has joined; spaced, since each one after that is a claim.
            wire::publish_wake(pub, first);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            return f.scalar("SELECT status FROM turns WHERE id = $1", {first}) == "done";
        },
        5000));
    for (int i = 0; i < 40; ++i) {
        auto id = f.db.enqueue_turns(1).at(0);
        wire::publish_wake(pub, id);
        // Turns a few ms apart, as people post: closer, one worker's claim takes the other's.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // With a ten-minute poll, only the wake-ups sent to the shards' owners can have done them.
    BOOST_TEST(
        wait_until(
            [&] { return f.count("SELECT count(*) FROM turns WHERE status = 'done'") == 41; },
            10000),
        f.count("SELECT count(*) FROM turns WHERE status = 'done'") << " of 41 done");
    long claims = 0, empty = 0;
    for (size_t w = 0; w < f.workers.size(); ++w) {
        long c = -1, e = -1;
        std::sscanf(stop_line(f, w).c_str(), "worker stopped after %ld claims, %ld", &c, &e);
        BOOST_REQUIRE_MESSAGE(c >= 0, "worker " << w << " logged no claim count");
        claims += c;
        empty += e;
    }
    BOOST_TEST_MESSAGE(claims << " claims, " << empty << " empty, for 41 turns");
    // Were every wake-up heard by both workers, ~41 claims would be empty; the repeated
    // first wake-up and each worker's poll at start may make a few.
    BOOST_TEST(empty <= 10);
    BOOST_TEST(claims <= 51);
}

// The owner of a shard with no runner free passes the wake-up on: a worker with one takes the
// turn at once instead of leaving it queued behind the owner's running turn.
BOOST_AUTO_TEST_CASE(a_busy_owner_passes_a_shards_wake_up_to_a_worker_with_a_free_runner) {
    Fleet f;
    auto shards_of_a = worker::owned_wake_shards("fleet-a", {"fleet-a", "fleet-b"});
    BOOST_REQUIRE(!shards_of_a.empty());
    auto topic_of_a = wire::wake_shard_topic(shards_of_a.front());
    f.start_worker({{"CHAT_WORKER_ID", "fleet-a"},
                    {"CHAT_WORKER_POLL_MS", "600000"},
                    {"CHAT_WORKER_CONCURRENCY", "1"},
                    {"CHAT_LOCAL_TOKENS", "80"},
                    {"CHAT_LOCAL_DELAY_MS", "100"}});
    f.start_worker({{"CHAT_WORKER_ID", "fleet-b"},
                    {"CHAT_WORKER_POLL_MS", "600000"},
                    {"CHAT_WORKER_CONCURRENCY", "2"},
                    {"CHAT_LOCAL_TOKENS", "4"}});
    await_fleet(f, 2);
    zmq::context_t ctx;
    auto pub = wire::make_publisher(ctx, f.pub);
    auto slow = f.db.enqueue_turns(1).at(0);
    BOOST_REQUIRE(wait_until(
        [&] {
            pub.send(zmq::buffer(topic_of_a), zmq::send_flags::none);  // until joined
            return f.scalar("SELECT lease_owner FROM turns WHERE id = $1", {slow}) == "fleet-a";
        },
        5000));
    auto quick = f.db.enqueue_turns(1).at(0);
    pub.send(zmq::buffer(topic_of_a), zmq::send_flags::none);
    // fleet-a runs its one turn for 8 s; only fleet-b can answer within 3 s.
    BOOST_TEST(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {quick}) == "done"; },
        3000));
    BOOST_TEST(f.scalar("SELECT status FROM turns WHERE id = $1", {slow}) == "running");
}

// A worker alone has nobody to pass a wake-up on to: sending one would only come back to it.
BOOST_AUTO_TEST_CASE(a_busy_worker_alone_passes_no_wake_up_on) {
    Fleet f;
    f.start_worker({{"CHAT_WORKER_POLL_MS", "600000"},
                    {"CHAT_WORKER_CONCURRENCY", "1"},
                    {"CHAT_LOCAL_TOKENS", "20"},
                    {"CHAT_LOCAL_DELAY_MS", "100"}});
    await_fleet(f, 1);
    zmq::context_t ctx;
    auto pub = wire::make_publisher(ctx, f.pub);
    auto busy = f.db.enqueue_turns(1).at(0);
    BOOST_REQUIRE(wait_until(
        [&] {
            wire::publish_wake(pub, busy);
            return f.scalar("SELECT status FROM turns WHERE id = $1", {busy}) == "running";
        },
        5000));
    for (int i = 0; i < 5; ++i) {
        wire::publish_wake(pub, f.db.enqueue_turns(1).at(0));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto stopped = stop_line(f, 0);
    BOOST_TEST(stopped.find(" 0 wake-ups passed on") != std::string::npos, stopped);
}

BOOST_AUTO_TEST_CASE(a_turn_past_its_deadline_fails_instead_of_running_on) {
    Fleet f;
    auto id = f.db.enqueue_turns(1).at(0);
    f.db.conn().exec("UPDATE turns SET deadline = now() + interval '1 second' WHERE id = $1", {id});
    f.start_worker({{"CHAT_LOCAL_TOKENS", "100"}, {"CHAT_LOCAL_DELAY_MS", "50"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "failed"; },
        10000));
    BOOST_TEST(f.scalar("SELECT error->>'code' FROM turns WHERE id = $1", {id}) ==
               "deadline_exceeded");
    BOOST_TEST(f.count("SELECT last_seq FROM turns WHERE id = $1", {id}) < 100);
}

namespace {

// Collects the messages the broker carries for `turn`, each as its events, until its done event
// (true) or the timeout (false).
bool read_until_done(zmq::socket_t& sub, const std::string& turn,
                     std::vector<std::vector<wire::TurnEvent>>& out, long timeout_ms) {
    bool done = false;
    wait_until(
        [&] {
            for (auto fr = wire::recv_multipart(sub); !fr.empty(); fr = wire::recv_multipart(sub)) {
                auto events = wire::parse_turn_events(fr);
                if (events.empty() || events[0].turn_id != turn) continue;
                done = done || events.back().kind == wire::Kind::Done;
                out.push_back(std::move(events));
            }
            return done;
        },
        timeout_ms);
    return done;
}

// Every message the broker carries for `turn` until its done event.
std::vector<std::vector<wire::TurnEvent>> messages_of(zmq::socket_t& sub, const std::string& turn) {
    std::vector<std::vector<wire::TurnEvent>> out;
    BOOST_REQUIRE(read_until_done(sub, turn, out, 15000));
    return out;
}

// Starts a worker with one runner (one PUB socket) and runs warm-up turns until one's done
// reaches `sub`: a new PUB drops what it sends before the subscription reaches it (STACK-NOTES),
// and a turn of a generator that never waits can be over by then.
ChildProcess& start_joined_worker(Fleet& f, zmq::socket_t& sub,
                                  std::map<std::string, std::string> env) {
    env.emplace("CHAT_WORKER_CONCURRENCY", "1");
    env.emplace("CHAT_WORKER_POLL_MS", "100");  // nothing wakes it: turns are inserted in SQL
    auto& w = f.start_worker(std::move(env));
    for (int tries = 0; tries < 20; ++tries) {
        std::vector<std::vector<wire::TurnEvent>> seen;
        if (read_until_done(sub, f.db.enqueue_turns(1, "warm up").at(0), seen, 2000)) return w;
    }
    BOOST_FAIL("no turn of the new worker reached the subscriber");
    return w;
}

std::string tokens_text(const std::vector<std::vector<wire::TurnEvent>>& messages,
                        size_t& token_messages) {
    std::string text;
    int64_t next_seq = 0;
    token_messages = 0;
    for (const auto& m : messages) {
        if (m.back().kind != wire::Kind::Token) continue;  // a start may lead its first tokens
        ++token_messages;
        for (const auto& e : m) {
            if (e.kind != wire::Kind::Token) continue;
            if (next_seq != 0) BOOST_TEST(e.seq == next_seq);  // consecutive, no gap, no repeat
            next_seq = e.seq + 1;
            text += e.data;
        }
    }
    return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tokens_go_out_together_until_the_generator_waits) {
    Fleet f;
    zmq::context_t ctx;
    auto sub = wire::make_subscriber(ctx, f.sub);
    sub.set(zmq::sockopt::subscribe, wire::kTurnPrefix);
    auto& w = start_joined_worker(f, sub, {{"CHAT_LOCAL_TOKENS", "64"}});
    auto fast = f.db.enqueue_turns(1, "all at once").at(0);
    size_t token_messages = 0;
    // A generator that never waits: its 64 tokens leave in one message with the start, numbered
    // in order; `done` is the only other one.
    auto fast_messages = messages_of(sub, fast);
    BOOST_TEST(tokens_text(fast_messages, token_messages) ==
               expected_text(fast, "all at once", 64));
    BOOST_TEST(token_messages == 1u);
    BOOST_REQUIRE_EQUAL(fast_messages.size(), 2u);
    BOOST_TEST(static_cast<int>(fast_messages[0][0].kind) == static_cast<int>(wire::Kind::Start));
    BOOST_TEST(fast_messages[0].size() == 65u);
    w.signal(SIGTERM);
    w.wait(10000);

    // One that waits between tokens (a model, a slow local reply): each leaves before the wait.
    start_joined_worker(f, sub, {{"CHAT_LOCAL_TOKENS", "5"}, {"CHAT_LOCAL_DELAY_MS", "30"}});
    auto slow = f.db.enqueue_turns(1, "one by one").at(0);
    BOOST_TEST(tokens_text(messages_of(sub, slow), token_messages) ==
               expected_text(slow, "one by one", 5));
    BOOST_TEST(token_messages == 5u);
}
