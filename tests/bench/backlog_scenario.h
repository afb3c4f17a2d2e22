// Scenario "backlog": with no worker running, enqueue N turns in one statement, then start W
// worker processes and time the drain; verify no turn was lost or answered twice.
#pragma once

#include <string>

namespace chat::bench {

struct BacklogConfig {
    std::string db_url;
    std::string worker_bin;  // chat-worker; inherits this process's environment
    std::string worker_log;  // the workers' stdout and stderr go here (appended)
    int turns = 10000;
    int workers = 2;
    int users = 100;  // the turns are spread over this many users
    double timeout_s = 120;
};

int run_backlog(const BacklogConfig& cfg);

}  // namespace chat::bench
