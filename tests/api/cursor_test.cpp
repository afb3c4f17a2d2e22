#include <boost/test/unit_test.hpp>

#include "api/rest/cursor.h"
#include "api/rest/error_boundary.h"

using namespace chat::rest;

BOOST_AUTO_TEST_SUITE(cursor)

BOOST_AUTO_TEST_CASE(round_trips) {
    for (const ConversationCursor& c :
         {ConversationCursor{0, 1795324793123456, "0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11"},
          ConversationCursor{1, 0, "1C9B8D63-8056-4B95-8CC7-4EAF0F1D2B22"},
          ConversationCursor{0, -5, "1c9b8d63-8056-4b95-8cc7-4eaf0f1d2b22"}}) {
        auto text = encode_cursor(c);
        BOOST_TEST(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789-_") == std::string::npos);
        auto back = decode_cursor(text);
        BOOST_REQUIRE(back);
        BOOST_TEST((*back == c));
    }
}

BOOST_AUTO_TEST_CASE(rejects_what_it_did_not_make) {
    auto good = encode_cursor({1, 42, "0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11"});
    for (const std::string& bad :
         {std::string(), std::string("x"), std::string("!!!!"), good + "A", good.substr(1),
          std::string("' OR 1=1 --"), std::string(500, 'A'),
          encode_cursor({2, 42, "0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11"}),
          encode_cursor({1, 42, "not-a-uuid"})}) {
        BOOST_TEST(!decode_cursor(bad), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(error_boundary)

BOOST_AUTO_TEST_CASE(application_sqlstates_become_their_status) {
    chat::db::Error e("ERROR:  conversation not found\nCONTEXT:  PL/pgSQL function", "CH404",
                      false);
    auto r = db_error_response(e);
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.content_type == "application/problem+json");
    BOOST_TEST(r.body.find("\"detail\":\"conversation not found\"") != std::string::npos);
    auto limited = db_error_response(chat::db::Error("ERROR:  too many", "CH429", false));
    BOOST_TEST(limited.status == 429);
    BOOST_TEST(limited.headers.size() == 1u);
    BOOST_TEST(limited.headers[0].first == "Retry-After");
}

BOOST_AUTO_TEST_CASE(other_database_errors_do_not_leak) {
    auto lost = db_error_response(chat::db::Error("server closed the connection", "", true));
    BOOST_TEST(lost.status == 503);
    auto internal =
        db_error_response(chat::db::Error("ERROR:  relation \"x\" does not exist", "42P01", false));
    BOOST_TEST(internal.status == 500);
    BOOST_TEST(internal.body.find("relation") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(guarded_translates_every_exception) {
    auto r = guarded([]() -> chat::http::Response {
        throw chat::http::Error(405, "Method Not Allowed", "no").with_header("Allow", "GET");
    });
    BOOST_TEST(r.status == 405);
    BOOST_TEST(r.headers.at(0).second == "GET");
    r = guarded([]() -> chat::http::Response { throw std::runtime_error("secret internals"); });
    BOOST_TEST(r.status == 500);
    BOOST_TEST(r.body.find("secret") == std::string::npos);
    r = guarded([]() -> chat::http::Response { throw 42; });
    BOOST_TEST(r.status == 500);
}

BOOST_AUTO_TEST_SUITE_END()
