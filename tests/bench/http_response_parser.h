// Incremental HTTP/1.1 response parser: status line, headers, then a Content-Length or chunked
// body handed out as it arrives (so SSE events are seen the moment their bytes land).
#pragma once

#include <string>
#include <string_view>

namespace chat::bench {

class ResponseListener {
  public:
    virtual void on_status(int status) = 0;
    virtual void on_body(std::string_view bytes) = 0;
    // The whole response was read; keep_alive tells whether the connection can be reused.
    virtual void on_complete(bool keep_alive) = 0;

  protected:
    ~ResponseListener() = default;
};

class HttpResponseParser {
  public:
    void start(ResponseListener* listener);
    // Consumes bytes; returns false on a protocol error. Bytes after a complete response are
    // ignored (requests are not pipelined).
    bool feed(std::string_view data);
    bool idle() const { return state_ == State::kIdle; }

  private:
    enum class State {
        kIdle,
        kStatus,
        kHeaders,
        kBody,
        kChunkSize,
        kChunkData,
        kChunkEnd,
        kTrailer
    };
    bool on_line(std::string_view line);
    bool on_header(std::string_view line);
    bool end_headers();
    void complete();

    ResponseListener* listener_ = nullptr;
    State state_ = State::kIdle;
    std::string line_;
    long remaining_ = 0;
    bool chunked_ = false;
    bool keep_alive_ = true;
    bool has_length_ = false;
};

}  // namespace chat::bench
