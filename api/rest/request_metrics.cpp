#include "api/rest/request_metrics.h"

#include <unistd.h>

namespace chat::rest {

void RequestMetrics::count(int status) {
    if (status >= 100 && status < 600) by_status_[static_cast<size_t>(status)].fetch_add(1);
}

std::string RequestMetrics::prometheus() const {
    std::string out =
        "# HELP chat_api_requests_total Requests answered by this chat-api process, by status.\n"
        "# TYPE chat_api_requests_total counter\n";
    // The pid tells the processes behind one nginx apart (each counts only its own requests).
    std::string pid = "pid=\"" + std::to_string(::getpid()) + "\",";
    for (size_t s = 100; s < by_status_.size(); ++s) {
        auto n = by_status_[s].load();
        if (n == 0) continue;
        out += "chat_api_requests_total{" + pid + "status=\"" + std::to_string(s) + "\"} " +
               std::to_string(n) + "\n";
    }
    return out;
}

}  // namespace chat::rest
