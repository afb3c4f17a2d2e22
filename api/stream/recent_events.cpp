#include "api/stream/recent_events.h"

namespace chat::stream {

void RecentEvents::record(const wire::TurnEvent& e, Clock::time_point now) {
    auto& t = turns_[e.turn_id];
    if (e.attempt < t.attempt) return;
    if (e.attempt > t.attempt) {
        t.events.clear();
        t.bytes = 0;
        t.attempt = e.attempt;
    }
    t.last = now;
    t.ended = e.kind == wire::Kind::Done || e.kind == wire::Kind::Error;
    t.bytes += e.data.size();
    t.events.push_back({e.kind, e.seq, e.data});
    while (t.events.size() > kMaxEventsPerTurn || t.bytes > kMaxBytesPerTurn) {
        t.bytes -= t.events.front().data.size();
        t.events.pop_front();
    }
}

std::vector<wire::TurnEvent> RecentEvents::of(const std::string& turn_id) const {
    std::vector<wire::TurnEvent> out;
    for_each(turn_id, [&](const wire::TurnEvent& e) { out.push_back(e); });
    return out;
}

void RecentEvents::expire(Clock::time_point now) {
    for (auto it = turns_.begin(); it != turns_.end();) {
        auto ttl = it->second.ended ? kEndedTtl : kIdleTtl;
        if (now - it->second.last > ttl)
            it = turns_.erase(it);
        else
            ++it;
    }
}

}  // namespace chat::stream
