// Acceptor threads: each blocks in FCGX_Accept_r on the shared listening socket, reads and
// validates one stream request (path, cursor, stream token or API key + turn ownership), answers
// errors itself with problem+json, and hands valid requests (detached connection) to the hub.
// An acceptor holds its own PostgreSQL connection for API-key checks (opened on first need).
#pragma once

#include <string>
#include <thread>

#include "api/stream/hub.h"

namespace chat::stream {

struct AcceptorConfig {
    int listen_fd = 0;
    std::string db_url;
    std::string stream_secret;
};

class Acceptor {
  public:
    Acceptor(AcceptorConfig cfg, Hub& hub);
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;
    // Joins the thread: call after the listening socket was shut down.
    ~Acceptor();

  private:
    void run();

    AcceptorConfig cfg_;
    Hub& hub_;
    std::thread thread_;
};

}  // namespace chat::stream
