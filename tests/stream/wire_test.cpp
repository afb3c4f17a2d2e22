// Unit tests of the ZeroMQ turn-event wire format (common/wire.h), over a real inproc PUB/SUB.
#include <boost/test/unit_test.hpp>

#include <set>

#include "common/ids.h"
#include "common/wire.h"

using namespace chat::wire;

namespace {

constexpr const char* kTurn = "0a1b2c3d-0000-4000-8000-00000000000f";

struct Pair {
    zmq::context_t ctx{1};
    zmq::socket_t pub{ctx, zmq::socket_type::pub};
    zmq::socket_t sub{ctx, zmq::socket_type::sub};
    Pair() {
        pub.bind("inproc://wire");
        sub.connect("inproc://wire");
        sub.set(zmq::sockopt::subscribe, kTurnPrefix);
    }
    std::vector<zmq::message_t> round_trip(const TurnEvent& e) {
        publish(pub, e);
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(2000));
        return recv_multipart(sub);
    }
};

std::vector<zmq::message_t> frames_of(std::string_view bytes) {
    std::vector<zmq::message_t> f;
    f.emplace_back(bytes.data(), bytes.size());
    return f;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_kind_round_trips_with_any_text) {
    Pair p;
    for (auto kind : {Kind::Token, Kind::Done, Kind::Error}) {
        TurnEvent e{kTurn, kind, 3, 2000007, "multi\nline \"text\" \xf0\x9f\x99\x82\n"};
        auto frames = p.round_trip(e);
        BOOST_REQUIRE_EQUAL(frames.size(), 1u);
        auto all = parse_turn_events(frames);
        BOOST_REQUIRE_EQUAL(all.size(), 1u);
        const auto* got = &all[0];
        BOOST_TEST(got->turn_id == kTurn);
        BOOST_TEST(static_cast<int>(got->kind) == static_cast<int>(kind));
        BOOST_TEST(got->attempt == 3);
        BOOST_TEST(got->seq == 2000007);
        BOOST_TEST(got->data == e.data);
    }
    auto empty = parse_turn_events(p.round_trip({kTurn, Kind::Token, 1, 1, ""}));
    BOOST_REQUIRE_EQUAL(empty.size(), 1u);
    BOOST_TEST(empty[0].data.empty());
}

BOOST_AUTO_TEST_CASE(several_tokens_travel_as_one_message_and_arrive_numbered) {
    Pair p;
    std::vector<std::string> tokens{
        "Hel", "", "lo\n", "7:x", "\xf0\x9f\x99\x82", std::string(300, 'z')};
    publish_tokens(p.pub, kTurn, 2, 1000005, tokens);
    zmq::pollitem_t item{p.sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(2000));
    auto frames = recv_multipart(p.sub);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(recv_multipart(p.sub).empty());  // one message for all of them
    auto got = parse_turn_events(frames);
    BOOST_REQUIRE_EQUAL(got.size(), tokens.size());
    for (size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST(got[i].turn_id == kTurn);
        BOOST_TEST(static_cast<int>(got[i].kind) == static_cast<int>(Kind::Token));
        BOOST_TEST(got[i].attempt == 2);
        BOOST_TEST(got[i].seq == 1000005 + static_cast<int64_t>(i));
        BOOST_TEST(got[i].data == tokens[i]);
    }
    // A single token goes as a plain token event.
    publish_tokens(p.pub, kTurn, 1, 9, {"only"});
    zmq::poll(&item, 1, std::chrono::milliseconds(2000));
    auto one = recv_multipart(p.sub);
    BOOST_REQUIRE_EQUAL(one.size(), 1u);
    BOOST_TEST(one[0].to_string().find(" token 1 9\nonly") != std::string::npos);
}

