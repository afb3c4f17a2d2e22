// A FastCGI client for one GET request to a chat-stream process listening on a loopback TCP
// port, bypassing nginx: lets a test pick which stream handler process serves a (re)connect.
// Reads the CGI head, then the SSE body event by event. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/client/sse_parser.h"

namespace chat::stream::test {

class FcgiStreamClient {
  public:
    using Headers = std::vector<std::pair<std::string, std::string>>;  // HTTP names

    // Connects to 127.0.0.1:port and sends the request; throws std::runtime_error on failure.
    FcgiStreamClient(int port, const std::string& request_uri, const Headers& headers);
    FcgiStreamClient(const FcgiStreamClient&) = delete;
    FcgiStreamClient& operator=(const FcgiStreamClient&) = delete;
    ~FcgiStreamClient();

    // The CGI "Status:" of the response (waits for the head up to timeout).
    int status(std::chrono::milliseconds timeout);
    // The next SSE event; nullopt on timeout or when the response ended (see ended()).
    std::optional<client::SseEvent> next(std::chrono::milliseconds timeout);
    // True once FCGI_END_REQUEST arrived or the connection closed.
    bool ended() const { return ended_; }

  private:
    bool read_some(std::chrono::steady_clock::time_point deadline);
    void take_records();

    int fd_ = -1;
    std::string raw_;  // bytes not yet split into records
    std::string out_;  // FCGI_STDOUT content not yet consumed
    bool head_done_ = false;
    int status_ = 0;
    bool ended_ = false;
    client::SseParser parser_;
};

// A free loopback TCP port (bound and released; good enough for a test).
int free_port();

}  // namespace chat::stream::test
