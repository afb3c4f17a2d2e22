// The response side of one detached FastCGI request: SSE bytes framed as FCGI_STDOUT records,
// written without blocking from a buffer the hub bounds. Owned by the hub thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "api/stream/unique_fd.h"

namespace chat::stream {

class FcgiOutput {
  public:
    enum class Flush { Done, Blocked, Failed };

    FcgiOutput(UniqueFd fd, int request_id) : fd_(std::move(fd)), request_id_(request_id) {}

    int fd() const { return fd_.get(); }
    // Queues response bytes (CGI head or SSE events) as one or more stdout records.
    void append(std::string_view bytes);
    // Queues the end of the response (empty stdout record + FCGI_END_REQUEST).
    void append_end();
    // Writes as much as the socket takes now.
    Flush flush();
    size_t pending() const { return buf_.size() - off_; }
    // Reads and discards whatever the peer sent, so closing does not reset the connection.
    void discard_input();

  private:
    UniqueFd fd_;
    int request_id_;
    std::string buf_;
    size_t off_ = 0;
};

}  // namespace chat::stream
