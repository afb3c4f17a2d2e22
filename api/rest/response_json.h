// Shaping response bodies. Objects arrive as JSON text from PostgreSQL and pass through;
// only turn objects are touched, to add the signed stream_url (the key stays out of SQL).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/rest/chat_store.h"
#include "api/rest/handler_context.h"
#include "common/http.h"

namespace chat::rest {

http::Response json_response(int status, std::string body);

// The turn object with "stream_url" added.
std::string turn_with_stream_url(const std::string& turn_json, const Settings& s);

// 202 with {message, turn} or {turn}: stream_url added to the turn, the turn's URL as Location;
// a replay gets the Idempotent-Replayed header, so a replayed POST has the body of the first.
http::Response accepted_turn(const AcceptedTurnRow& row, const Settings& s);

// 201 for a new conversation, its URL as Location.
http::Response created_conversation(const std::string& conversation_json);

// {"items":[...],"next_cursor":"..."|null}; items are JSON texts.
std::string page_json(const std::vector<std::string>& items,
                      const std::optional<std::string>& next_cursor);

}  // namespace chat::rest
