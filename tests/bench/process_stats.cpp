#include "tests/bench/process_stats.h"

#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace chat::bench {
namespace fs = std::filesystem;
namespace {

// A "Name:   1234 kB" field of a /proc file, in kB (0 when absent).
double proc_field_kb(const std::string& path, const std::string& name) {
    std::ifstream in(path);
    std::string line;
    double total = 0;
    while (std::getline(in, line)) {
        if (line.rfind(name + ":", 0) == 0) total += std::stod(line.substr(name.size() + 1));
    }
    return total;
}

long parent_of(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = all.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(all.substr(close + 2));
    std::string state;
    long ppid = -1;
    rest >> state >> ppid;
    return ppid;
}

std::set<long> stack_pids(const std::string& pid_dir) {
    std::set<long> pids;
    for (const auto& e : fs::directory_iterator(pid_dir)) {
        std::string name = e.path().filename().string();
        if (name.size() < 5 || name.substr(name.size() - 4) != ".pid") continue;
        if (name.find(".sup.pid") != std::string::npos) continue;
        std::ifstream in(e.path());
        long pid = 0;
        if (in >> pid && pid > 0 && fs::exists("/proc/" + std::to_string(pid))) pids.insert(pid);
    }
    std::set<long> children;
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (pids.count(parent_of(name)) != 0) children.insert(std::stol(name));
    }
    pids.insert(children.begin(), children.end());
    return pids;
}

}  // namespace

long raise_open_file_limit() {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
    return static_cast<long>(lim.rlim_cur);
}

double own_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

MemoryTotal stack_memory(const std::string& pid_dir) {
    MemoryTotal total;
    for (long pid : stack_pids(pid_dir)) {
        std::string base = "/proc/" + std::to_string(pid);
        double rss = proc_field_kb(base + "/status", "VmRSS") / 1024.0;
        std::ifstream comm(base + "/comm");
        std::string name;
        std::getline(comm, name);
        total.rss_mib += rss;
        total.rss_mib_by_name[name] += rss;
        total.pss_mib += proc_field_kb(base + "/smaps_rollup", "Pss") / 1024.0;
        ++total.processes;
    }
    return total;
}

}  // namespace chat::bench
