// Unit tests of StreamState: the merge of snapshots and live events into SSE bytes.
#define BOOST_TEST_MODULE stream_unit
#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "api/stream/stream_state.h"
#include "tests/stream/sse_parse.h"

using chat::stream::Snapshot;
using chat::stream::StreamState;
using chat::stream::test::Event;
using chat::stream::test::parse_sse;
using chat::wire::Kind;
using chat::wire::TurnEvent;

namespace {

constexpr const char* kTurn = "00000000-0000-0000-0000-000000000001";

Snapshot snap(std::string status, int attempt, int64_t last_seq,
              std::vector<std::pair<int64_t, std::string>> tokens = {}) {
    Snapshot s;
    s.found = true;
    s.status = std::move(status);
    s.attempt = attempt;
    s.last_seq = last_seq;
    for (auto& [seq, text] : tokens) s.tokens.push_back({seq, text});
    if (s.status == "done") {
        s.message_id = "00000000-0000-0000-0000-0000000000aa";
        s.usage_json = R"({"input_tokens":3,"output_tokens":4})";
        s.finish_reason = "stop";
    }
    return s;
}

TurnEvent live(Kind kind, int attempt, int64_t seq, std::string data = {}) {
    return TurnEvent{kTurn, kind, attempt, seq, std::move(data)};
}
TurnEvent tok(int attempt, int64_t seq, std::string text) {
    return live(Kind::Token, attempt, seq, std::move(text));
}
TurnEvent done_ev(int attempt, int64_t seq) {
    return live(
        Kind::Done, attempt, seq,
        R"({"message_id":"m1","usage":{"output_tokens":2},"finish_reason":"stop","status":"done"})");
}

Poco::JSON::Object::Ptr json(const std::string& s) {
    Poco::JSON::Parser p;
    return p.parse(s).extract<Poco::JSON::Object::Ptr>();
}

// "name:id" per event, e.g. {"token:1", "token:2", "done:"}.
std::vector<std::string> shape(const std::string& bytes) {
    std::vector<std::string> out;
    for (const auto& e : parse_sse(bytes)) out.push_back(e.name + ":" + e.id);
    return out;
}

std::string text_of(const std::string& bytes) {
    std::string text;
    for (const auto& e : parse_sse(bytes)) {
        if (e.name == "reset") text.clear();
        if (e.name == "token") text += json(e.data)->getValue<std::string>("text");
    }
    return text;
}

using V = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(fresh_stream_replays_snapshot_and_waits) {
    StreamState st(std::nullopt);
    BOOST_TEST(st.needs_read());
    BOOST_TEST(st.read_after() == 0);
    std::string out;
    st.on_snapshot(snap("running", 1, 3, {{1, "a"}, {2, "b"}, {3, "c"}}), 0, out);
    BOOST_TEST(shape(out) == (V{"token:1", "token:2", "token:3"}));
    BOOST_TEST(!st.finished());
    BOOST_TEST(!st.needs_read());
    BOOST_TEST(st.read_after() == 3);
}

BOOST_AUTO_TEST_CASE(finished_turn_replays_and_ends_with_done) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("done", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    BOOST_TEST(shape(out) == (V{"token:1", "token:2", "done:"}));
    BOOST_TEST(st.finished());
    auto d = json(parse_sse(out).back().data);
    BOOST_TEST(d->getValue<std::string>("message_id") == "00000000-0000-0000-0000-0000000000aa");
    BOOST_TEST(d->getValue<std::string>("finish_reason") == "stop");
    BOOST_TEST(d->getObject("usage")->getValue<int>("output_tokens") == 4);
}

BOOST_AUTO_TEST_CASE(live_duplicates_of_replayed_tokens_are_skipped) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 3, {{1, "a"}, {2, "b"}, {3, "c"}}), 0, out);
    out.clear();
    st.on_live(tok(1, 2, "b"), out);
    st.on_live(tok(1, 3, "c"), out);
    st.on_live(tok(1, 4, "d"), out);
    st.on_live(tok(1, 4, "d"), out);
    BOOST_TEST(shape(out) == (V{"token:4"}));
}

