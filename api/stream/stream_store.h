// Data access of the stream handler: every statement it runs, as named constants, with bound
// parameters. A StreamStore wraps one db::Connection and is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/stream/snapshot.h"
#include "api/stream/stream_request.h"
#include "common/db.h"

namespace chat::stream {

struct Principal {
    std::string user_id;
    int retry_after = 0;  // > 0: the user's rate limit is exceeded
};

class StreamStore {
  public:
    // Connects lazily: a store can be made while PostgreSQL is still starting.
    explicit StreamStore(std::string db_url) : db_url_(std::move(db_url)) {}

    // The turn row and its current attempt's tokens after `after` (one consistent read);
    // not found for a turn of a deleted conversation. Throws db::Error.
    Snapshot snapshot(const std::string& turn_id, int64_t after);
    // The user of a valid API key, or nullopt. Throws db::Error.
    std::optional<Principal> authenticate(const ApiKey& key);
    // The owner of a turn, or nullopt when there is no such turn or its conversation was
    // deleted. Throws db::Error.
    std::optional<std::string> turn_owner(const std::string& turn_id);

  private:
    db::Connection& conn();

    std::string db_url_;
    std::optional<db::Connection> conn_;
};

}  // namespace chat::stream
