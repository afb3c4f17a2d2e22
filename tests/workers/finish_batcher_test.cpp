// FinishBatcher against a real PostgreSQL: ends that come while one is being written go
// together in the next statement, and one attempt's failure is its own.
#define BOOST_TEST_MODULE finish_batcher
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "queue/turn_queue.h"
#include "tests/queue/claimed_turns.h"
#include "workers/worker/finish_batcher.h"

using chat::db::Connection;
using chat::queue::AttemptEnd;
using chat::queue::ClaimedTurn;
using chat::queue::Finished;
using chat::queue::TurnQueue;
using chat::testing::ScratchDatabase;
using chat::worker::FinishBatcher;

namespace {

AttemptEnd end_of(const ClaimedTurn& t, const std::string& text, const std::string& status) {
    return AttemptEnd{t.turn_id, t.attempt, t.seq_base + 1,         {text},
                      status,    "stop",    R"({"model":"local"})", "",
                      "",        text};
}

// One runner: its own connection and queue, ending one attempt through the shared batcher.
struct Runner {
    std::optional<Finished> result;
    bool threw = false;
    std::thread thread;

    Runner(const std::string& url, FinishBatcher& batcher, AttemptEnd end)
        : thread([this, url, &batcher, end = std::move(end)] {
              Connection c(url);
              TurnQueue q(c, "w", 30);
              try {
                  result = batcher.finish(q, end);
              } catch (const chat::db::Error&) {
                  threw = true;
              }
          }) {}
    ~Runner() {
        if (thread.joinable()) thread.join();
    }
};

// Runs `ends` through one batcher while the first attempt's turn row is locked elsewhere: the
// first end is written alone and waits on the lock, the others queue up behind it, then the
// lock goes and they are written together.
std::vector<std::unique_ptr<Runner>> end_while_the_first_waits(
    ScratchDatabase& db, FinishBatcher& batcher, const std::vector<AttemptEnd>& ends) {
    std::vector<std::unique_ptr<Runner>> runners;  // joined after `locker` is gone, on failure too
    Connection locker(db.url());
    locker.exec("BEGIN");
    locker.exec("SELECT 1 FROM turns WHERE id = $1 FOR UPDATE", {ends.at(0).turn_id});
    runners.push_back(std::make_unique<Runner>(db.url(), batcher, ends[0]));
    BOOST_REQUIRE_MESSAGE(db.await_lock_waiters(1), "the first end waits on the locked row");
    auto until_waiting = [&](size_t n) {
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (batcher.counts().waiting != n && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        BOOST_REQUIRE_MESSAGE(batcher.counts().waiting == n, "the next end waits its turn");
    };
    for (size_t i = 1; i < ends.size(); ++i) {
        runners.push_back(std::make_unique<Runner>(db.url(), batcher, ends[i]));
        until_waiting(i);
    }
    locker.exec("COMMIT");
    for (auto& r : runners) r->thread.join();
    return runners;
}

struct FiveClaimedTurns : chat::testing::ClaimedTurns {
    FinishBatcher batcher;
    FiveClaimedTurns() : ClaimedTurns(5) {}

    std::string reply_of(const ClaimedTurn& turn) {
        auto r = db.conn().exec(
            "SELECT m.content FROM turns t JOIN messages m ON m.id = t.message_id "
            "WHERE t.id = $1 AND t.status = 'done'",
            {turn.turn_id});
        return r.empty() ? "(none)" : r.str(0, 0);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(ends_that_come_while_one_is_written_go_together, FiveClaimedTurns) {
    std::vector<AttemptEnd> ends;
    for (size_t i = 0; i < t.size(); ++i)
        ends.push_back(end_of(t[i], "reply " + std::to_string(i), "done"));
    auto runners = end_while_the_first_waits(db, batcher, ends);
    auto counts = batcher.counts();
    BOOST_TEST(counts.ends == 5);
    BOOST_TEST(counts.batches == 2);
    for (size_t i = 0; i < t.size(); ++i) {
        BOOST_REQUIRE(runners[i]->result);
        BOOST_TEST(runners[i]->result->status == "done");
        BOOST_TEST(reply_of(t[i]) == "reply " + std::to_string(i));
    }
}

BOOST_FIXTURE_TEST_CASE(an_attempt_that_fails_in_a_batch_fails_alone, FiveClaimedTurns) {
    std::vector<AttemptEnd> ends;
    for (size_t i = 0; i < t.size(); ++i)
        ends.push_back(end_of(t[i], "reply " + std::to_string(i), i == 2 ? "finished" : "done"));
    ends[3].attempt += 1;  // fenced out: another attempt owns the turn
    auto runners = end_while_the_first_waits(db, batcher, ends);
    BOOST_TEST(runners[2]->threw);
    BOOST_TEST(!runners[3]->threw);
    BOOST_TEST(!runners[3]->result.has_value());
    for (size_t i : {0, 1, 4}) {
        BOOST_TEST(!runners[i]->threw);
        BOOST_REQUIRE(runners[i]->result);
        BOOST_TEST(reply_of(t[i]) == "reply " + std::to_string(i));
    }
    BOOST_TEST(reply_of(t[2]) == "(none)");
    BOOST_TEST(reply_of(t[3]) == "(none)");
}

BOOST_FIXTURE_TEST_CASE(a_runner_alone_writes_at_once, FiveClaimedTurns) {
    for (size_t i = 0; i < t.size(); ++i)
        BOOST_TEST(batcher.finish(q, end_of(t[i], "r", "done")).has_value());
    BOOST_TEST(batcher.counts().ends == 5);
    BOOST_TEST(batcher.counts().batches == 5);
}
