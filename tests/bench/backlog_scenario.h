// Scenario "backlog": with no worker running, enqueue N turns in one statement, then start W
// worker processes and time the drain; verify no turn was lost or answered twice.
#pragma once

#include <string>

namespace chat::bench {

struct BacklogConfig {
    std::string db_url;
    std::string user = "bench";  // needs max_running_turns >= turns
    std::string worker_bin;      // chat-worker; inherits this process's environment
    int turns = 10000;
    int workers = 2;
    double timeout_s = 120;
};

int run_backlog(const BacklogConfig& cfg);

}  // namespace chat::bench
