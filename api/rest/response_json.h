// Shaping response bodies. Objects arrive as JSON text from PostgreSQL and pass through;
// only turn objects are touched, to add the signed stream_url (the key stays out of SQL).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/rest/handler_context.h"
#include "common/http.h"

namespace chat::rest {

http::Response json_response(int status, std::string body);

// The turn object with "stream_url" added.
std::string turn_with_stream_url(const std::string& turn_json, const Settings& s);

// {message, turn, replayed?} or {turn}: stream_url added to the turn; "replayed" removed and
// reported through *replayed, so a replayed POST has the same body shape as the first one.
std::string result_with_stream_url(const std::string& result_json, const Settings& s,
                                   bool* replayed);

// {"items":[...],"next_cursor":"..."|null}; items are JSON texts.
std::string page_json(const std::vector<std::string>& items,
                      const std::optional<std::string>& next_cursor);

}  // namespace chat::rest
