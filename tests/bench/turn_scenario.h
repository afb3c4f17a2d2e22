// Scenarios "turns" and "fanout": C clients, each on its own conversation, loop
// POST message -> open `tabs` streams of the turn -> read every stream to its end.
#pragma once

#include <string>

#include "tests/bench/api_client.h"

namespace chat::bench {

struct TurnLoadConfig {
    ApiTarget target;
    int clients = 16;
    int tabs = 1;           // streams following each turn
    double warmup_s = 1;    // turns finishing before this are not counted
    double duration_s = 5;  // measuring window after the warm-up
    // Each client rotates over this many conversations of its own, so conversations stay the
    // length people's chats have (a few dozen messages) instead of growing by thousands.
    int conversations_per_client = 8;
    // When set, a CSV line per counted turn: turn id, then the wall-clock seconds of sending
    // the POST, its 202, the first token and `done` (bench.sh lines them up with the turn's
    // timestamps in PostgreSQL: tests/bench/turn_stages.sql).
    std::string timeline_path;
};

// Runs the load and prints figures; returns 0 when every turn ended cleanly.
int run_turn_load(const TurnLoadConfig& cfg);

}  // namespace chat::bench
