// The live events this process saw lately, per turn. Every chat-stream process subscribes to
// all turn events, so a stream that opens (or a client that reconnects) replays its turn's
// recent events right after registering: tokens published before it connected but not yet
// persisted reach it without waiting for the worker's next batch write. Holding the attempt's
// start, it holds all the attempt published since (the newest events stay within the bound), so
// such a stream needs PostgreSQL only for a hole. Bounded per turn and by age. Owned by the hub
// thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/wire.h"

namespace chat::stream {

class RecentEvents {
  public:
    using Clock = std::chrono::steady_clock;

    static constexpr size_t kMaxEventsPerTurn = 2048;
    static constexpr size_t kMaxBytesPerTurn = 256 * 1024;
    static constexpr auto kIdleTtl = std::chrono::seconds(30);  // a turn with no news
    static constexpr auto kEndedTtl = std::chrono::seconds(5);  // after done / error

    // Keeps e (events of an older attempt than the newest seen are dropped; a newer attempt
    // replaces what was kept).
    void record(const wire::TurnEvent& e, Clock::time_point now);
    // The kept events of a turn, oldest first (empty when none).
    std::vector<wire::TurnEvent> of(const std::string& turn_id) const;
    // Calls visit(const wire::TurnEvent&) for each of them, oldest first, through one reused
    // event: a stream that opens replays a whole turn without a copy of every event.
    template <class Visit>
    void for_each(const std::string& turn_id, Visit&& visit) const;
    // Forgets turns past their time to live; call about once a second.
    void expire(Clock::time_point now);
    size_t turns() const { return turns_.size(); }

  private:
    struct Event {
        wire::Kind kind;
        int64_t seq;
        std::string data;
    };
    struct Turn {
        int attempt = 0;
        size_t bytes = 0;
        bool ended = false;
        Clock::time_point last{};
        std::deque<Event> events;
    };

    std::unordered_map<std::string, Turn> turns_;
};

template <class Visit>
void RecentEvents::for_each(const std::string& turn_id, Visit&& visit) const {
    auto it = turns_.find(turn_id);
    if (it == turns_.end()) return;
    wire::TurnEvent e{turn_id, wire::Kind::Token, it->second.attempt, 0, {}};
    for (const auto& kept : it->second.events) {
        e.kind = kept.kind;
        e.seq = kept.seq;
        e.data.assign(kept.data);
        visit(e);
    }
}

}  // namespace chat::stream
