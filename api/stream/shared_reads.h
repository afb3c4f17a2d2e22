// Snapshot reads in flight, shared by the streams of one turn (tabs, or thousands of followers
// of one reply): a stream that needs a read joins the newest one already posted for its turn if
// that read starts at or before its cursor and was posted after the stream subscribed (so the
// subscribe-then-read order still holds for it). Owned by the hub thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace chat::stream {

class SharedReads {
  public:
    using Clock = std::chrono::steady_clock;

    struct Read {
        std::string turn_id;
        int64_t after = 0;
        Clock::time_point posted;
        std::vector<uint64_t> streams;  // waiting for this read's snapshot
    };

    // Registers the stream's need for a read after `after`. Returns the id of a new job to post,
    // or 0 when the stream joined a read already in flight.
    uint64_t join_or_start(const std::string& turn_id, int64_t after,
                           Clock::time_point subscribed_at, uint64_t stream_id,
                           Clock::time_point now);
    // Removes a finished job and returns its read (nullopt for an unknown id).
    std::optional<Read> finish(uint64_t job_id);
    size_t in_flight() const { return jobs_.size(); }

  private:
    uint64_t next_job_ = 1;
    std::unordered_map<uint64_t, Read> jobs_;
    std::unordered_map<std::string, uint64_t> newest_;  // turn -> newest job in flight
};

}  // namespace chat::stream
