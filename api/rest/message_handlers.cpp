#include "api/rest/handlers.h"
#include "api/rest/request_input.h"
#include "api/rest/response_json.h"

namespace chat::rest {
namespace {

constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 100;

}  // namespace

http::Response list_messages(const Call& c) {
    int limit = limit_param(c.req, kDefaultPage, kMaxPage);
    auto before = uuid_param(c.req, "before");
    auto rows = c.svc.store.list_messages(c.caller.user_id, c.params.at(0), before, limit);
    std::optional<std::string> next;
    if (rows.size() > static_cast<size_t>(limit)) {
        rows.resize(static_cast<size_t>(limit));
        next = rows.back().id;  // the oldest message on this page
    }
    std::vector<std::string> items;
    items.reserve(rows.size());
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) items.push_back(std::move(it->json));
    return json_response(200, page_json(items, next));
}

http::Response post_message(const Call& c) {
    auto key = idempotency_key(c.req);
    auto body = parse_json_body(c.req, true);
    auto content = content_field(*body);
    auto model = nullable_string_field(*body, "model", kMaxNameChars).value;
    auto result = c.svc.store.post_message(c.caller.user_id, c.params.at(0), content, model, key);
    c.svc.notifier.turn_queued(result.turn_id);  // after the commit: the worker must find the row
    return accepted_turn(result, c.svc.settings);
}

http::Response edit_message(const Call& c) {
    auto body = parse_json_body(c.req, true);
    auto content = content_field(*body);
    return json_response(
        200, c.svc.store.edit_message(c.caller.user_id, c.params.at(0), c.params.at(1), content));
}

http::Response regenerate_message(const Call& c) {
    auto body = parse_json_body(c.req, false);
    auto model = nullable_string_field(*body, "model", kMaxNameChars).value;
    auto result = c.svc.store.regenerate(c.caller.user_id, c.params.at(0), c.params.at(1), model);
    c.svc.notifier.turn_queued(result.turn_id);
    return accepted_turn(result, c.svc.settings);
}

}  // namespace chat::rest
