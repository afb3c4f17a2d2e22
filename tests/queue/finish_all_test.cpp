// TurnQueue::finish_all (sql/023_finish_turns.sql): several attempts ended in one statement,
// each as finish() would have ended it, against a real PostgreSQL.
#include <boost/test/unit_test.hpp>

#include <future>
#include <string>
#include <vector>

#include "queue/turn_queue.h"
#include "tests/queue/claimed_turns.h"
#include "tests/queue/references.h"

using chat::queue::AttemptEnd;
using chat::queue::ClaimedTurn;
using chat::queue::TurnQueue;

namespace {

const std::string kUsage = R"({"model":"local","output_tokens":3})";

AttemptEnd end_of(const ClaimedTurn& t, int64_t seq_from, std::vector<std::string> tokens,
                  const std::string& status = "done") {
    AttemptEnd e;
    e.turn_id = t.turn_id;
    e.attempt = t.attempt;
    e.seq_from = seq_from;
    e.tokens = std::move(tokens);
    e.status = status;
    e.finish_reason = status == "done" ? "stop" : status;
    e.usage_json = kUsage;
    return e;
}

struct ThreeClaimedTurns : chat::testing::ClaimedTurns {
    ThreeClaimedTurns() : ClaimedTurns(3) {}

    std::string reply_of(const std::string& message_id) {
        return db.conn().exec("SELECT content FROM messages WHERE id = $1", {message_id}).str(0, 0);
    }
    std::string status_of(const ClaimedTurn& turn) {
        return db.conn().exec("SELECT status FROM turns WHERE id = $1", {turn.turn_id}).str(0, 0);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(one_statement_ends_each_attempt_with_its_own_reply, ThreeClaimedTurns) {
    BOOST_TEST(q.persist(t[0], 1, {"a"}).held);
    // Tokens that an array literal must quote; the first reply is rebuilt from the token log.
    auto first = end_of(t[0], 2, {" NULL", ",{b}", " \"c\\"});
    auto second = end_of(t[1], 1, {"x"}, "cancelled");
    second.body = "x";
    auto fenced = end_of(t[2], 1, {"never"});
    fenced.attempt = t[2].attempt + 1;
    auto got = q.finish_all({&first, &second, &fenced});
    BOOST_REQUIRE_EQUAL(got.size(), 3u);
    BOOST_REQUIRE(got[0]);
    BOOST_TEST(got[0]->status == "done");
    BOOST_REQUIRE(got[0]->message_id);
    BOOST_TEST(reply_of(*got[0]->message_id) == "a NULL,{b} \"c\\");
    BOOST_REQUIRE(got[1]);
    BOOST_TEST(got[1]->status == "cancelled");
    BOOST_REQUIRE(got[1]->message_id);
    BOOST_TEST(reply_of(*got[1]->message_id) == "x");
    BOOST_TEST(!got[2].has_value());
    BOOST_TEST(status_of(t[2]) == "running");
    auto stored = db.conn().exec(
        "SELECT last_seq, usage->>'output_tokens' FROM turns WHERE id = $1", {t[0].turn_id});
    BOOST_TEST(stored.int64(0, 0) == 4);
    BOOST_TEST(stored.str(0, 1) == "3");
    BOOST_TEST(chat::testing::dangling_references(db.conn()).empty());
}

// A worker whose connection broke before it saw the answer writes the batch again.
BOOST_FIXTURE_TEST_CASE(ending_a_batch_again_answers_as_the_first_time, ThreeClaimedTurns) {
    auto a = end_of(t[0], 1, {"one"}), b = end_of(t[1], 1, {"two"});
    auto first = q.finish_all({&a, &b});
    auto again = q.finish_all({&a, &b});
    for (size_t i = 0; i < 2; ++i) {
        BOOST_REQUIRE(first[i] && again[i]);
        BOOST_TEST(again[i]->message_id.value_or("") == first[i]->message_id.value_or("none"));
    }
    auto replies = db.conn().exec(
        "SELECT count(*) FROM messages WHERE role = 'assistant' AND turn_id = ANY($1::uuid[])",
        {"{" + t[0].turn_id + "," + t[1].turn_id + "}"});
    BOOST_TEST(replies.int64(0, 0) == 2);
}

BOOST_FIXTURE_TEST_CASE(a_batch_that_fails_writes_none_of_its_attempts, ThreeClaimedTurns) {
    auto good = end_of(t[0], 1, {"fine"});
    auto bad = end_of(t[1], 1, {"x"}, "finished");  // not a status a turn can have
    BOOST_CHECK_THROW(q.finish_all({&good, &bad}), chat::db::Error);
    BOOST_TEST(status_of(t[0]) == "running");
    BOOST_TEST(q.finish(good).has_value());  // and it can still be ended
    BOOST_TEST(status_of(t[0]) == "done");
}

// The keeper renews the leases of turns its runners are ending. A batch locks its turns in id
// order, as renew_leases does, so the two wait for each other instead of deadlocking: here the
// keeper holds the smaller id's row and asks for the larger one while the batch waits.
BOOST_FIXTURE_TEST_CASE(a_batch_and_a_lease_renewal_do_not_deadlock, ThreeClaimedTurns) {
    auto order =
        db.conn().exec("SELECT least($1::uuid, $2::uuid) = $1::uuid", {t[0].turn_id, t[1].turn_id});
    const ClaimedTurn& smaller = order.boolean(0, 0) ? t[0] : t[1];
    const ClaimedTurn& larger = order.boolean(0, 0) ? t[1] : t[0];
    chat::db::Connection keeper(db.url());
    keeper.exec("SET deadlock_timeout = '100ms'");
    keeper.exec("BEGIN");
    BOOST_TEST(
        !keeper
             .exec("SELECT * FROM renew_leases('w', $1::uuid[], 30)", {"{" + smaller.turn_id + "}"})
             .empty());
    auto batch = std::async(std::launch::async, [&] {
        chat::db::Connection c(db.url());
        c.exec("SET deadlock_timeout = '100ms'");
        TurnQueue runner(c, "w", 30);
        auto a = end_of(larger, 1, {"L"}), b = end_of(smaller, 1, {"S"});
        return runner.finish_all({&a, &b});  // the larger id first: the batch reorders
    });
    BOOST_REQUIRE(db.await_lock_waiters(1));
    // A batch that had locked the larger id first would now deadlock with the keeper.
    BOOST_CHECK_NO_THROW(keeper.exec("SELECT * FROM renew_leases('w', $1::uuid[], 30)",
                                     {"{" + larger.turn_id + "}"}));
    keeper.exec("COMMIT");
    std::vector<std::optional<chat::queue::Finished>> got;
    BOOST_REQUIRE_NO_THROW(got = batch.get());
    BOOST_TEST(got[0].has_value());
    BOOST_TEST(got[1].has_value());
    BOOST_TEST(status_of(larger) == "done");
}

// A finish locks its turn and then the turn's conversation; a conversation's delete locks them
// in the same order (sql/024), so a delete that arrives between the two waits for the finish.
BOOST_FIXTURE_TEST_CASE(a_finish_and_a_conversation_delete_do_not_deadlock, ThreeClaimedTurns) {
    auto owner =
        db.conn().exec("SELECT user_id, conversation_id FROM turns WHERE id = $1", {t[0].turn_id});
    const std::string user = owner.str(0, 0), conversation = owner.str(0, 1);
    chat::db::Connection finisher(db.url());
    finisher.exec("SET deadlock_timeout = '100ms'");
    finisher.exec("BEGIN");
    // Where finish_turn stands after its UPDATE of the turn, before it updates the conversation.
    finisher.exec("SELECT 1 FROM turns WHERE id = $1 FOR NO KEY UPDATE", {t[0].turn_id});
    auto deleted = std::async(std::launch::async, [&] {
        chat::db::Connection c(db.url());
        c.exec("SET deadlock_timeout = '100ms'");
        return c.exec("SELECT running_turn FROM delete_conversation($1, $2)", {user, conversation})
            .rows();
    });
    BOOST_REQUIRE(db.await_lock_waiters(1));
    TurnQueue runner(finisher, "w", 30);
    // A delete that had locked the conversation first would now deadlock with this finish.
    BOOST_CHECK_NO_THROW(BOOST_TEST(runner.finish(end_of(t[0], 1, {"kept"})).has_value()));
    finisher.exec("COMMIT");
    int running_turns = -1;
    BOOST_REQUIRE_NO_THROW(running_turns = deleted.get());
    BOOST_TEST(running_turns == 0);  // the turn had ended: no worker to tell
    BOOST_TEST(status_of(t[0]) == "done");
    auto gone = db.conn().exec("SELECT deleted_at IS NOT NULL FROM conversations WHERE id = $1",
                               {conversation});
    BOOST_TEST(gone.boolean(0, 0));
}

BOOST_FIXTURE_TEST_CASE(an_empty_batch_asks_nothing, ThreeClaimedTurns) {
    BOOST_TEST(q.finish_all({}).empty());
}
