// What PostgreSQL knows about a turn at one instant (sql: stream_snapshot): its row and the
// persisted tokens of its current attempt after a cursor. Plain data, shared by the store
// (which fills it) and StreamState (which consumes it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chat::stream {

// Seq numbers of attempt A start at (A-1)*kSeqPerAttempt+1 (sql/001_schema.sql).
inline constexpr int64_t kSeqPerAttempt = 1000000;

inline int64_t attempt_base(int attempt) {
    return attempt <= 0 ? 0 : static_cast<int64_t>(attempt - 1) * kSeqPerAttempt;
}

struct SnapshotToken {
    int64_t seq = 0;
    std::string text;
};

struct Snapshot {
    bool found = false;
    std::string user_id;
    std::string status;  // queued | running | done | failed | cancelled
    int attempt = 0;
    int64_t last_seq = 0;
    std::optional<std::string> message_id;
    std::optional<std::string> usage_json;  // raw jsonb text
    std::optional<std::string> finish_reason;
    std::optional<std::string> error_json;  // raw jsonb text
    std::vector<SnapshotToken> tokens;      // ascending seq, all > the requested cursor

    bool finished() const {
        return status == "done" || status == "failed" || status == "cancelled";
    }
};

}  // namespace chat::stream
