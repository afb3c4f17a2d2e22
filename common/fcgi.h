// FastCGI front end (libfcgi): a listening socket and an RAII request. CGI mode (the program
// started by a web server without a FastCGI socket) is handled by read_cgi_request().
#pragma once

#include <fcgiapp.h>

#include <string>

#include "common/http.h"

namespace chat::fcgi {

// Calls FCGX_Init once per process (thread-safe).
void init();

// Opens a FastCGI listening socket: "/path/to.sock" (mode 0666, stale file replaced) or ":port"
// / "host:port". Returns the fd for FcgiRequest. Throws std::runtime_error on failure.
int listen(const std::string& address, int backlog);

// True when this process was started as CGI (stdin is not a FastCGI listening socket).
bool is_cgi();

// One FastCGI request slot; reused across accept() calls by one thread.
class Request {
  public:
    explicit Request(int listen_fd);
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;
    ~Request();

    // Blocks until the next request arrives; false when the listener was shut down.
    bool accept();
    // Reads method, path, headers and up to max_body bytes of body (a larger body throws
    // http::Error 413 after the first max_body + 1 bytes).
    http::Request read(size_t max_body);
    void write(std::string_view bytes);
    void flush();
    // Ends the response and frees the connection.
    void finish();

    // Hands the connection to the caller: returns the socket fd and the FastCGI request id.
    // The caller then writes FCGI_STDOUT/END_REQUEST records itself and closes the fd.
    struct Detached {
        int fd;
        int request_id;
    };
    Detached detach();

    FCGX_Request& raw() { return req_; }

  private:
    FCGX_Request req_{};
    bool active_ = false;
};

// Reads the request of a CGI invocation from the environment and stdin.
http::Request read_cgi_request(size_t max_body);

// Encodes FastCGI records for a detached connection: stdout content, and end-of-request.
void append_stdout_record(std::string& out, int request_id, std::string_view content);
void append_end_request(std::string& out, int request_id);

}  // namespace chat::fcgi
