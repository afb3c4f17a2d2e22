// A scripted HTTP server on 127.0.0.1 (ephemeral port) that plays an upstream model server
// byte for byte: each accepted connection runs the next script, which writes raw HTTP.
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace chat::backends::test {

struct RecordedRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

class FakeUpstream;

// What a script gets: the connection, plus helpers that write raw HTTP/SSE bytes.
class Conn {
  public:
    Conn(Poco::Net::StreamSocket& socket, FakeUpstream& owner) : socket_(socket), owner_(owner) {}
    // False once the peer has gone (the write failed).
    bool send(std::string_view bytes);
    bool sse_headers();                  // 200, text/event-stream, chunked
    bool chunk(std::string_view bytes);  // one HTTP/1.1 chunk
    bool end_chunks();                   // the terminating 0-size chunk
    bool status(int code, std::string_view reason, std::string_view json_body,
                std::string_view extra_headers = {});
    void pace();  // lets the client read separately (pacing only, never synchronisation)
    // Blocks until the test calls release() or the peer closes or the deadline passes.
    void stall(std::chrono::milliseconds limit = std::chrono::seconds(10));
    bool peer_closed(std::chrono::milliseconds wait);

  private:
    Poco::Net::StreamSocket& socket_;
    FakeUpstream& owner_;
};

class FakeUpstream {
  public:
    using Script = std::function<void(Conn&, const RecordedRequest&)>;

    explicit FakeUpstream(std::vector<Script> scripts);
    // The same over TLS with the given PEM certificate and key; base_url() is https://localhost.
    FakeUpstream(std::vector<Script> scripts, const std::string& cert_file,
                 const std::string& key_file);
    ~FakeUpstream();
    FakeUpstream(const FakeUpstream&) = delete;
    FakeUpstream& operator=(const FakeUpstream&) = delete;

    std::string base_url() const;  // http://127.0.0.1:PORT or https://localhost:PORT
    std::vector<RecordedRequest> requests() const;
    bool wait_done(std::chrono::milliseconds limit);  // all scripts ran to the end
    void release();                                   // wakes stalled scripts

  private:
    friend class Conn;
    void serve();
    bool released_or_stopping(std::chrono::milliseconds limit);

    Poco::Net::ServerSocket server_;
    bool tls_ = false;
    std::vector<Script> scripts_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<RecordedRequest> requests_;
    bool released_ = false;
    bool stopping_ = false;
    bool done_ = false;
    std::thread thread_;
};

// Frames one SSE event: optional "event:" then one "data:" line per line of data.
std::string sse_event(std::string_view data, std::string_view event = {});

}  // namespace chat::backends::test
