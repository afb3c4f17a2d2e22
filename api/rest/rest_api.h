// The routing table of chat-api and the request pipeline: route (404/405), authenticate
// (401/429/403), run the handler, and translate any error to problem+json. Stateless: one
// RestApi is shared by all threads; per-thread state comes in through Services.
#pragma once

#include <functional>
#include <vector>

#include "api/rest/handler_context.h"
#include "api/rest/router.h"

namespace chat::rest {

class RestApi {
  public:
    RestApi();
    // Never throws; counts the response status in svc.metrics.
    http::Response handle(const http::Request& req, Services& svc) const;
    // The same, with reading the request inside the error boundary (a 413 from the reader
    // becomes a response like any other error).
    http::Response serve(const std::function<http::Request()>& read_request, Services& svc) const;

    enum class Access { Public, User, Admin };

  private:
    struct Route {
        Access access;
        Handler handler;
    };
    void add(const char* method, const char* pattern, Access access, Handler handler);
    http::Response dispatch(const http::Request& req, Services& svc) const;

    Router router_;
    std::vector<Route> routes_;  // indexed by Router route index
};

// Authenticates the request's bearer key (401 / 429 with Retry-After). Exposed for tests.
Caller authenticate(const http::Request& req, ChatStore& store);

}  // namespace chat::rest
