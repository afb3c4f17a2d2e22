#include "api/rest/broker_probe.h"
#include "api/rest/handlers.h"
#include "api/rest/response_json.h"
#include "common/log.h"

namespace chat::rest {
namespace {

constexpr int kBrokerProbeTimeoutMs = 200;

}  // namespace

http::Response healthz(const Call& c) {
    std::optional<int64_t> workers;
    try {
        workers = c.svc.store.live_workers();
    } catch (const db::Error& e) {
        log::warn(std::string("healthz: database check failed: ") + e.what());
    }
    bool broker = broker_reachable(c.svc.settings.broker_pub, kBrokerProbeTimeoutMs);
    std::string body = std::string("{\"db\":\"") + (workers ? "ok" : "down") + "\",\"broker\":\"" +
                       (broker ? "ok" : "down") +
                       "\",\"workers\":" + (workers ? std::to_string(*workers) : "null") + "}";
    return json_response(workers ? 200 : 503, std::move(body));
}

http::Response metrics(const Call& c) {
    std::string out = c.svc.metrics.prometheus();
    out +=
        "# HELP chat_turns Turns in the database that are queued, running or failed.\n"
        "# TYPE chat_turns gauge\n";
    for (const auto& [status, n] : c.svc.store.turns_by_status())
        out += "chat_turns{status=\"" + status + "\"} " + std::to_string(n) + "\n";
    out +=
        "# HELP chat_workers_alive Workers seen in the last 15 seconds.\n"
        "# TYPE chat_workers_alive gauge\n"
        "chat_workers_alive " +
        std::to_string(c.svc.store.live_workers()) + "\n";
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = std::move(out);
    return r;
}

}  // namespace chat::rest
