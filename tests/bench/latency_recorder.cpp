#include "tests/bench/latency_recorder.h"

#include <algorithm>
#include <cmath>

namespace chat::bench {

double LatencyRecorder::percentile(double p) const {
    if (samples_.empty()) return 0;
    std::sort(samples_.begin(), samples_.end());
    size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(samples_.size())));
    rank = std::clamp<size_t>(rank, 1, samples_.size());
    return samples_[rank - 1];
}

size_t LatencyRecorder::count_above(double ms) const {
    return static_cast<size_t>(
        std::count_if(samples_.begin(), samples_.end(), [ms](double v) { return v > ms; }));
}

}  // namespace chat::bench
