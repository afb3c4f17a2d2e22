// Process-wide request counters by HTTP status for GET /metrics. Lock-free: every thread
// counts into atomics. These are observability counters, not request state.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace chat::rest {

class RequestMetrics {
  public:
    void count(int status);
    // Prometheus text lines for chat_api_requests_total{status="..."}.
    std::string prometheus() const;

  private:
    std::array<std::atomic<uint64_t>, 600> by_status_{};
};

}  // namespace chat::rest
