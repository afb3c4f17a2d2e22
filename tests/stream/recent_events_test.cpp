// Unit tests of RecentEvents: what a stream handler keeps of each turn's live feed.
#include <boost/test/unit_test.hpp>

#include "api/stream/recent_events.h"

using chat::stream::RecentEvents;
using chat::wire::Kind;
using chat::wire::TurnEvent;
using Clock = RecentEvents::Clock;

namespace {
TurnEvent ev(const std::string& turn, Kind kind, int attempt, int64_t seq, std::string data = "") {
    return {turn, kind, attempt, seq, std::move(data)};
}
std::vector<int64_t> seqs(const std::vector<TurnEvent>& es) {
    std::vector<int64_t> out;
    for (const auto& e : es) out.push_back(e.seq);
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(keeps_a_turns_events_in_order_per_turn) {
    RecentEvents r;
    auto now = Clock::now();
    r.record(ev("a", Kind::Start, 1, 0), now);
    r.record(ev("a", Kind::Token, 1, 1, "Hel"), now);
    r.record(ev("b", Kind::Token, 1, 1, "x"), now);
    r.record(ev("a", Kind::Token, 1, 2, "lo"), now);
    auto a = r.of("a");
    BOOST_TEST(seqs(a) == (std::vector<int64_t>{0, 1, 2}));
    BOOST_TEST(a[1].turn_id == "a");
    BOOST_TEST(a[1].data == "Hel");
    BOOST_TEST(r.of("b").size() == 1u);
    BOOST_TEST(r.of("none").empty());
    BOOST_TEST(r.turns() == 2u);
}

BOOST_AUTO_TEST_CASE(a_newer_attempt_replaces_the_older_one_and_older_events_are_ignored) {
    RecentEvents r;
    auto now = Clock::now();
    r.record(ev("a", Kind::Token, 1, 1, "old"), now);
    r.record(ev("a", Kind::Start, 2, 1000000), now);
    r.record(ev("a", Kind::Token, 1, 2, "late"), now);  // the lost worker's straggler
    r.record(ev("a", Kind::Token, 2, 1000001, "new"), now);
    auto a = r.of("a");
    BOOST_TEST(seqs(a) == (std::vector<int64_t>{1000000, 1000001}));
    BOOST_TEST(a.back().attempt == 2);
}

BOOST_AUTO_TEST_CASE(is_bounded_per_turn_keeping_the_newest) {
    RecentEvents r;
    auto now = Clock::now();
    auto n = static_cast<int64_t>(RecentEvents::kMaxEventsPerTurn) + 10;
    for (int64_t i = 1; i <= n; ++i) r.record(ev("a", Kind::Token, 1, i, "t"), now);
    auto a = r.of("a");
    BOOST_TEST(a.size() == RecentEvents::kMaxEventsPerTurn);
    BOOST_TEST(a.front().seq == 11);
    BOOST_TEST(a.back().seq == n);
    std::string big(RecentEvents::kMaxBytesPerTurn / 2 + 1, 'x');
    r.record(ev("b", Kind::Token, 1, 1, big), now);
    r.record(ev("b", Kind::Token, 1, 2, big), now);
    BOOST_TEST(seqs(r.of("b")) == (std::vector<int64_t>{2}));
}

BOOST_AUTO_TEST_CASE(forgets_ended_turns_soon_and_silent_ones_later) {
    RecentEvents r;
    auto t0 = Clock::now();
    r.record(ev("ended", Kind::Token, 1, 1, "x"), t0);
    r.record(ev("ended", Kind::Done, 1, 1, "{}"), t0);
    r.record(ev("running", Kind::Token, 1, 1, "x"), t0);
    r.expire(t0 + RecentEvents::kEndedTtl + std::chrono::seconds(1));
    BOOST_TEST(r.of("ended").empty());
    BOOST_TEST(r.of("running").size() == 1u);
    r.expire(t0 + RecentEvents::kIdleTtl + std::chrono::seconds(1));
    BOOST_TEST(r.turns() == 0u);
}
