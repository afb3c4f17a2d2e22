// The request pipeline without a stack: routing, authentication order, and the error boundary
// when the database is unreachable (a refused TCP port).
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "api/rest/rest_api.h"

using namespace chat::rest;

namespace {

struct Pipeline {
    ChatStore store{"host=127.0.0.1 port=1 dbname=none user=none connect_timeout=2"};
    zmq::context_t zmq_ctx;
    Notifier notifier{zmq_ctx, "tcp://127.0.0.1:1"};
    RequestMetrics metrics;
    Settings settings{"secret", 60, "tcp://127.0.0.1:1"};
    Services svc{store, notifier, metrics, settings};
    RestApi api;

    chat::http::Response run(const std::string& method, const std::string& path,
                             const std::string& authorization = "") {
        chat::http::Request r;
        r.method = method;
        r.path = path;
        if (!authorization.empty()) r.headers["authorization"] = authorization;
        return api.handle(r, svc);
    }
};

std::string header(const chat::http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rest_api)

BOOST_AUTO_TEST_CASE(routing_answers_before_authentication) {
    Pipeline p;
    auto unknown = p.run("GET", "/api/v1/unknown");
    BOOST_TEST(unknown.status == 404);
    BOOST_TEST(unknown.content_type == "application/problem+json");
    auto bad_id = p.run("GET", "/api/v1/turns/42");
    BOOST_TEST(bad_id.status == 404);
    auto wrong_method = p.run("PATCH", "/api/v1/turns/0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11");
    BOOST_TEST(wrong_method.status == 405);
    BOOST_TEST(header(wrong_method, "Allow") == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(missing_or_malformed_keys_are_401_without_a_database) {
    Pipeline p;
    auto none = p.run("GET", "/api/v1/conversations");
    BOOST_TEST(none.status == 401);
    BOOST_TEST(header(none, "WWW-Authenticate") == "Bearer");
    BOOST_TEST(p.run("GET", "/api/v1/conversations", "Bearer nonsense").status == 401);
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_is_503_and_healthz_says_so) {
    Pipeline p;
    auto r = p.run("GET", "/api/v1/conversations", "Bearer ck_abc_def");
    BOOST_TEST(r.status == 503);
    BOOST_TEST(header(r, "Retry-After") == "1");
    BOOST_TEST(r.body.find("port=1") == std::string::npos);  // no connection details leak
    auto health = p.run("GET", "/healthz");
    BOOST_TEST(health.status == 503);
    BOOST_TEST(health.body == R"({"db":"down","broker":"down","workers":null})");
}

BOOST_AUTO_TEST_CASE(every_response_is_counted_for_metrics) {
    Pipeline p;
    p.run("GET", "/nope");
    p.run("GET", "/nope");
    p.run("DELETE", "/healthz");
    auto text = p.metrics.prometheus();
    std::string series = "chat_api_requests_total{pid=\"" + std::to_string(::getpid()) + "\",";
    BOOST_TEST(text.find(series + "status=\"404\"} 2") != std::string::npos, text);
    BOOST_TEST(text.find(series + "status=\"405\"} 1") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()
