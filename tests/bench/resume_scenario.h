// Scenario "resume": clients drop their stream at random points (before the first token,
// mid-turn, after done) and reconnect with Last-Event-ID. Measures reconnect -> first replayed
// event, and checks the text each client assembles against the stored reply.
#pragma once

#include "tests/bench/api_client.h"

namespace chat::bench {

struct ResumeConfig {
    ApiTarget target;
    int clients = 32;
    int drops = 1000;  // total drops to make
    int drops_per_turn = 3;
    int tokens_per_turn = 64;  // what the worker generates (CHAT_LOCAL_TOKENS)
    // How long a dropped client stays away before reconnecting: long enough to miss tokens, so
    // the first event after the reconnect is a replayed one (an instant reconnect after token k
    // would only measure how long the generator takes to make token k+1).
    int away_ms = 20;
    unsigned seed = 1;
};

int run_resume(const ResumeConfig& cfg);

}  // namespace chat::bench
