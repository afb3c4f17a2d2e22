// What a handler gets: the request, the path ids, the caller, and the per-thread services.
// Handlers are thin: validate input (request_input.h), call one ChatStore function, shape JSON.
#pragma once

#include <string>
#include <vector>

#include "api/rest/chat_store.h"
#include "api/rest/notifier.h"
#include "api/rest/request_metrics.h"
#include "common/http.h"

namespace chat::rest {

// Process settings from the environment (see docs/architecture.md).
struct Settings {
    std::string stream_secret;       // CHAT_STREAM_SECRET
    long stream_token_ttl_s = 3600;  // CHAT_STREAM_TOKEN_TTL_S
    std::string broker_pub;          // CHAT_BROKER_PUB (also probed by /healthz)
};

// Owned by one serving thread; handlers borrow them for one request.
struct Services {
    ChatStore& store;
    Notifier& notifier;
    RequestMetrics& metrics;
    const Settings& settings;
};

struct Call {
    const http::Request& req;
    const std::vector<std::string>& params;  // path ids in order ({id} placeholders)
    Services& svc;
    const Caller& caller;  // empty user_id on routes without authentication
};

using Handler = http::Response (*)(const Call&);

}  // namespace chat::rest
