// One non-blocking HTTP/1.1 keep-alive client connection driven by the EventLoop. It connects
// on first use (and again after a close), writes one request at a time and feeds the response
// to a ResponseListener. Errors and peer closes are reported through ConnectionListener.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "tests/bench/event_loop.h"
#include "tests/bench/http_response_parser.h"

namespace chat::bench {

class ConnectionListener : public ResponseListener {
  public:
    // The connection failed or the server closed it mid-response; it is closed now.
    virtual void on_connection_error(const char* what) = 0;

  protected:
    ~ConnectionListener() = default;
};

class HttpConnection final : public IoHandler {
  public:
    HttpConnection(EventLoop& loop, const sockaddr_in& server);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    // Sends a complete request (head + body); the response goes to listener.
    void send(std::string request, ConnectionListener* listener);
    // Closes the socket at once (a client dropping); the next send() reconnects.
    void close();
    bool is_open() const { return fd_ >= 0; }
    // Connections opened so far (reconnects show up here).
    uint64_t connects() const { return connects_; }

    void on_io(uint32_t events) override;

  private:
    void open();
    void flush();
    void fail(const char* what);

    EventLoop& loop_;
    sockaddr_in server_;
    int fd_ = -1;
    bool connecting_ = false;
    uint64_t generation_ = 0;  // bumped on close, so callbacks that reconnect are noticed
    uint64_t connects_ = 0;
    std::string out_;
    size_t out_pos_ = 0;
    HttpResponseParser parser_;
    ConnectionListener* listener_ = nullptr;
};

// 127.0.0.1:port as a socket address.
sockaddr_in loopback(int port);

}  // namespace chat::bench
