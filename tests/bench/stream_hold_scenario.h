// Scenario "streams": open S concurrent streams on slow turns, hold them, check every stream
// keeps receiving events, and measure the stack's memory. The streams are spread round-robin
// over T running turns (several tabs per turn) and Q turns that stay queued behind them
// (workers full), whose streams live on heartbeats alone.
#pragma once

#include <string>

#include "tests/bench/api_client.h"

namespace chat::bench {

struct StreamHoldConfig {
    ApiTarget target;
    int streams = 10000;
    int turns = 200;           // slow turns the workers run (= workers x concurrency)
    int queued_turns = 10;     // posted after those, so they wait in the queue
    int max_connecting = 200;  // streams opened but not yet answered, at most
    double hold_s = 20;        // after the last stream opened
    double max_silence_s = 7;  // a stream silent longer than this (no token, no heartbeat) fails
    std::string pid_dir;       // the stack's pid files (memory is summed over these processes)
};

int run_stream_hold(const StreamHoldConfig& cfg);

}  // namespace chat::bench
