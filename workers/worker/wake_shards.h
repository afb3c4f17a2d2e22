// Which queue wake-ups a worker hears. chat-api sends a turn's wake-up on its shard's topic
// (wire.h "w/<h>"); each shard belongs to one live worker, so a turn costs one claim, not one
// in every worker. Ownership is rendezvous hashing: workers agree without talking, and a
// worker joining or leaving moves only the shards it takes or frees.
#pragma once

#include <zmq.hpp>

#include <string>
#include <vector>

namespace chat::worker {

// The shards `self` owns among `live` (worker ids; self counts as live whether listed or not):
// each shard goes to the worker whose stable hash with it is highest. Sorted, no duplicates.
std::vector<int> owned_wake_shards(const std::string& self, const std::vector<std::string>& live);

// The wake-up subscriptions of one SUB socket: every shard until ownership is first known,
// then the owned ones. Subscribes before it unsubscribes, so no shard goes unheard between.
class WakeSubscriptions {
  public:
    explicit WakeSubscriptions(zmq::socket_t& sub);
    void hear(const std::vector<int>& shards);

  private:
    zmq::socket_t& sub_;
    bool every_shard_ = true;
    std::vector<int> shards_;
};

}  // namespace chat::worker
