// Which streams follow which turn, and the ZeroMQ subscriptions that follow from it: the single
// SUB socket subscribes to "t/<turn>" when the first stream of a turn opens and unsubscribes when
// the last one ends. Owned by the hub thread (ZeroMQ sockets are not thread-safe).
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace chat::stream {

class TurnSubscriptions {
  public:
    explicit TurnSubscriptions(zmq::socket_t& sub) : sub_(sub) {}

    void add(const std::string& turn_id, uint64_t stream_id);
    void remove(const std::string& turn_id, uint64_t stream_id);
    // The streams of a turn (empty when none); valid until the next add/remove.
    const std::vector<uint64_t>& streams_of(const std::string& turn_id) const;
    size_t turns() const { return by_turn_.size(); }

  private:
    zmq::socket_t& sub_;
    std::unordered_map<std::string, std::vector<uint64_t>> by_turn_;
};

}  // namespace chat::stream
