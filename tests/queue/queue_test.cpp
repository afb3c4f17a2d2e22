// The durable queue against a real PostgreSQL: exclusive claims, fencing, retries, dead letter.
#define BOOST_TEST_MODULE queue
#include <boost/test/unit_test.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "queue/turn_queue.h"
#include "tests/queue/references.h"
#include "tests/queue/scratch_db.h"

using chat::db::Connection;
using chat::queue::TurnQueue;
using chat::testing::ScratchDatabase;

namespace {

std::string status_of(Connection& c, const std::string& turn) {
    return c.exec("SELECT status FROM turns WHERE id = $1", {turn}).str(0, 0);
}

void expire_lease(Connection& c, const std::string& turn) {
    c.exec("UPDATE turns SET lease_until = now() - interval '1 second' WHERE id = $1", {turn});
}

// One queued turn, claimed by worker "w": where most single-turn tests start.
struct OneClaimedTurn {
    ScratchDatabase db;
    std::string id = db.enqueue_turns(1).at(0);
    TurnQueue q{db.conn(), "w", 30};
    std::optional<chat::queue::ClaimedTurn> t = q.claim();
    OneClaimedTurn() { BOOST_REQUIRE(t); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(two_workers_never_claim_the_same_turn) {
    ScratchDatabase db;
    auto ids = db.enqueue_turns(200);
    std::vector<std::string> got[2];
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
        threads.emplace_back([&, w] {
            Connection c(db.url());
            TurnQueue q(c, "w" + std::to_string(w), 30);
            while (auto t = q.claim()) got[w].push_back(t->turn_id);
        });
    }
    for (auto& t : threads) t.join();
    std::set<std::string> all(got[0].begin(), got[0].end());
    for (const auto& id : got[1]) BOOST_TEST(all.insert(id).second, "turn claimed twice: " << id);
    BOOST_TEST(all.size() == ids.size());
}

BOOST_FIXTURE_TEST_CASE(finish_stores_the_tokens_as_the_assistant_message, OneClaimedTurn) {
    BOOST_TEST(t->attempt == 1);
    BOOST_TEST(t->seq_base == 0);
    BOOST_TEST(q.persist(*t, 1, {"Hello", ", \"wor"}).held);
    auto fin = q.finish(*t, 3, {"ld\\\"", "!"}, "done", "stop", R"({"output_tokens":4})", "");
    BOOST_REQUIRE(fin);
    BOOST_TEST(fin->status == "done");
    BOOST_REQUIRE(fin->message_id);
    auto m = db.conn().exec("SELECT content, role FROM messages WHERE id = $1", {*fin->message_id});
    BOOST_TEST(m.str(0, 0) == "Hello, \"world\\\"!");
    BOOST_TEST(m.str(0, 1) == "assistant");
    BOOST_TEST(db.conn().exec("SELECT last_seq FROM turns WHERE id = $1", {id}).int64(0, 0) == 4);
    BOOST_TEST(chat::testing::dangling_references(db.conn()).empty());
}

// The check the tests above and the REST suite rely on does see a broken reference.
BOOST_AUTO_TEST_CASE(the_reference_check_reports_what_the_dropped_keys_caught) {
    ScratchDatabase db;
    auto id = db.enqueue_turns(1).at(0);
    BOOST_TEST(chat::testing::dangling_references(db.conn()).empty());
    db.conn().exec("UPDATE turns SET user_message_id = gen_random_uuid() WHERE id = $1", {id});
    db.conn().exec(
        "INSERT INTO messages(conversation_id, role, content) VALUES (gen_random_uuid(), 'user', "
        "'x')");
    auto broken = chat::testing::dangling_references(db.conn());
    BOOST_REQUIRE_EQUAL(broken.size(), 2u);
    BOOST_TEST(broken[0] == "turns.user_message_id (a user message of the conversation): 1");
    BOOST_TEST(broken[1] == "messages.conversation_id: 1");
}

// A worker whose connection broke before it saw the answer writes the batch again.
BOOST_FIXTURE_TEST_CASE(persisting_a_batch_twice_stores_it_once, OneClaimedTurn) {
    BOOST_TEST(q.persist(*t, 1, {"one", " two"}).held);
    BOOST_TEST(q.persist(*t, 1, {"one", " two"}).held);
    BOOST_TEST(q.persist(*t, 3, {" three"}).held);
    auto fin = q.finish(*t, 4, {}, "done", "stop", "", "");
    BOOST_REQUIRE(fin);
    BOOST_TEST(
        db.conn().exec("SELECT count(*) FROM turn_chunks WHERE turn_id = $1", {id}).int64(0, 0) ==
        2);
    BOOST_TEST(db.conn()
                   .exec("SELECT content FROM messages WHERE id = $1", {*fin->message_id})
                   .str(0, 0) == "one two three");
}

// The same for the finish: the second answers with the first's turn, so the worker still
// publishes `done`; a finish this attempt did not write is still refused.
BOOST_FIXTURE_TEST_CASE(finishing_twice_answers_with_the_first_finish, OneClaimedTurn) {
    const std::string usage = R"({"model":"local","output_tokens":2,"total_ms":7})";
    auto first = q.finish(*t, 1, {"one", " two"}, "done", "stop", usage, "");
    auto second = q.finish(*t, 1, {"one", " two"}, "done", "stop", usage, "");
    BOOST_REQUIRE(first);
    BOOST_REQUIRE(second);
    BOOST_TEST(second->status == "done");
    BOOST_REQUIRE(first->message_id);
    BOOST_TEST(second->message_id.value_or("") == *first->message_id);
    auto stored = db.conn().exec(
        "SELECT (SELECT count(*) FROM messages WHERE turn_id = $1 AND role = 'assistant'), "
        "(SELECT count(*) FROM turn_chunks WHERE turn_id = $1)",
        {id});
    BOOST_TEST(stored.int64(0, 0) == 1);
    BOOST_TEST(stored.int64(0, 1) == 1);
    BOOST_TEST(!q.finish(*t, 1, {"one", " two"}, "done", "stop",
                         R"({"model":"local","output_tokens":2,"total_ms":8})", ""));
    BOOST_TEST(!q.finish(*t, 1, {"one", " two"}, "cancelled", "cancelled", usage, ""));
}

// A turn the lease sweep failed was not finished by its worker, whatever the worker sends.
BOOST_FIXTURE_TEST_CASE(a_finish_after_the_sweep_failed_the_turn_is_refused, OneClaimedTurn) {
    db.conn().exec("UPDATE turns SET max_attempts = 1 WHERE id = $1", {id});
    expire_lease(db.conn(), id);
    BOOST_TEST(q.requeue_expired() == 1);
    BOOST_TEST(status_of(db.conn(), id) == "failed");
    BOOST_TEST(!q.finish(*t, 1, {}, "failed", "error", R"({"model":"local"})",
                         R"({"code":"x","message":"y","retryable":false})"));
}

BOOST_AUTO_TEST_CASE(a_worker_that_lost_its_lease_cannot_write) {
    ScratchDatabase db;
    auto id = db.enqueue_turns(1).at(0);
    Connection c2(db.url());
    TurnQueue slow(db.conn(), "slow", 30), fast(c2, "fast", 30);
    auto t1 = slow.claim();
    BOOST_REQUIRE(t1);
    BOOST_TEST(slow.persist(*t1, 1, {"a", "b"}).held);
    expire_lease(db.conn(), id);
    BOOST_TEST(fast.requeue_expired() == 1);
    auto t2 = fast.claim();
    BOOST_REQUIRE(t2);
    BOOST_TEST(t2->attempt == 2);
    BOOST_TEST(t2->seq_base == 1000000);
    // The paused worker wakes up: every write is refused.
    BOOST_TEST(!slow.persist(*t1, 3, {"c"}).held);
    BOOST_TEST(!slow.finish(*t1, 3, {"c"}, "done", "stop", "", ""));
    BOOST_TEST(!slow.retry(*t1, R"({"code":"x"})", 0));
    BOOST_TEST(slow.renew({id}).empty());
    auto fin = fast.finish(*t2, 1000001, {"new"}, "done", "stop", "", "");
    BOOST_REQUIRE(fin);
    auto text = db.conn().exec("SELECT content FROM messages WHERE id = $1", {*fin->message_id});
    BOOST_TEST(text.str(0, 0) == "new");  // nothing of the lost attempt leaks in
}

BOOST_AUTO_TEST_CASE(retryable_failures_back_off_then_dead_letter) {
    ScratchDatabase db;
    auto id = db.enqueue_turns(1).at(0);
    TurnQueue q(db.conn(), "w", 30);
    for (int attempt = 1; attempt <= 3; ++attempt) {
        auto t = q.claim();
        BOOST_REQUIRE_MESSAGE(t, "attempt " << attempt << " was not claimable");
        BOOST_TEST(t->attempt == attempt);
        auto st = q.retry(*t, R"({"code":"upstream_unavailable","retryable":true})", 0);
        BOOST_TEST(*st == (attempt < 3 ? "queued" : "failed"));
    }
    auto r = db.conn().exec(
        "SELECT status, dead_lettered_at IS NOT NULL, error->>'code' FROM turns WHERE id = $1",
        {id});
    BOOST_TEST(r.str(0, 0) == "failed");
    BOOST_TEST(r.boolean(0, 1));
    BOOST_TEST(r.str(0, 2) == "upstream_unavailable");
    BOOST_TEST(!q.claim());
}

BOOST_FIXTURE_TEST_CASE(backoff_delays_the_next_claim, OneClaimedTurn) {
    q.retry(*t, R"({"code":"rate_limited"})", 60000);
    BOOST_TEST(!q.claim(), "a turn in backoff must not be claimable yet");
}

BOOST_FIXTURE_TEST_CASE(cancel_reaches_the_worker_through_persist_and_renew, OneClaimedTurn) {
    BOOST_TEST(!q.persist(*t, 1, {"x"}).cancel_requested);
    auto user = db.conn().exec("SELECT user_id FROM turns WHERE id = $1", {id}).str(0, 0);
    db.conn().exec("SELECT cancel_turn($1, $2)", {user, id});
    BOOST_TEST(q.persist(*t, 2, {"y"}).cancel_requested);
    auto leases = q.renew({id});
    BOOST_REQUIRE(leases.size() == 1u);
    BOOST_TEST(leases[0].cancel_requested);
    q.finish(*t, 3, {}, "cancelled", "cancelled", "", "");
    BOOST_TEST(status_of(db.conn(), id) == "cancelled");
    auto m = db.conn().exec(
        "SELECT m.content FROM turns t JOIN messages m ON m.id = t.message_id "
        "WHERE t.id = $1",
        {id});
    BOOST_TEST(m.str(0, 0) == "xy");  // the partial text is kept
}

BOOST_AUTO_TEST_CASE(interactive_turns_are_claimed_before_replays) {
    ScratchDatabase db;
    auto ids = db.enqueue_turns(3);
    db.conn().exec("UPDATE turns SET priority = 10 WHERE id = $1 OR id = $2", {ids[0], ids[1]});
    TurnQueue q(db.conn(), "w", 30);
    BOOST_TEST(q.claim()->turn_id == ids[2]);
}

BOOST_AUTO_TEST_CASE(release_on_shutdown_does_not_spend_an_attempt) {
    ScratchDatabase db;
    auto id = db.enqueue_turns(1).at(0);
    db.conn().exec("UPDATE turns SET max_attempts = 1 WHERE id = $1", {id});
    TurnQueue q(db.conn(), "w", 30);
    auto t = q.claim();
    BOOST_TEST(q.release(*t));
    auto again = q.claim();
    BOOST_REQUIRE(again);
    BOOST_TEST(again->attempt == 2);
}

BOOST_AUTO_TEST_CASE(one_claim_hands_out_several_distinct_turns_most_urgent_first) {
    ScratchDatabase db;
    auto ids = db.enqueue_turns(5);
    db.conn().exec("UPDATE turns SET priority = 10 WHERE id = $1", {ids[0]});
    TurnQueue q(db.conn(), "w", 30);
    auto first = q.claim_batch(3);
    BOOST_REQUIRE_EQUAL(first.size(), 3u);
    auto rest = q.claim_batch(10);
    BOOST_REQUIRE_EQUAL(rest.size(), 2u);
    BOOST_TEST(rest.back().turn_id == ids[0], "the low-priority turn comes last");
    std::set<std::string> all;
    for (const auto& t : first) all.insert(t.turn_id);
    for (const auto& t : rest) all.insert(t.turn_id);
    BOOST_TEST(all.size() == 5u);
    for (const auto& t : first) BOOST_TEST(t.attempt == 1);
    BOOST_TEST(q.claim_batch(4).empty());
    BOOST_TEST(status_of(db.conn(), ids[0]) == "running");
}

BOOST_AUTO_TEST_CASE(a_claimed_prompt_holds_only_the_newest_history) {
    ScratchDatabase db;
    auto seed = db.enqueue_turns(1).at(0);
    auto& c = db.conn();
    auto user = c.exec("SELECT user_id FROM turns WHERE id = $1", {seed}).str(0, 0);
    auto conv =
        c.exec("INSERT INTO conversations(user_id) VALUES ($1) RETURNING id", {user}).str(0, 0);
    for (const char* text : {"one", "two", "three", "four"}) {
        c.exec("INSERT INTO messages(conversation_id, role, content) VALUES ($1, 'user', $2)",
               {conv, text});
    }
    auto turn =
        c.exec("SELECT post_message($1, $2, 'five', NULL, NULL)->'turn'->>'id'", {user, conv})
            .str(0, 0);
    TurnQueue q(c, "w", 30, 3);
    for (const auto& t : q.claim_batch(2)) {
        if (t.turn_id != turn) continue;
        std::vector<std::string> texts;
        for (const auto& m : t.history) texts.push_back(m.content);
        BOOST_TEST(texts == (std::vector<std::string>{"three", "four", "five"}),
                   boost::test_tools::per_element());
        BOOST_TEST(t.history.back().role == "user");
        BOOST_TEST(t.history.back().id == t.user_message_id);
        return;
    }
    BOOST_FAIL("the turn was not claimed");
}

// A batch comes back as one row a prompt part, in no set order: every turn must still get
// exactly its own history, oldest first, with the operators' context, most urgent turn first.
BOOST_AUTO_TEST_CASE(a_claimed_batch_gives_each_turn_its_own_prompt) {
    ScratchDatabase db;
    auto& c = db.conn();
    auto user =
        c.exec("INSERT INTO users(name, max_running_turns) VALUES ('batch', 10) RETURNING id")
            .str(0, 0);
    c.exec("INSERT INTO admin_context(version, content) VALUES (1, 'be brief')");
    std::map<std::string, std::vector<std::string>> asked;  // turn -> its conversation's texts
    std::vector<std::string> posted;
    for (int conv_no = 0; conv_no < 4; ++conv_no) {
        auto conv =
            c.exec("INSERT INTO conversations(user_id) VALUES ($1) RETURNING id", {user}).str(0, 0);
        std::vector<std::string> texts;
        for (int i = 0; i < conv_no; ++i) {
            texts.push_back("c" + std::to_string(conv_no) + " m" + std::to_string(i));
            c.exec("INSERT INTO messages(conversation_id, role, content) VALUES ($1, $2, $3)",
                   {conv, i % 2 ? "assistant" : "user", texts.back()});
        }
        texts.push_back("c" + std::to_string(conv_no) + " question");
        auto turn = c.exec("SELECT post_message($1, $2, $3, NULL, NULL)->'turn'->>'id'",
                           {user, conv, texts.back()})
                        .str(0, 0);
        asked[turn] = texts;
        posted.push_back(turn);
        // Each one more urgent than the one before: the batch comes back in reverse.
        c.exec("UPDATE turns SET priority = -$1::int WHERE id = $2",
               {std::to_string(conv_no), turn});
    }
    TurnQueue q(c, "w", 30);
    auto got = q.claim_batch(10);
    BOOST_REQUIRE_EQUAL(got.size(), 4u);
    for (size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i].turn_id == posted[3 - i]);
    for (const auto& t : got) {
        BOOST_TEST_CONTEXT("turn " << t.turn_id) {
            BOOST_TEST(t.admin_context == "be brief");
            std::vector<std::string> texts;
            for (const auto& m : t.history) texts.push_back(m.content);
            BOOST_TEST(texts == asked.at(t.turn_id), boost::test_tools::per_element());
            BOOST_TEST(t.attempt == 1);
        }
    }
}

// Workers of the release before sql/021 still call claim_turns: it claims as the new claim does
// and answers with its old JSON prompt, most urgent turn first.
BOOST_AUTO_TEST_CASE(the_previous_releases_claim_still_answers_with_a_json_prompt) {
    ScratchDatabase db;
    auto& c = db.conn();
    auto user = c.exec("INSERT INTO users(name, max_running_turns) VALUES ('old', 10) RETURNING id")
                    .str(0, 0);
    c.exec("INSERT INTO admin_context(version, content) VALUES (1, 'be brief')");
    std::vector<std::string> posted;
    for (int conv_no = 0; conv_no < 2; ++conv_no) {
        auto conv =
            c.exec("INSERT INTO conversations(user_id) VALUES ($1) RETURNING id", {user}).str(0, 0);
        c.exec("INSERT INTO messages(conversation_id, role, content) VALUES ($1, 'user', 'hi')",
               {conv});
        c.exec("INSERT INTO messages(conversation_id, role, content) VALUES ($1, 'assistant', $2)",
               {conv, "say \"" + std::to_string(conv_no) + "\""});
        posted.push_back(
            c.exec("SELECT post_message($1, $2, 'next?', NULL, NULL)->'turn'->>'id'", {user, conv})
                .str(0, 0));
        c.exec("UPDATE turns SET priority = -$1::int WHERE id = $2",
               {std::to_string(conv_no), posted.back()});
    }
    auto r = c.exec(
        "SELECT turn_id, attempt, prompt->>'system', "
        "  (SELECT string_agg(m->>'role' || ':' || (m->>'content'), '|') "
        "   FROM json_array_elements(prompt->'messages') m), "
        "  deadline IS NOT DISTINCT FROM (SELECT t.deadline FROM turns t WHERE t.id = turn_id) "
        "FROM claim_turns('old-worker', 30, 10, 500)");
    BOOST_REQUIRE_EQUAL(r.rows(), 2);
    for (int i = 0; i < 2; ++i) {
        BOOST_TEST_CONTEXT("row " << i) {
            int conv_no = 1 - i;  // the more urgent turn first
            BOOST_TEST(r.str(i, 0) == posted[conv_no]);
            BOOST_TEST(r.int64(i, 1) == 1);
            BOOST_TEST(r.str(i, 2) == "be brief");
            BOOST_TEST(r.str(i, 3) ==
                       "user:hi|assistant:say \"" + std::to_string(conv_no) + "\"|user:next?");
            BOOST_TEST(r.str(i, 4) == "t");
            BOOST_TEST(status_of(c, posted[conv_no]) == "running");
        }
    }
    BOOST_TEST(c.exec("SELECT count(*) FROM claim_turns('old-worker', 30, 10, 500)").int64(0, 0) ==
               0);
}

// plpgsql keeps one generic plan per statement for the life of a connection; made while the
// tables are small (a fresh database) it must still find every row by key, not scan the tables.
BOOST_AUTO_TEST_CASE(a_claim_reads_rows_by_key_even_in_a_plan_made_on_small_tables) {
    ScratchDatabase db;
    db.enqueue_turns(30);
    // A session of its own: the per-transaction counters read below also hold whatever this
    // session did before and has not yet reported.
    Connection c(db.url());
    c.exec("SET plan_cache_mode = force_generic_plan");
    c.exec("BEGIN");
    TurnQueue q(c, "w", 30);
    size_t claimed = 0;
    for (auto batch = q.claim_batch(2); !batch.empty(); batch = q.claim_batch(2)) {
        claimed += batch.size();
    }
    auto scans = c.exec(
                      "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables "
                      "WHERE relname IN ('conversations', 'messages', 'turns')")
                     .int64(0, 0);
    c.exec("ROLLBACK");
    BOOST_TEST(claimed == 30u);
    BOOST_TEST(scans == 0, scans << " sequential scans of turns, conversations or messages");
}

// Autovacuum analyzes the queue tables every few seconds while they grow; the payload columns
// (token arrays, reply texts, usage) were most of its cost, and no query plans on them.
BOOST_AUTO_TEST_CASE(analyze_skips_the_payload_columns_and_keeps_the_keys) {
    ScratchDatabase db;
    TurnQueue q(db.conn(), "w", 30);
    db.enqueue_turns(3);
    for (auto t = q.claim(); t; t = q.claim()) {
        BOOST_REQUIRE(q.finish(*t, t->seq_base + 1, {"a", "b"}, "done", "stop",
                               R"({"output_tokens":2})", R"({"code":"none"})"));
    }
    db.conn().exec("ANALYZE turns, messages, turn_chunks");
    auto have = db.conn().exec(
        "SELECT tablename || '.' || attname FROM pg_stats WHERE schemaname = 'public' "
        "AND tablename IN ('turns', 'messages', 'turn_chunks') ORDER BY 1");
    std::set<std::string> columns;
    for (int i = 0; i < have.rows(); ++i) columns.insert(have.str(i, 0));
    for (const char* payload : {"turn_chunks.tokens", "turns.usage", "turns.error", "turns.context",
                                "messages.content", "messages.edited_content", "messages.usage"})
        BOOST_TEST(!columns.count(payload), payload << " has statistics");
    for (const char* key :
         {"turns.status", "turns.user_id", "messages.conversation_id", "turn_chunks.turn_id"})
        BOOST_TEST(columns.count(key), key << " has no statistics");
}

// A turn the queue gives up on (retry_turn or the lease sweep) ends like any failed turn:
// finish_reason 'error', an error that says retrying will not help, and a dead letter.
BOOST_AUTO_TEST_CASE(a_turn_failed_for_good_has_a_final_error_and_is_dead_lettered) {
    ScratchDatabase db;
    auto ids = db.enqueue_turns(3);
    db.conn().exec("UPDATE turns SET max_attempts = 1 WHERE id = $1 OR id = $2", {ids[0], ids[1]});
    TurnQueue q(db.conn(), "w", 30);
    auto claimed = q.claim_batch(3);
    BOOST_REQUIRE_EQUAL(claimed.size(), 3u);
    std::map<std::string, chat::queue::ClaimedTurn> by_id;
    for (const auto& t : claimed) by_id.emplace(t.turn_id, t);
    // ids[0]: its one attempt failed; ids[1]: its worker vanished; ids[2]: past its deadline.
    BOOST_TEST(q.retry(by_id.at(ids[0]), R"({"code":"upstream_unavailable","retryable":true})", 0)
                   .value_or("") == "failed");
    db.conn().exec("UPDATE turns SET deadline = now() - interval '1 second' WHERE id = $1",
                   {ids[2]});
    expire_lease(db.conn(), ids[1]);
    expire_lease(db.conn(), ids[2]);
    BOOST_TEST(q.requeue_expired() == 2);
    const char* codes[] = {"upstream_unavailable", "worker_lost", "worker_lost"};
    for (size_t i = 0; i < ids.size(); ++i) {
        BOOST_TEST_CONTEXT("turn " << i) {
            auto r = db.conn().exec(
                "SELECT status, finish_reason, error->>'retryable', error->>'code', "
                "dead_lettered_at IS NOT NULL, finished_at IS NOT NULL FROM turns WHERE id = $1",
                {ids[i]});
            BOOST_TEST(r.str(0, 0) == "failed");
            BOOST_TEST(r.opt(0, 1).value_or("NULL") == "error");
            BOOST_TEST(r.opt(0, 2).value_or("NULL") == "false");
            BOOST_TEST(r.opt(0, 3).value_or("NULL") == codes[i]);
            BOOST_TEST(r.boolean(0, 4));
            BOOST_TEST(r.boolean(0, 5));
        }
    }
}

// A worker's id holds its pid, so every restart adds a row: those not seen for a week go.
BOOST_AUTO_TEST_CASE(workers_not_seen_for_a_week_are_forgotten) {
    ScratchDatabase db;
    auto& c = db.conn();
    c.exec(
        "INSERT INTO workers(id, host, pid, concurrency, seen_at) VALUES "
        "('old', 'h', 1, 1, now() - interval '8 days'), "
        "('recent', 'h', 2, 1, now() - interval '6 days')");
    c.exec("SELECT worker_seen('new', 'h', 3, 16, 0, false)");
    auto ids = c.exec("SELECT string_agg(id, ',' ORDER BY id) FROM workers");
    BOOST_TEST(ids.str(0, 0) == "new,recent");
}
