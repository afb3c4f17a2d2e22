#include "api/stream/shared_reads.h"

namespace chat::stream {

uint64_t SharedReads::join_or_start(const std::string& turn_id, int64_t after,
                                    Clock::time_point subscribed_at, uint64_t stream_id,
                                    Clock::time_point now) {
    if (auto it = newest_.find(turn_id); it != newest_.end()) {
        auto& read = jobs_.at(it->second);
        if (read.after <= after && read.posted >= subscribed_at) {
            read.streams.push_back(stream_id);
            return 0;
        }
    }
    uint64_t job = next_job_++;
    jobs_.emplace(job, Read{turn_id, after, now, {stream_id}});
    newest_[turn_id] = job;
    return job;
}

std::optional<SharedReads::Read> SharedReads::finish(uint64_t job_id) {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) return std::nullopt;
    Read read = std::move(it->second);
    jobs_.erase(it);
    if (auto n = newest_.find(read.turn_id); n != newest_.end() && n->second == job_id)
        newest_.erase(n);
    return read;
}

}  // namespace chat::stream
