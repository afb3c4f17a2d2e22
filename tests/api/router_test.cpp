#include <boost/test/unit_test.hpp>

#include "api/rest/router.h"

using chat::rest::Router;
using Kind = Router::Match::Kind;

namespace {

const char* kId1 = "0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11";
const char* kId2 = "1c9b8d63-8056-4b95-8cc7-4eaf0f1d2b22";

struct Routes {
    Router r;
    size_t create = r.add("POST", "/api/v1/conversations");
    size_t list = r.add("GET", "/api/v1/conversations");
    size_t get = r.add("GET", "/api/v1/conversations/{id}");
    size_t patch = r.add("PATCH", "/api/v1/conversations/{id}");
    size_t edit = r.add("PUT", "/api/v1/conversations/{id}/messages/{id}");
};

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(matches_literal_and_placeholder_routes) {
    Routes t;
    auto m = t.r.match("GET", "/api/v1/conversations");
    BOOST_TEST((m.kind == Kind::Found));
    BOOST_TEST(m.route == t.list);
    m = t.r.match("PUT", std::string("/api/v1/conversations/") + kId1 + "/messages/" + kId2);
    BOOST_TEST((m.kind == Kind::Found));
    BOOST_TEST(m.route == t.edit);
    BOOST_TEST(m.params.size() == 2u);
    BOOST_TEST(m.params[0] == kId1);
    BOOST_TEST(m.params[1] == kId2);
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_with_every_allowed_method) {
    Routes t;
    auto m = t.r.match("DELETE", "/api/v1/conversations");
    BOOST_TEST((m.kind == Kind::MethodNotAllowed));
    BOOST_TEST(m.allow == "POST, GET, HEAD");
    m = t.r.match("POST", std::string("/api/v1/conversations/") + kId1);
    BOOST_TEST((m.kind == Kind::MethodNotAllowed));
    BOOST_TEST(m.allow == "GET, HEAD, PATCH");
}

// Monitoring probes and caches send HEAD: it is served as GET (nginx drops the body).
BOOST_AUTO_TEST_CASE(head_is_served_by_the_get_route) {
    Routes t;
    auto m = t.r.match("HEAD", std::string("/api/v1/conversations/") + kId1);
    BOOST_TEST((m.kind == Kind::Found));
    BOOST_TEST(m.route == t.get);
    BOOST_TEST(m.params.at(0) == kId1);
    m = t.r.match("HEAD", std::string("/api/v1/conversations/") + kId1 + "/messages/" + kId2);
    BOOST_TEST((m.kind == Kind::MethodNotAllowed));  // a PUT-only path has no HEAD
    BOOST_TEST(m.allow == "PUT");
}

BOOST_AUTO_TEST_CASE(malformed_ids_and_unknown_paths_are_not_found) {
    Routes t;
    for (const char* path :
         {"/api/v1/conversations/not-a-uuid", "/api/v1/conversations/1' OR '1'='1",
          "/api/v1/conversations/", "/api/v1/conversations//", "/api/v1", "/", "",
          "api/v1/conversations", "/api/v1/conversations/0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a1",
          "/api/v1/conversations/0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11/extra"}) {
        auto m = t.r.match("GET", path);
        BOOST_TEST((m.kind == Kind::NotFound), path);
    }
}

BOOST_AUTO_TEST_CASE(method_names_are_case_sensitive) {
    Routes t;
    BOOST_TEST((t.r.match("get", "/api/v1/conversations").kind == Kind::MethodNotAllowed));
}

BOOST_AUTO_TEST_SUITE_END()
