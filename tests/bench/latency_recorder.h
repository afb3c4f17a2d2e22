// Collects latency samples (milliseconds) and reports percentiles.
#pragma once

#include <cstddef>
#include <vector>

namespace chat::bench {

class LatencyRecorder {
  public:
    void add(double ms) { samples_.push_back(ms); }
    size_t count() const { return samples_.size(); }
    // Samples above a threshold (e.g. turns that stalled).
    size_t count_above(double ms) const;
    // Nearest-rank percentile (p in 0..100); 0 when empty.
    double percentile(double p) const;

  private:
    mutable std::vector<double> samples_;
};

}  // namespace chat::bench