BOOST_AUTO_TEST_CASE(live_events_before_the_snapshot_are_merged_in_order) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_live(tok(1, 3, "c"), out);
    st.on_live(tok(1, 4, "d"), out);
    BOOST_TEST(out.empty());
    st.on_snapshot(snap("running", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    BOOST_TEST(shape(out) == (V{"token:1", "token:2", "token:3", "token:4"}));
    BOOST_TEST(text_of(out) == "abcd");
    BOOST_TEST(!st.needs_read());
}

BOOST_AUTO_TEST_CASE(gap_waits_for_postgresql_then_fills_in_order) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    out.clear();
    st.on_live(tok(1, 5, "e"), out);
    BOOST_TEST(out.empty());
    BOOST_TEST(st.needs_read());
    BOOST_TEST(st.read_after() == 2);
    // The worker has persisted only part of the gap so far.
    st.on_snapshot(snap("running", 1, 3, {{3, "c"}}), 2, out);
    BOOST_TEST(shape(out) == (V{"token:3"}));
    BOOST_TEST(st.needs_read());
    st.on_snapshot(snap("running", 1, 5, {{4, "d"}, {5, "e"}}), 3, out);
    BOOST_TEST(shape(out) == (V{"token:3", "token:4", "token:5"}));
    BOOST_TEST(!st.needs_read());
}

BOOST_AUTO_TEST_CASE(out_of_order_live_tokens_go_out_in_order) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 1, {{1, "a"}}), 0, out);
    out.clear();
    st.on_live(tok(1, 3, "c"), out);
    st.on_live(tok(1, 2, "b"), out);
    BOOST_TEST(shape(out) == (V{"token:2", "token:3"}));
    BOOST_TEST(!st.needs_read());
}

BOOST_AUTO_TEST_CASE(live_done_waits_for_missing_tokens) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    out.clear();
    st.on_live(done_ev(1, 4), out);
    BOOST_TEST(out.empty());
    BOOST_TEST(st.needs_read());
    st.on_live(tok(1, 3, "c"), out);
    BOOST_TEST(!st.finished());
    st.on_live(tok(1, 4, "d"), out);
    BOOST_TEST(shape(out) == (V{"token:3", "token:4", "done:"}));
    BOOST_TEST(st.finished());
    auto d = json(parse_sse(out).back().data);
    BOOST_TEST(d->getValue<std::string>("message_id") == "m1");
    BOOST_TEST(!d->has("status"));
}

BOOST_AUTO_TEST_CASE(lost_done_is_found_in_postgresql) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    out.clear();
    st.on_live(tok(1, 3, "c"), out);
    // No more live events: the periodic check reads after last_sent.
    BOOST_TEST(st.read_after() == 3);
    st.on_snapshot(snap("done", 1, 4, {{4, "d"}}), 3, out);
    BOOST_TEST(shape(out) == (V{"token:3", "token:4", "done:"}));
    BOOST_TEST(st.finished());
    BOOST_TEST(!st.needs_read());
}

BOOST_AUTO_TEST_CASE(newer_attempt_live_resets_and_restarts) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    st.on_live(live(Kind::Start, 2, 1000000), out);
    st.on_live(tok(2, 1000001, "X"), out);
    st.on_live(tok(1, 3, "late"), out);  // the old attempt's stragglers are ignored
    st.on_live(tok(2, 1000002, "Y"), out);
    BOOST_TEST(shape(out) == (V{"token:1", "token:2", "reset:", "token:1000001", "token:1000002"}));
    BOOST_TEST(json(parse_sse(out)[2].data)->getValue<int>("attempt") == 2);
    BOOST_TEST(text_of(out) == "XY");
    BOOST_TEST(st.attempt() == 2);
}

BOOST_AUTO_TEST_CASE(newer_attempt_first_seen_mid_way_fills_from_its_start) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 1, {{1, "a"}}), 0, out);
    st.on_live(tok(2, 1000003, "Z"), out);  // start and first tokens were lost
    BOOST_TEST(shape(out) == (V{"token:1", "reset:"}));
    BOOST_TEST(st.needs_read());
    BOOST_TEST(st.read_after() == 1000000);
    st.on_snapshot(snap("running", 2, 1000002, {{1000001, "X"}, {1000002, "Y"}}), 1000000, out);
    BOOST_TEST(text_of(out) == "XYZ");
}

