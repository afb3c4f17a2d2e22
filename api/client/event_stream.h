// One HTTP/1.1 GET whose answer is a text/event-stream, read event by event with a timeout.
// The connection is closed on destruction or close() (which simulates a dropped connection).
// Not thread-safe: one thread reads one stream.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/client/chunked_decoder.h"
#include "api/client/sse_parser.h"

namespace chat::client {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class EventStream {
  public:
    // Connects to base_url ("http://host:port"), sends GET path (path may carry a query) with the
    // extra headers, and reads the response head. Throws std::runtime_error when the server is
    // unreachable or the head does not arrive within `timeout`.
    EventStream(const std::string& base_url, const std::string& path, const HeaderList& headers,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;
    ~EventStream();

    int status() const { return status_; }
    // A response header by lower-case name, "" when absent.
    std::string header(const std::string& lower_name) const;

    // The next event; nullopt when `timeout` passed first or the stream ended (see ended()).
    std::optional<SseEvent> next(std::chrono::milliseconds timeout);
    // The rest of the body as raw text (for an error answer such as a problem+json 404).
    std::string read_body(std::chrono::milliseconds timeout);
    // True once the server finished the response or closed the connection.
    bool ended() const { return ended_; }
    const std::string& last_event_id() const { return parser_.last_event_id(); }
    void close();

  private:
    using Clock = std::chrono::steady_clock;
    void read_head(Clock::time_point deadline);
    // Reads one piece of the body; false when the deadline passed or the stream ended.
    bool read_more(Clock::time_point deadline);
    void take_body(std::string_view bytes);
    bool receive(Clock::time_point deadline, std::string& into);

    Poco::Net::StreamSocket socket_;
    bool open_ = false;
    int status_ = 0;
    std::map<std::string, std::string> headers_;
    bool chunked_ = false;
    ChunkedDecoder chunks_;
    std::string body_;  // decoded body not yet handed to the parser or read_body
    SseParser parser_;
    bool ended_ = false;
};

}  // namespace chat::client
