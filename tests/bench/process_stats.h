// What the machine says about processes: the tool's own CPU use (to show it is not the
// bottleneck), its open-file limit, and the memory of the stack's processes from /proc.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace chat::bench {

// Raises RLIMIT_NOFILE to the hard limit; returns the new soft limit.
long raise_open_file_limit();

// CPU seconds (user + system) this process used so far.
double own_cpu_seconds();

struct MemoryTotal {
    double rss_mib = 0;  // sum of VmRSS (shared pages counted in each process)
    double pss_mib = 0;  // sum of Pss (shared pages split between sharers)
    int processes = 0;
    std::map<std::string, double> rss_mib_by_name;  // by /proc/PID/comm
};

// Memory of the processes whose pids are in PID_DIR/*.pid (not *.sup.pid, the shell
// supervisors) plus their children (nginx workers under the master).
MemoryTotal stack_memory(const std::string& pid_dir);

}  // namespace chat::bench