BOOST_AUTO_TEST_CASE(newer_attempt_without_text_held_needs_no_reset) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("queued", 0, 0), 0, out);
    st.on_live(live(Kind::Start, 1, 0), out);
    st.on_live(tok(1, 1, "a"), out);
    BOOST_TEST(shape(out) == (V{"token:1"}));
}

BOOST_AUTO_TEST_CASE(snapshot_of_newer_attempt_resets) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    // A lost-done check finds the turn re-claimed (the worker died, the live start was lost).
    st.on_snapshot(snap("running", 2, 1000001, {{1000001, "X"}}), 2, out);
    BOOST_TEST(shape(out) == (V{"token:1", "token:2", "reset:", "token:1000001"}));
}

BOOST_AUTO_TEST_CASE(stale_snapshot_older_than_live_is_ignored) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 1, {{1, "a"}}), 0, out);
    st.on_live(tok(2, 1000001, "X"), out);
    st.on_snapshot(snap("running", 1, 2, {{2, "b"}}), 1, out);
    BOOST_TEST(text_of(out) == "X");
}

BOOST_AUTO_TEST_CASE(resume_from_cursor_sends_only_the_rest) {
    StreamState st(int64_t{2});
    BOOST_TEST(st.read_after() == 2);
    std::string out;
    st.on_snapshot(snap("running", 1, 4, {{3, "c"}, {4, "d"}}), 2, out);
    BOOST_TEST(shape(out) == (V{"token:3", "token:4"}));
}

BOOST_AUTO_TEST_CASE(resume_after_done_sends_only_done) {
    StreamState st(int64_t{4});
    std::string out;
    st.on_snapshot(snap("done", 1, 4), 4, out);
    BOOST_TEST(shape(out) == (V{"done:"}));
    BOOST_TEST(st.finished());
}

BOOST_AUTO_TEST_CASE(cursor_of_an_older_attempt_resets_and_replays) {
    StreamState st(int64_t{5});
    std::string out;
    st.on_snapshot(snap("running", 2, 1000002, {{1000001, "X"}, {1000002, "Y"}}), 5, out);
    BOOST_TEST(shape(out) == (V{"reset:", "token:1000001", "token:1000002"}));
    BOOST_TEST(json(parse_sse(out)[0].data)->getValue<int>("attempt") == 2);
    BOOST_TEST(!st.needs_read());
}

BOOST_AUTO_TEST_CASE(cursor_beyond_a_finished_turn_resets_and_replays) {
    StreamState st(int64_t{10});
    std::string out;
    st.on_snapshot(snap("done", 1, 3), 10, out);
    BOOST_TEST(shape(out) == (V{"reset:"}));
    BOOST_TEST(!st.finished());
    BOOST_TEST(st.needs_read());
    BOOST_TEST(st.read_after() == 0);
    st.on_snapshot(snap("done", 1, 3, {{1, "a"}, {2, "b"}, {3, "c"}}), 0, out);
    BOOST_TEST(shape(out) == (V{"reset:", "token:1", "token:2", "token:3", "done:"}));
}

BOOST_AUTO_TEST_CASE(garbage_cursor_resets_and_replays) {
    StreamState st(int64_t{-1});
    BOOST_TEST(st.read_after() == 0);
    std::string out;
    st.on_snapshot(snap("running", 1, 2, {{1, "a"}, {2, "b"}}), 0, out);
    BOOST_TEST(shape(out) == (V{"reset:", "token:1", "token:2"}));
    BOOST_TEST(!st.needs_read());
}

BOOST_AUTO_TEST_CASE(cursor_from_a_future_attempt_resets) {
    StreamState st(int64_t{3000001});
    std::string out;
    st.on_snapshot(snap("running", 1, 1), 3000001, out);
    BOOST_TEST(shape(out) == (V{"reset:"}));
    BOOST_TEST(st.read_after() == 0);
}

BOOST_AUTO_TEST_CASE(cursor_just_ahead_of_persisted_log_is_trusted_while_running) {
    // The client saw tokens 4 and 5 live; the worker has persisted up to 3 so far.
    StreamState st(int64_t{5});
    std::string out;
    st.on_snapshot(snap("running", 1, 3), 5, out);
    BOOST_TEST(out.empty());
    st.on_live(tok(1, 5, "e"), out);
    st.on_live(tok(1, 6, "f"), out);
    st.on_live(done_ev(1, 6), out);
    BOOST_TEST(shape(out) == (V{"token:6", "done:"}));
}

