// Unit tests of the wake-up shards a worker owns and hears (workers/worker/wake_shards.h), the
// subscriptions over a real inproc PUB/SUB.
#define BOOST_TEST_MODULE wake_shards
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/wire.h"
#include "workers/worker/wake_shards.h"

using namespace chat;
using worker::owned_wake_shards;

namespace {

const std::vector<std::string> kFleet = {"gpu1/101/a1b2c3", "gpu2/77/d4e5f6", "cpu3/9/0a0b0c",
                                         "gpu1/102/ffee00"};

// Shard -> owners, as each worker of `fleet` sees it.
std::map<int, std::vector<std::string>> owners(const std::vector<std::string>& fleet) {
    std::map<int, std::vector<std::string>> out;
    for (const auto& w : fleet)
        for (int s : owned_wake_shards(w, fleet)) out[s].push_back(w);
    return out;
}

// The wake-up topics `sub` receives of those `pub` sends, one of each shard.
std::set<std::string> heard(zmq::socket_t& pub, zmq::socket_t& sub) {
    for (int s = 0; s < wire::kWakeShards; ++s)
        pub.send(zmq::buffer(wire::wake_shard_topic(s)), zmq::send_flags::none);
    pub.send(zmq::buffer(std::string("end")), zmq::send_flags::none);
    std::set<std::string> got;
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    while (zmq::poll(&item, 1, std::chrono::milliseconds(2000)) > 0) {
        auto frames = wire::recv_multipart(sub);
        if (frames.empty()) continue;
        if (frames[0].to_string() == "end") break;
        got.insert(frames[0].to_string());
    }
    return got;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_shard_has_exactly_one_owner_in_a_fleet_that_agrees) {
    for (size_t n = 1; n <= kFleet.size(); ++n) {
        std::vector<std::string> fleet(kFleet.begin(), kFleet.begin() + n);
        auto by_shard = owners(fleet);
        BOOST_TEST(by_shard.size() == static_cast<size_t>(wire::kWakeShards));
        for (const auto& [shard, who] : by_shard) BOOST_TEST(who.size() == 1u, "shard " << shard);
    }
}

BOOST_AUTO_TEST_CASE(a_worker_alone_owns_every_shard_listed_or_not) {
    BOOST_TEST(owned_wake_shards(kFleet[0], {}).size() == static_cast<size_t>(wire::kWakeShards));
    BOOST_TEST(owned_wake_shards(kFleet[0], {kFleet[0]}).size() ==
               static_cast<size_t>(wire::kWakeShards));
    // Listed or not, a worker counts itself: a keeper that reads the fleet before its own row
    // is visible still answers its share.
    BOOST_TEST(owned_wake_shards(kFleet[1], {kFleet[0]}) ==
               owned_wake_shards(kFleet[1], {kFleet[0], kFleet[1]}));
}

BOOST_AUTO_TEST_CASE(a_joining_worker_takes_shards_only_for_itself_and_order_does_not_matter) {
    std::vector<std::string> three(kFleet.begin(), kFleet.begin() + 3);
    auto before = owners(three);
    auto after = owners(kFleet);
    int moved = 0;
    for (int s = 0; s < wire::kWakeShards; ++s) {
        if (after[s] == before[s]) continue;
        BOOST_TEST(after[s].front() == kFleet[3], "shard " << s << " moved between old workers");
        ++moved;
    }
    BOOST_TEST(moved > 0);
    BOOST_TEST(moved < wire::kWakeShards);
    auto shuffled = kFleet;
    std::reverse(shuffled.begin(), shuffled.end());
    for (const auto& w : kFleet)
        BOOST_TEST(owned_wake_shards(w, shuffled) == owned_wake_shards(w, kFleet));
}

// Workers of different builds share a fleet: the hash must not change with the compiler.
BOOST_AUTO_TEST_CASE(ownership_is_the_same_in_every_build) {
    std::vector<std::string> two = {"worker-a", "worker-b"};
    auto a = owned_wake_shards("worker-a", two);
    auto b = owned_wake_shards("worker-b", two);
    BOOST_TEST(a.size() + b.size() == static_cast<size_t>(wire::kWakeShards));
    BOOST_TEST(a == (std::vector<int>{3, 6, 8, 12}));
}

BOOST_AUTO_TEST_CASE(subscriptions_follow_the_owned_shards_with_none_unheard_in_between) {
    zmq::context_t ctx{1};
    zmq::socket_t pub{ctx, zmq::socket_type::pub};
    zmq::socket_t sub{ctx, zmq::socket_type::sub};
    pub.bind("inproc://wake");
    sub.connect("inproc://wake");
    sub.set(zmq::sockopt::subscribe, std::string("end"));
    worker::WakeSubscriptions subs(sub);
    BOOST_TEST(heard(pub, sub).size() == static_cast<size_t>(wire::kWakeShards));  // not yet known

    subs.hear({3, 7});
    BOOST_TEST(heard(pub, sub) == (std::set<std::string>{"w/3", "w/7"}));
    subs.hear({7, 12});
    BOOST_TEST(heard(pub, sub) == (std::set<std::string>{"w/7", "w/c"}));
    subs.hear({});  // more workers than shards: this one answers only what others pass on
    BOOST_TEST(heard(pub, sub).empty());
    subs.hear({0});
    BOOST_TEST(heard(pub, sub) == (std::set<std::string>{"w/0"}));
}
