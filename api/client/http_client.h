// A minimal blocking HTTP/1.1 client (Poco Net) for JSON APIs: one request, whole response.
// Used by chat-say and by the integration tests (tests/support). One connection per request.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "api/client/event_stream.h"

namespace chat::client {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    // Header value by lower-case name, "" when absent.
    std::string header(const std::string& lower_name) const;
};

class HttpClient {
  public:
    // base_url: "http://host:port". Throws std::runtime_error for a malformed URL.
    explicit HttpClient(std::string base_url,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Sends the request; a non-empty body without a Content-Type header is sent as
    // application/json (a Content-Type header with an empty value sends none).
    // Throws std::runtime_error when the server is unreachable or does not answer in time.
    HttpResponse request(const std::string& method, const std::string& path,
                         const HeaderList& headers = {}, const std::string& body = "") const;

    const std::string& base_url() const { return base_url_; }

  private:
    std::string base_url_;
    std::string host_;
    unsigned short port_ = 0;
    std::chrono::milliseconds timeout_;
};

}  // namespace chat::client