BOOST_AUTO_TEST_CASE(cursor_ahead_that_never_existed_is_detected_at_the_end) {
    StreamState st(int64_t{5});
    std::string out;
    st.on_snapshot(snap("running", 1, 3), 5, out);
    st.on_live(done_ev(1, 4), out);  // the turn ended at 4: the cursor was garbage
    BOOST_TEST(shape(out) == (V{"reset:"}));
    BOOST_TEST(st.needs_read());
    BOOST_TEST(st.read_after() == 0);
    st.on_snapshot(snap("done", 1, 4, {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}}), 0, out);
    BOOST_TEST(text_of(out) == "abcd");
    BOOST_TEST(shape(out).back() == "done:");
    BOOST_TEST(st.finished());
}

BOOST_AUTO_TEST_CASE(live_error_is_confirmed_by_postgresql) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("running", 1, 1, {{1, "a"}}), 0, out);
    out.clear();
    st.on_live(live(Kind::Error, 1, 1, R"({"code":"upstream","message":"x","retryable":true})"),
               out);
    BOOST_TEST(out.empty());
    BOOST_TEST(st.needs_read());
    // Retryable: the turn went back to the queue; the stream stays open.
    st.on_snapshot(snap("queued", 1, 1), 1, out);
    BOOST_TEST(out.empty());
    BOOST_TEST(!st.needs_read());
    BOOST_TEST(!st.finished());
    auto failed = snap("failed", 1, 1);
    failed.error_json = R"({"code":"worker_lost","message":"gone","retryable":false})";
    st.on_snapshot(failed, 1, out);
    BOOST_TEST(shape(out) == (V{"error:"}));
    auto e = json(parse_sse(out)[0].data);
    BOOST_TEST(e->getValue<std::string>("code") == "worker_lost");
    BOOST_TEST(e->getValue<bool>("retryable") == false);
    BOOST_TEST(st.finished());
}

BOOST_AUTO_TEST_CASE(cancelled_turn_ends_with_done_cancelled) {
    StreamState st(std::nullopt);
    std::string out;
    auto s = snap("cancelled", 1, 1, {{1, "a"}});
    s.finish_reason = "cancelled";
    st.on_snapshot(s, 0, out);
    BOOST_TEST(shape(out) == (V{"token:1", "done:"}));
    auto d = json(parse_sse(out).back().data);
    BOOST_TEST(d->isNull("message_id"));
    BOOST_TEST(d->getValue<std::string>("finish_reason") == "cancelled");
}

BOOST_AUTO_TEST_CASE(cancelled_while_queued_ends_at_once) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("cancelled", 0, 0), 0, out);
    BOOST_TEST(shape(out) == (V{"done:"}));
    BOOST_TEST(json(parse_sse(out)[0].data)->getValue<std::string>("finish_reason") == "cancelled");
}

BOOST_AUTO_TEST_CASE(unknown_turn_ends_with_error) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(Snapshot{}, 0, out);
    BOOST_TEST(shape(out) == (V{"error:"}));
    BOOST_TEST(st.finished());
}

BOOST_AUTO_TEST_CASE(zero_token_attempt_finishes_on_live_done) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("queued", 0, 0), 0, out);
    st.on_live(live(Kind::Start, 1, 0), out);
    st.on_live(done_ev(1, 0), out);
    BOOST_TEST(shape(out) == (V{"done:"}));
}

BOOST_AUTO_TEST_CASE(nothing_after_finish) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_snapshot(snap("done", 1, 1, {{1, "a"}}), 0, out);
    out.clear();
    st.on_live(tok(1, 2, "b"), out);
    st.on_live(done_ev(1, 2), out);
    st.on_snapshot(snap("done", 1, 1), 1, out);
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(token_text_is_json_escaped) {
    StreamState st(std::nullopt);
    std::string out;
    std::string tricky = "a\"b\\c\nd\re\x01 \xc3\xa9";
    st.on_snapshot(snap("running", 1, 1, {{1, tricky}}), 0, out);
    auto events = parse_sse(out);
    BOOST_REQUIRE(events.size() == 1u);
    BOOST_TEST(events[0].data.find('\n') == std::string::npos);
    BOOST_TEST(json(events[0].data)->getValue<std::string>("text") == tricky);
    BOOST_TEST(json(events[0].data)->getValue<int64_t>("seq") == 1);
}

