#include "api/stream/turn_subscriptions.h"

#include <algorithm>

#include "common/wire.h"

namespace chat::stream {
namespace {
std::string topic(const std::string& turn_id) {
    return std::string(wire::kTurnPrefix) + turn_id;
}
}  // namespace

void TurnSubscriptions::add(const std::string& turn_id, uint64_t stream_id) {
    auto [it, inserted] = by_turn_.try_emplace(turn_id);
    if (inserted) sub_.set(zmq::sockopt::subscribe, topic(turn_id));
    it->second.push_back(stream_id);
}

void TurnSubscriptions::remove(const std::string& turn_id, uint64_t stream_id) {
    auto it = by_turn_.find(turn_id);
    if (it == by_turn_.end()) return;
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), stream_id), ids.end());
    if (!ids.empty()) return;
    by_turn_.erase(it);
    sub_.set(zmq::sockopt::unsubscribe, topic(turn_id));
}

const std::vector<uint64_t>& TurnSubscriptions::streams_of(const std::string& turn_id) const {
    static const std::vector<uint64_t> none;
    auto it = by_turn_.find(turn_id);
    return it == by_turn_.end() ? none : it->second;
}

}  // namespace chat::stream
