// Checks that the broker accepts connections (for GET /healthz): a plain TCP or unix-socket
// connect with a short timeout, because a ZeroMQ PUB socket never reports a missing peer.
#pragma once

#include <string>

namespace chat::rest {

// endpoint: "tcp://host:port" or "ipc:///path". False when unreachable or unparseable.
bool broker_reachable(const std::string& endpoint, int timeout_ms);

}  // namespace chat::rest
