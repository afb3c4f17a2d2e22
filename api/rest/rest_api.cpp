#include "api/rest/rest_api.h"

#include "api/rest/error_boundary.h"
#include "api/rest/handlers.h"
#include "api/rest/request_input.h"
#include "common/bearer.h"

namespace chat::rest {

RestApi::RestApi() {
    using A = Access;
    const char* conv = "/api/v1/conversations/{id}";
    const char* msgs = "/api/v1/conversations/{id}/messages";
    const char* msg = "/api/v1/conversations/{id}/messages/{id}";
    add("POST", "/api/v1/conversations", A::User, create_conversation);
    add("GET", "/api/v1/conversations", A::User, list_conversations);
    add("GET", conv, A::User, get_conversation);
    add("PATCH", conv, A::User, patch_conversation);
    add("DELETE", conv, A::User, delete_conversation);
    add("GET", msgs, A::User, list_messages);
    add("POST", msgs, A::User, post_message);
    add("PUT", msg, A::User, edit_message);
    add("POST", "/api/v1/conversations/{id}/messages/{id}/regenerate", A::User, regenerate_message);
    add("GET", "/api/v1/turns/{id}", A::User, get_turn);
    add("POST", "/api/v1/turns/{id}/cancel", A::User, cancel_turn);
    add("GET", "/api/v1/admin/context", A::Admin, get_admin_context);
    add("PUT", "/api/v1/admin/context", A::Admin, put_admin_context);
    add("GET", "/healthz", A::Public, healthz);
    add("GET", "/metrics", A::Public, metrics);
}

void RestApi::add(const char* method, const char* pattern, Access access, Handler handler) {
    router_.add(method, pattern);
    routes_.push_back({access, handler});
}

Caller authenticate(const http::Request& req, ChatStore& store) {
    auto key = parse_bearer(req.header("authorization"));
    auto unauthorized = [] {
        return http::Error(401, "Unauthorized", "send a valid API key as Authorization: Bearer KEY")
            .with_header("WWW-Authenticate", "Bearer");
    };
    if (!key) throw unauthorized();
    auto outcome = store.authenticate(key->key_id, key->secret);
    if (!outcome) throw unauthorized();
    if (outcome->retry_after_s > 0) {
        throw http::Error(429, "Too Many Requests", "you are over your per-minute request limit")
            .with_header("Retry-After", std::to_string(outcome->retry_after_s));
    }
    return outcome->caller;
}

http::Response RestApi::dispatch(const http::Request& req, Services& svc) const {
    http::check_query_size(req);
    auto m = router_.match(req.method, req.path);
    if (m.kind == Router::Match::Kind::NotFound)
        throw http::Error(404, "Not Found", "no such resource");
    if (m.kind == Router::Match::Kind::MethodNotAllowed) {
        throw http::Error(405, "Method Not Allowed", req.method + " is not supported here")
            .with_header("Allow", m.allow);
    }
    const Route& route = routes_[m.route];
    Caller caller;
    if (route.access != Access::Public) caller = authenticate(req, svc.store);
    // A fixed, well-known endpoint: answering 403 hides nothing (ownership 404s are for ids).
    if (route.access == Access::Admin && !caller.is_admin)
        throw http::Error(403, "Forbidden", "this endpoint needs an admin API key");
    return route.handler(Call{req, m.params, svc, caller});
}

http::Response RestApi::handle(const http::Request& req, Services& svc) const {
    return serve([&] { return req; }, svc);
}

http::Response RestApi::serve(const std::function<http::Request()>& read_request,
                              Services& svc) const {
    auto r = guarded([&] { return dispatch(read_request(), svc); });
    svc.metrics.count(r.status);
    return r;
}

}  // namespace chat::rest
