#include "api/rest/handlers.h"
#include "api/rest/request_input.h"
#include "api/rest/response_json.h"

namespace chat::rest {

http::Response get_turn(const Call& c) {
    auto turn = c.svc.store.get_turn(c.caller.user_id, c.params.at(0));
    return json_response(200, turn_with_stream_url(turn, c.svc.settings));
}

http::Response cancel_turn(const Call& c) {
    auto turn = c.svc.store.cancel_turn(c.caller.user_id, c.params.at(0));
    c.svc.notifier.cancel(c.params.at(0));  // after the commit, so the worker sees the flag
    return json_response(202, turn_with_stream_url(turn, c.svc.settings));
}

http::Response get_admin_context(const Call& c) {
    return json_response(200, c.svc.store.admin_context());
}

http::Response put_admin_context(const Call& c) {
    auto body = parse_json_body(c.req, true);
    auto content = string_field(*body, "content", kMaxContentChars);
    if (!content) throw http::Error(400, "Bad Request", "'content' is required");
    return json_response(200, c.svc.store.put_admin_context(c.caller.user_id, *content));
}

}  // namespace chat::rest
