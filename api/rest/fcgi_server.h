// Runs chat-api: N threads accepting FastCGI requests on one listening socket, or a single
// CGI request. Each thread owns its database connection and broker socket; nothing else is
// kept between requests.
#pragma once

#include <cstddef>
#include <string>

#include "api/rest/handler_context.h"

namespace chat::rest {

struct ServerConfig {
    std::string db_url;             // CHAT_DB_URL
    int threads = 4;                // CHAT_API_THREADS
    size_t max_body_bytes = 65536;  // CHAT_MAX_BODY_BYTES
    Settings settings;
};

// Serves until SIGTERM or SIGINT, then finishes requests in flight and returns.
// listen_fd: from fcgi::listen(), or 0 when spawn-fcgi passed the socket as stdin.
void serve_fastcgi(int listen_fd, const ServerConfig& config);

// Answers the one CGI request described by the environment and stdin on stdout.
void serve_cgi(const ServerConfig& config);

}  // namespace chat::rest
