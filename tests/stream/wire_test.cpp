// Unit tests of the ZeroMQ turn-event wire format (common/wire.h), over a real inproc PUB/SUB.
#include <boost/test/unit_test.hpp>

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
    for (auto kind : {Kind::Start, Kind::Token, Kind::Done, Kind::Error}) {
        TurnEvent e{kTurn, kind, 3, 2000007, "multi\nline \"text\" \xf0\x9f\x99\x82\n"};
        auto frames = p.round_trip(e);
        BOOST_REQUIRE_EQUAL(frames.size(), 1u);
        auto got = parse_turn_event(frames);
        BOOST_REQUIRE(got.has_value());
        BOOST_TEST(got->turn_id == kTurn);
        BOOST_TEST(static_cast<int>(got->kind) == static_cast<int>(kind));
        BOOST_TEST(got->attempt == 3);
        BOOST_TEST(got->seq == 2000007);
        BOOST_TEST(got->data == e.data);
    }
    auto empty = parse_turn_event(p.round_trip({kTurn, Kind::Token, 1, 1, ""}));
    BOOST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->data.empty());
}

BOOST_AUTO_TEST_CASE(malformed_events_are_dropped) {
    const std::string id(kTurn);
    for (std::string bad :
         {std::string("t/") + id + " token 1 1",  // no end of header
          std::string("t/") + id + " token 1\nx", std::string("t/") + id + " token 1 1 9\nx",
          std::string("t/") + id + " chunk 1 1\nx", std::string("t/") + id + " token x 1\nx",
          std::string("t/") + id + " token 1 -\nx", std::string("t/") + id + " token 1 \nx",
          std::string("t/not-a-uuid token 1 1\nx"), std::string("q"), std::string("")}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!parse_turn_event(frames_of(bad)).has_value());
        }
    }
    auto two = frames_of(std::string("t/") + id + " token 1 1\nx");
    two.emplace_back(1);
    BOOST_TEST(!parse_turn_event(two).has_value());
}
