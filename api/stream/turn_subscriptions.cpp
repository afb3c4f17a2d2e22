#include "api/stream/turn_subscriptions.h"

#include <algorithm>

#include "common/wire.h"

namespace chat::stream {

TurnSubscriptions::TurnSubscriptions(zmq::socket_t& sub) {
    sub.set(zmq::sockopt::subscribe, wire::kTurnPrefix);
}

void TurnSubscriptions::add(const std::string& turn_id, uint64_t stream_id) {
    by_turn_[turn_id].push_back(stream_id);
}

void TurnSubscriptions::remove(const std::string& turn_id, uint64_t stream_id) {
    auto it = by_turn_.find(turn_id);
    if (it == by_turn_.end()) return;
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), stream_id), ids.end());
    if (ids.empty()) by_turn_.erase(it);
}

const std::vector<uint64_t>& TurnSubscriptions::streams_of(const std::string& turn_id) const {
    static const std::vector<uint64_t> none;
    auto it = by_turn_.find(turn_id);
    return it == by_turn_.end() ? none : it->second;
}

}  // namespace chat::stream
