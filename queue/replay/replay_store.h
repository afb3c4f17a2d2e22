// Data access for batch replay (sql/006_replay.sql): enqueue copies of finished turns as
// low-priority turns under a replay id, then watch and collect them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/db.h"

namespace chat::replay {

struct Filter {
    std::optional<std::string> conversation, user, status, since, until, model;
};

struct Target {
    std::optional<std::string> model, agent;
    int priority = 10;  // after interactive turns (0)
};

struct Enqueued {
    long added = 0;  // new in this run; 0 when the replay ran before with the same id
    long total = 0;
};

struct ResultRow {
    std::string turn_id, replay_of, status, text, model, error_code;
    long output_tokens = 0;
    double latency_ms = 0;
};

class ReplayStore {
  public:
    explicit ReplayStore(db::Connection& c) : c_(c) {}
    Enqueued enqueue(const std::string& replay_id, const Filter& f, const Target& t);
    // Turns of the replay by status.
    std::map<std::string, long> progress(const std::string& replay_id);
    std::vector<ResultRow> results(const std::string& replay_id);

  private:
    db::Connection& c_;
};

}  // namespace chat::replay