BOOST_AUTO_TEST_CASE(many_tokens_with_random_loss_and_duplication_assemble_exactly) {
    // Live delivers every 3rd token twice and loses every 7th; snapshots fill the rest.
    StreamState st(std::nullopt);
    std::string out;
    std::string expected;
    std::vector<std::pair<int64_t, std::string>> all;
    for (int i = 1; i <= 200; ++i) {
        all.emplace_back(i, "t" + std::to_string(i) + " ");
        expected += all.back().second;
    }
    st.on_snapshot(snap("running", 1, 0), 0, out);
    for (const auto& [seq, text] : all) {
        if (seq % 7 != 0) st.on_live(tok(1, seq, text), out);
        if (seq % 3 == 0) st.on_live(tok(1, seq, text), out);
        if (seq % 50 == 0 && st.needs_read()) {
            int64_t after = st.read_after();
            std::vector<std::pair<int64_t, std::string>> rest(all.begin() + after,
                                                              all.begin() + seq);
            st.on_snapshot(snap("running", 1, seq, rest), after, out);
        }
    }
    st.on_live(done_ev(1, 200), out);
    BOOST_TEST(text_of(out) == expected);
    BOOST_TEST(st.finished());
    int64_t prev = 0;
    for (const auto& e : parse_sse(out)) {
        if (e.name != "token") continue;
        BOOST_TEST(std::stoll(e.id) == prev + 1);
        prev = std::stoll(e.id);
    }
}

BOOST_AUTO_TEST_CASE(a_live_start_lets_tokens_go_out_before_the_snapshot) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_live(live(Kind::Start, 1, 0), out);
    st.on_live(tok(1, 1, "a"), out);
    st.on_live(tok(1, 2, "b"), out);
    BOOST_TEST(shape(out) == (V{"token:1", "token:2"}));
    // The snapshot read at open arrives later and adds nothing twice.
    st.on_snapshot(snap("running", 1, 1, {{1, "a"}}), 0, out);
    st.on_live(done_ev(1, 2), out);
    BOOST_TEST(shape(out) == (V{"token:1", "token:2", "done:"}));
    BOOST_TEST(st.finished());
}

BOOST_AUTO_TEST_CASE(a_resume_within_the_live_attempt_goes_on_before_the_snapshot) {
    StreamState st(int64_t{2});
    std::string out;
    // What the handler kept of the turn's live feed, replayed at open.
    st.on_live(live(Kind::Start, 1, 0), out);
    for (int64_t i = 1; i <= 4; ++i) st.on_live(tok(1, i, std::string(1, char('a' + i - 1))), out);
    BOOST_TEST(shape(out) == (V{"token:3", "token:4"}));
    BOOST_TEST(text_of(out) == "cd");
}

BOOST_AUTO_TEST_CASE(a_cursor_of_an_older_attempt_still_waits_for_the_snapshot) {
    StreamState st(int64_t{5});  // attempt 1's seq 5
    std::string out;
    st.on_live(live(Kind::Start, 2, 1000000), out);
    st.on_live(tok(2, 1000001, "x"), out);
    BOOST_TEST(out.empty());
    st.on_snapshot(snap("running", 2, 1000000), 5, out);
    BOOST_TEST(shape(out) == (V{"reset:", "token:1000001"}));
}

BOOST_AUTO_TEST_CASE(a_newer_attempt_in_the_snapshot_resets_a_stream_that_went_on_live) {
    StreamState st(std::nullopt);
    std::string out;
    st.on_live(live(Kind::Start, 1, 0), out);
    st.on_live(tok(1, 1, "old"), out);
    // The handler missed attempt 2's start (a ZeroMQ loss); PostgreSQL knows better.
    st.on_snapshot(snap("running", 2, 1000001, {{1000001, "new"}}), 0, out);
    BOOST_TEST(shape(out) == (V{"token:1", "reset:", "token:1000001"}));
    BOOST_TEST(text_of(out) == "new");
}
