// Which streams follow which turn. The process's single SUB socket subscribes once to every turn
// event ("t/"): a per-turn subscription would have to travel through the broker to every
// worker's PUB socket before it took effect, and a fresh turn's first tokens (or a reconnecting
// client's next ones) were regularly published before that. Owned by the hub thread (ZeroMQ
// sockets are not thread-safe).
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace chat::stream {

class TurnSubscriptions {
  public:
    explicit TurnSubscriptions(zmq::socket_t& sub);

    void add(const std::string& turn_id, uint64_t stream_id);
    void remove(const std::string& turn_id, uint64_t stream_id);
    // The streams of a turn (empty when none); valid until the next add/remove.
    const std::vector<uint64_t>& streams_of(const std::string& turn_id) const;
    size_t turns() const { return by_turn_.size(); }

  private:
    std::unordered_map<std::string, std::vector<uint64_t>> by_turn_;
};

}  // namespace chat::stream
