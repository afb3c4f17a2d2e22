#include "queue/replay/progress.h"

#include <cmath>
#include <cstdio>

namespace chat::replay {

ProgressView make_view(const std::map<std::string, long>& s, long total, double elapsed_s) {
    auto get = [&](const char* k) {
        auto it = s.find(k);
        return it == s.end() ? 0L : it->second;
    };
    ProgressView v;
    v.total = total;
    v.done = get("done");
    v.failed = get("failed");
    v.cancelled = get("cancelled");
    v.running = get("running");
    v.queued = get("queued");
    v.finished = v.done + v.failed + v.cancelled;
    v.elapsed_s = elapsed_s;
    return v;
}

std::string render(const ProgressView& v, int bar_width) {
    double frac = v.total > 0 ? static_cast<double>(v.finished) / static_cast<double>(v.total) : 1;
    int filled = static_cast<int>(std::lround(frac * bar_width));
    std::string bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "]";
    double rate = v.elapsed_s > 0 ? static_cast<double>(v.finished) / v.elapsed_s : 0;
    std::string eta = "?";
    if (v.finished >= v.total)
        eta = "0s";
    else if (rate > 0)
        eta = std::to_string(static_cast<long>(std::ceil((v.total - v.finished) / rate))) + "s";
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        "%s %4ld/%ld  done %ld failed %ld cancelled %ld running %ld queued %ld  %.1f/s  ETA %s",
        bar.c_str(), v.finished, v.total, v.done, v.failed, v.cancelled, v.running, v.queued, rate,
        eta.c_str());
    return buf;
}

}  // namespace chat::replay
