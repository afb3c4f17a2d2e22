// Output of a scenario: human-readable lines, plus "RESULT name value" lines that
// scripts/bench.sh collects into medians and tests/bench/results.json.
#pragma once

#include <cstdio>
#include <string>

namespace chat::bench {

inline void result(const std::string& name, double value) {
    std::printf("RESULT %s %.3f\n", name.c_str(), value);
    std::fflush(stdout);
}

// Prints the tool's CPU use over a run, as a share of one core.
inline void report_own_cpu(double cpu_s, double wall_s) {
    std::printf("load tool CPU: %.2f s over %.2f s wall = %.0f%% of one core\n", cpu_s, wall_s,
                wall_s > 0 ? 100.0 * cpu_s / wall_s : 0.0);
    result("tool_cpu_pct", wall_s > 0 ? 100.0 * cpu_s / wall_s : 0.0);
}

}  // namespace chat::bench
