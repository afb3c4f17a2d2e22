// A child process owned by a test: started with extra environment, killed on destruction.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace chat::testing {

class ChildProcess {
  public:
    ChildProcess(const std::string& path, const std::map<std::string, std::string>& env,
                 const std::string& log_path, const std::vector<std::string>& args = {});
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    void signal(int sig);
    // Waits up to timeout_ms for exit; returns the exit status (or -1 on timeout).
    int wait(long timeout_ms);

  private:
    pid_t pid_ = -1;
    bool reaped_ = false;
};

}  // namespace chat::testing
