// The replay progress line: a bar with counts, rate and ETA (pure formatting, unit-tested).
#pragma once

#include <map>
#include <string>

namespace chat::replay {

struct ProgressView {
    long total = 0;
    long finished = 0;  // done + failed + cancelled
    long done = 0, failed = 0, cancelled = 0, running = 0, queued = 0;
    double elapsed_s = 0;
};

ProgressView make_view(const std::map<std::string, long>& by_status, long total, double elapsed_s);

// e.g. "[##########----------]  50/100  done 48 failed 2 running 4 queued 46  12.5/s  ETA 4s"
std::string render(const ProgressView& v, int bar_width = 30);

}  // namespace chat::replay
