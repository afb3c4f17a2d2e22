// Incremental decoder of an HTTP/1.1 "Transfer-Encoding: chunked" body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat::client {

class ChunkedDecoder {
  public:
    // Decodes bytes, appending the payload to out. Throws std::runtime_error on a malformed body.
    void feed(std::string_view bytes, std::string& out);
    // True once the last (zero-size) chunk was seen.
    bool finished() const { return state_ == State::Done; }

  private:
    enum class State { Size, Data, DataEnd, Trailer, Done };
    State state_ = State::Size;
    std::string line_;
    size_t remaining_ = 0;
};

}  // namespace chat::client
