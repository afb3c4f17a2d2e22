// The REST endpoints (docs/API.md). Each handler validates its input, makes one ChatStore
// call and shapes the response; errors are thrown and translated by error_boundary.h.
#pragma once

#include "api/rest/handler_context.h"

namespace chat::rest {

// conversation_handlers.cpp
http::Response create_conversation(const Call& c);
http::Response list_conversations(const Call& c);
http::Response get_conversation(const Call& c);
http::Response patch_conversation(const Call& c);
http::Response delete_conversation(const Call& c);

// message_handlers.cpp
http::Response list_messages(const Call& c);
http::Response post_message(const Call& c);
http::Response edit_message(const Call& c);
http::Response regenerate_message(const Call& c);

// turn_handlers.cpp
http::Response get_turn(const Call& c);
http::Response cancel_turn(const Call& c);
http::Response get_admin_context(const Call& c);
http::Response put_admin_context(const Call& c);

// ops_handlers.cpp (no authentication)
http::Response healthz(const Call& c);
http::Response metrics(const Call& c);

}  // namespace chat::rest