// A start carries the attempt's first tokens (a fast reply costs one message less), or none.
BOOST_AUTO_TEST_CASE(a_start_carries_the_first_tokens_or_none) {
    Pair p;
    zmq::pollitem_t item{p.sub.handle(), 0, ZMQ_POLLIN, 0};
    publish_start(p.pub, kTurn, 2, 1000000, {"Hi", "\n", "3:x"});
    zmq::poll(&item, 1, std::chrono::milliseconds(2000));
    auto got = parse_turn_events(recv_multipart(p.sub));
    BOOST_REQUIRE_EQUAL(got.size(), 4u);
    BOOST_TEST(static_cast<int>(got[0].kind) == static_cast<int>(Kind::Start));
    BOOST_TEST(got[0].seq == 1000000);
    BOOST_TEST(got[0].data.empty());
    for (size_t i = 1; i < got.size(); ++i) {
        BOOST_TEST(static_cast<int>(got[i].kind) == static_cast<int>(Kind::Token));
        BOOST_TEST(got[i].attempt == 2);
        BOOST_TEST(got[i].seq == 1000000 + static_cast<int64_t>(i));
    }
    BOOST_TEST(got[1].data == "Hi");
    BOOST_TEST(got[3].data == "3:x");
    publish_start(p.pub, kTurn, 1, 0, {});
    zmq::poll(&item, 1, std::chrono::milliseconds(2000));
    auto alone = parse_turn_events(recv_multipart(p.sub));
    BOOST_REQUIRE_EQUAL(alone.size(), 1u);
    BOOST_TEST(static_cast<int>(alone[0].kind) == static_cast<int>(Kind::Start));
    BOOST_TEST(alone[0].seq == 0);
}

BOOST_AUTO_TEST_CASE(malformed_events_are_dropped) {
    const std::string id(kTurn);
    for (std::string bad :
         {std::string("t/") + id + " token 1 1",  // no end of header
          std::string("t/") + id + " token 1\nx", std::string("t/") + id + " token 1 1 9\nx",
          std::string("t/") + id + " chunk 1 1\nx", std::string("t/") + id + " token x 1\nx",
          std::string("t/") + id + " token 1 -\nx", std::string("t/") + id + " token 1 \nx",
          std::string("t/not-a-uuid token 1 1\nx"), std::string("q"), std::string(""),
          std::string("t/") + id + " tokens 1 1\n",           // no tokens
          std::string("t/") + id + " tokens 1 1\n3:abc4:de",  // the second runs past the end
          std::string("t/") + id + " tokens 1 1\n3abc",       // no length separator
          std::string("t/") + id + " tokens 1 1\n-1:abc",
          std::string("t/") + id + " start 1 0\n3:abc4:de",  // a start's tokens, damaged
          std::string("t/") + id + " start 1 0\nplain text",
          std::string("t/") + id + " start 1 9223372036854775807\n1:x",  // no seq after it
          std::string("t/") + id + " tokens 1 9223372036854775807\n1:x1:y"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(parse_turn_events(frames_of(bad)).empty());
        }
    }
    auto two = frames_of(std::string("t/") + id + " token 1 1\nx");
    two.emplace_back(1);
    BOOST_TEST(parse_turn_events(two).empty());
}

BOOST_AUTO_TEST_CASE(a_wake_up_goes_to_its_turns_shard_and_turns_spread_over_all_shards) {
    std::set<int> seen;
    for (int i = 0; i < 2000; ++i) {
        auto id = chat::random_hex(16);
        int shard = wake_shard(id);
        BOOST_TEST(shard >= 0);
        BOOST_TEST(shard < kWakeShards);
        BOOST_TEST(wake_shard(id) == shard);
        seen.insert(shard);
    }
    BOOST_TEST(seen.size() == static_cast<size_t>(kWakeShards));
    BOOST_TEST(wake_shard_topic(0) == "w/0");
    BOOST_TEST(wake_shard_topic(10) == "w/a");

    Pair p;
    p.sub.set(zmq::sockopt::subscribe, wake_shard_topic(wake_shard(kTurn)));
    publish_wake(p.pub, kTurn);
    zmq::pollitem_t item{p.sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(2000));
    auto frames = recv_multipart(p.sub);
    BOOST_REQUIRE(frames.size() == 1u);
    BOOST_TEST(frames[0].to_string() == wake_shard_topic(wake_shard(kTurn)));
}
