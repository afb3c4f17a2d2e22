#include "api/rest/cursor.h"
#include "api/rest/handlers.h"
#include "api/rest/request_input.h"
#include "api/rest/response_json.h"

namespace chat::rest {
namespace {

constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 100;

[[noreturn]] void conversation_not_found() {
    throw http::Error(404, "Not Found", "conversation not found");
}

}  // namespace

http::Response create_conversation(const Call& c) {
    auto body = parse_json_body(c.req, false);
    auto title = string_field(*body, "title", kMaxTitleChars);
    auto agent = nullable_string_field(*body, "agent_id", kMaxNameChars);
    return created_conversation(
        c.svc.store.create_conversation(c.caller.user_id, title, agent.value));
}

http::Response list_conversations(const Call& c) {
    bool archived = bool_param(c.req, "archived", false);
    int limit = limit_param(c.req, kDefaultPage, kMaxPage);
    std::optional<ConversationCursor> after;
    if (auto text = c.req.query_param("cursor")) {
        after = decode_cursor(*text);
        if (!after) throw http::Error(400, "Bad Request", "'cursor' is not a cursor this API gave");
    }
    auto rows = c.svc.store.list_conversations(c.caller.user_id, archived, after, limit);
    std::optional<std::string> next;
    if (rows.size() > static_cast<size_t>(limit)) {
        rows.resize(static_cast<size_t>(limit));
        next = encode_cursor(rows.back().position);
    }
    std::vector<std::string> items;
    items.reserve(rows.size());
    for (auto& r : rows) items.push_back(std::move(r.json));
    return json_response(200, page_json(items, next));
}

http::Response get_conversation(const Call& c) {
    auto json = c.svc.store.get_conversation(c.caller.user_id, c.params.at(0));
    if (!json) conversation_not_found();
    return json_response(200, std::move(*json));
}

http::Response patch_conversation(const Call& c) {
    auto body = parse_json_body(c.req, true);
    ChatStore::ConversationPatch patch;
    patch.title = string_field(*body, "title", kMaxTitleChars);
    auto agent = nullable_string_field(*body, "agent_id", kMaxNameChars);
    patch.set_agent = agent.present;
    patch.agent_id = agent.value;
    patch.archived = bool_field(*body, "archived");
    patch.pinned = bool_field(*body, "pinned");
    return json_response(200,
                         c.svc.store.patch_conversation(c.caller.user_id, c.params.at(0), patch));
}

http::Response delete_conversation(const Call& c) {
    auto running = c.svc.store.delete_conversation(c.caller.user_id, c.params.at(0));
    for (const auto& turn : running) c.svc.notifier.cancel(turn);
    http::Response r;
    r.status = 204;
    return r;
}

}  // namespace chat::rest
