// The one place where exceptions become HTTP responses (application/problem+json):
//   http::Error                 -> its status, title, detail and headers
//   db::Error SQLSTATE CHnnn     -> status nnn, the function's message as detail
//   db::Error, connection lost  -> 503;  data exceptions (22xxx) -> 400;  other db::Error -> 500
//   anything else               -> 500 with a generic detail (internals are logged, not sent)
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "common/db.h"
#include "common/http.h"

namespace chat::rest {

// Runs fn; never throws.
http::Response guarded(const std::function<http::Response()>& fn) noexcept;

// The response for a database error (exposed for tests).
http::Response db_error_response(const db::Error& e);

// "ERROR:  conversation not found\nCONTEXT: ..." -> "conversation not found"
std::string primary_message(std::string_view libpq_message);

}  // namespace chat::rest
