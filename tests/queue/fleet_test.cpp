// Real worker processes on a real PostgreSQL and broker: crash recovery, graceful shutdown,
// retries and dead letter, wake-ups, and a backlog drained by several workers.
#define BOOST_TEST_MODULE fleet
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "common/ids.h"
#include "common/wire.h"
#include "tests/queue/fleet.h"
#include "workers/local/local_generator.h"

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
    // Each turn records what was sent to the model.
    BOOST_TEST(f.count("SELECT count(*) FROM turns WHERE jsonb_array_length(context->'message_ids') "
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
                auto e = wire::parse_turn_event(fr);
                if (e && e->kind == wire::Kind::Start && e->attempt == 2) saw_restart = true;
            }
            return saw_restart;
        },
        2000);
    BOOST_TEST(saw_restart);
}

BOOST_AUTO_TEST_CASE(sigterm_lets_the_in_flight_turn_finish) {
    Fleet f;
    auto id = f.db.enqueue_turns(1).at(0);
    auto& w = f.start_worker({{"CHAT_LOCAL_TOKENS", "40"}, {"CHAT_LOCAL_DELAY_MS", "25"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.scalar("SELECT status FROM turns WHERE id = $1", {id}) == "running"; },
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
