#include "workers/worker/wake_shards.h"

#include <algorithm>

#include "common/ids.h"
#include "common/wire.h"

namespace chat::worker {
namespace {

// FNV-1a mixes its last bytes weakly; the weights of one shard must differ in their high bits.
uint64_t finalize(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb3fe1a85ec53ull;
    return x ^ (x >> 33);
}

}  // namespace

std::vector<int> owned_wake_shards(const std::string& self, const std::vector<std::string>& live) {
    std::vector<int> owned;
    for (int shard = 0; shard < wire::kWakeShards; ++shard) {
        auto salt = "#" + std::to_string(shard);
        auto weight = [&](const std::string& id) {
            return finalize(stable_hash(salt, stable_hash(id)));
        };
        auto mine = weight(self);
        bool owner = true;
        for (const auto& other : live) {
            if (other == self) continue;
            auto theirs = weight(other);
            if (theirs > mine || (theirs == mine && other > self)) {
                owner = false;
                break;
            }
        }
        if (owner) owned.push_back(shard);
    }
    return owned;
}

WakeSubscriptions::WakeSubscriptions(zmq::socket_t& sub) : sub_(sub) {
    sub_.set(zmq::sockopt::subscribe, wire::kWakeShardPrefix);
}

void WakeSubscriptions::hear(const std::vector<int>& shards) {
    if (!every_shard_ && shards == shards_) return;
    for (int s : shards)
        if (!std::binary_search(shards_.begin(), shards_.end(), s))
            sub_.set(zmq::sockopt::subscribe, wire::wake_shard_topic(s));
    if (every_shard_) sub_.set(zmq::sockopt::unsubscribe, wire::kWakeShardPrefix);
    every_shard_ = false;
    for (int s : shards_)
        if (!std::binary_search(shards.begin(), shards.end(), s))
            sub_.set(zmq::sockopt::unsubscribe, wire::wake_shard_topic(s));
    shards_ = shards;
}

}  // namespace chat::worker
