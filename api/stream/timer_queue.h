// Deadlines of many streams in one min-heap. Entries are never removed: the owner records the
// deadline it currently wants per id and ignores popped entries that no longer match it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

namespace chat::stream {

class TimerQueue {
  public:
    using Clock = std::chrono::steady_clock;
    using Entry = std::pair<Clock::time_point, uint64_t>;

    void push(Clock::time_point at, uint64_t id) { heap_.emplace(at, id); }
    std::optional<Clock::time_point> next() const {
        if (heap_.empty()) return std::nullopt;
        return heap_.top().first;
    }
    // The earliest entry due at `now`, removed from the queue.
    std::optional<Entry> pop_due(Clock::time_point now) {
        if (heap_.empty() || heap_.top().first > now) return std::nullopt;
        auto e = heap_.top();
        heap_.pop();
        return e;
    }
    size_t size() const { return heap_.size(); }

  private:
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
};

}  // namespace chat::stream
