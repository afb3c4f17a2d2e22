#include <boost/test/unit_test.hpp>

#include "api/rest/request_input.h"
#include "api/rest/utf8.h"
#include "common/bearer.h"

using namespace chat::rest;
using chat::parse_bearer;

namespace {

chat::http::Request json_request(std::string body, std::string content_type = "application/json") {
    chat::http::Request r;
    r.method = "POST";
    r.headers["content-type"] = std::move(content_type);
    r.body = std::move(body);
    return r;
}

int status_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const chat::http::Error& e) {
        return e.status();
    }
    return 0;
}

chat::http::Request query_request(std::string query) {
    chat::http::Request r;
    r.method = "GET";
    r.query = std::move(query);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(accepts_well_formed_text) {
    BOOST_TEST(is_valid_utf8(""));
    BOOST_TEST(is_valid_utf8("plain ascii"));
    BOOST_TEST(is_valid_utf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
    BOOST_TEST(*utf8_length("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80") == 9u);
    BOOST_TEST(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

BOOST_AUTO_TEST_CASE(rejects_malformed_sequences) {
    for (const char* bad : {"\xC3", "\xC3\x28", "\x80", "\xBF", "\xC0\xAF", "\xC1\xBF",
                            "\xE0\x80\xAF",      // overlong
                            "\xED\xA0\x80",      // UTF-16 surrogate
                            "\xF4\x90\x80\x80",  // above U+10FFFF
                            "\xF5\x80\x80\x80", "\xFE", "\xFF", "ok\xE2\x82"}) {
        BOOST_TEST(!is_valid_utf8(bad), bad);
    }
}

BOOST_AUTO_TEST_CASE(blank_means_only_whitespace) {
    BOOST_TEST(is_blank(""));
    BOOST_TEST(is_blank(" \t\r\n"));
    BOOST_TEST(is_blank(
        "\xC2\xA0\xE2\x80\x83\xE3\x80\x80\xEF\xBB\xBF"));  // NBSP, em space, ideographic, BOM
    BOOST_TEST(!is_blank(" a "));
    BOOST_TEST(!is_blank("\xE2\x82\xAC"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_body)

BOOST_AUTO_TEST_CASE(parses_an_object_and_ignores_unknown_fields) {
    auto o = parse_json_body(json_request(R"({"content":"hi","extra":[1,2]})"), true);
    BOOST_TEST(content_field(*o) == "hi");
    o = parse_json_body(json_request("", "application/json; charset=UTF-8"), false);
    BOOST_TEST(o->size() == 0u);
}

BOOST_AUTO_TEST_CASE(content_type_must_be_json) {
    BOOST_TEST(status_of([] { parse_json_body(json_request("{}", "text/plain"), true); }) == 415);
    BOOST_TEST(status_of([] { parse_json_body(json_request("{}", ""), true); }) == 415);
    // No body at all is missing (400) whatever the content type: PATCH with neither.
    BOOST_TEST(status_of([] { parse_json_body(json_request("", ""), true); }) == 400);
    BOOST_TEST(status_of([] { parse_json_body(json_request(" ", "text/plain"), true); }) == 400);
    BOOST_TEST(status_of([] {
                   parse_json_body(json_request("{}", "application/json; charset=latin1"), true);
               }) == 415);
    BOOST_TEST(status_of([] { parse_json_body(json_request("{}", "Application/JSON"), true); }) ==
               0);
}

// The charset is a parameter, not a substring: "utf-8x" is not UTF-8, a quoted "charset=" in
// another parameter is not the charset.
BOOST_AUTO_TEST_CASE(the_charset_parameter_is_parsed_as_a_parameter) {
    for (const char* ok : {"application/json; charset=utf-8", "application/json;charset=UTF8",
                           "application/json; charset=\"utf-8\"", "application/json ; x=1",
                           "application/json; foo=\"charset=latin1\""}) {
        BOOST_TEST(status_of([&] { parse_json_body(json_request("{}", ok), true); }) == 0, ok);
    }
    for (const char* bad : {"application/json; charset=utf-8x", "application/json; charset=utf-16",
                            "application/json; x=1; charset=latin1"}) {
        BOOST_TEST(status_of([&] { parse_json_body(json_request("{}", bad), true); }) == 415, bad);
    }
}

BOOST_AUTO_TEST_CASE(malformed_bodies_are_400) {
    for (const char* body : {"{", "{\"content\":}", "[1,2]", "\"str\"", "42", "null", "{} x",
                             "{\"a\":\"\xC3\x28\"}", "   "}) {
        BOOST_TEST(status_of([&] { parse_json_body(json_request(body), true); }) == 400, body);
    }
    std::string deep(100000, '[');
    BOOST_TEST(status_of([&] { parse_json_body(json_request(deep), true); }) == 400);
}

// Valid JSON that is not an object is told so, not called invalid.
BOOST_AUTO_TEST_CASE(a_json_value_that_is_not_an_object_is_named_as_such) {
    for (const char* body : {"\"str\"", "42", "null", "true", " [1]"}) {
        try {
            parse_json_body(json_request(body), true);
            BOOST_FAIL("accepted " << body);
        } catch (const chat::http::Error& e) {
            BOOST_TEST(std::string(e.what()) == "the body must be a JSON object", body);
        }
    }
}

BOOST_AUTO_TEST_CASE(field_types_are_checked) {
    auto body = [](const char* json) { return parse_json_body(json_request(json), true); };
    BOOST_TEST(status_of([&] { content_field(*body(R"({"content":42})")); }) == 400);
    BOOST_TEST(status_of([&] { content_field(*body(R"({"content":null})")); }) == 400);
    BOOST_TEST(status_of([&] { content_field(*body(R"({})")); }) == 400);
    BOOST_TEST(status_of([&] { content_field(*body(R"({"content":" \n\t "})")); }) == 400);
    BOOST_TEST(status_of([&] { content_field(*body(R"({"content":"a\u0000b"})")); }) == 400);
    BOOST_TEST(status_of([&] { content_field(*body(R"({"content":"\ud800"})")); }) == 400);
    BOOST_TEST(status_of([&] { bool_field(*body(R"({"pinned":"yes"})"), "pinned"); }) == 400);
    BOOST_TEST(status_of([&] { bool_field(*body(R"({"pinned":1})"), "pinned"); }) == 400);
    BOOST_TEST(*bool_field(*body(R"({"pinned":false})"), "pinned") == false);
    BOOST_TEST(status_of([&] { string_field(*body(R"({"title":["x"]})"), "title", 10); }) == 400);
    auto agent = nullable_string_field(*body(R"({"agent_id":null})"), "agent_id", 10);
    BOOST_TEST(agent.present);
    BOOST_TEST(!agent.value);
    BOOST_TEST(!nullable_string_field(*body("{}"), "agent_id", 10).present);
}

BOOST_AUTO_TEST_CASE(content_length_is_counted_in_characters) {
    std::string ok = "{\"content\":\"" + std::string(kMaxContentChars, 'a') + "\"}";
    BOOST_TEST(content_field(*parse_json_body(json_request(ok), true)).size() == kMaxContentChars);
    std::string euro;
    for (size_t i = 0; i < kMaxContentChars; ++i) euro += "\xE2\x82\xAC";
    BOOST_TEST(status_of([&] {
                   content_field(
                       *parse_json_body(json_request("{\"content\":\"" + euro + "\"}"), true));
               }) == 0);
    std::string too_long = "{\"content\":\"" + std::string(kMaxContentChars + 1, 'a') + "\"}";
    BOOST_TEST(status_of([&] { content_field(*parse_json_body(json_request(too_long), true)); }) ==
               400);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(query_and_headers)

BOOST_AUTO_TEST_CASE(limit_is_a_bounded_whole_number) {
    BOOST_TEST(limit_param(query_request(""), 50, 100) == 50);
    BOOST_TEST(limit_param(query_request("limit=1"), 50, 100) == 1);
    BOOST_TEST(limit_param(query_request("x=1&limit=100"), 50, 100) == 100);
    for (const char* q : {"limit=0", "limit=101", "limit=-1", "limit=abc", "limit=", "limit=1.5",
                          "limit=99999999999999999999", "limit=10%20", "limit=%zz"}) {
        BOOST_TEST(status_of([&] { limit_param(query_request(q), 50, 100); }) == 400, q);
    }
}

BOOST_AUTO_TEST_CASE(booleans_and_ids_in_the_query) {
    BOOST_TEST(bool_param(query_request("archived=true"), "archived", false));
    BOOST_TEST(!bool_param(query_request(""), "archived", false));
    BOOST_TEST(status_of([] { bool_param(query_request("archived=1"), "archived", false); }) ==
               400);
    BOOST_TEST(status_of([] { uuid_param(query_request("before=1;DROP"), "before"); }) == 400);
    BOOST_TEST(*uuid_param(query_request("before=0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11"),
                           "before") == "0b8a7c52-7f45-4a84-9bb6-3d9f9e0c1a11");
    BOOST_TEST(status_of([] {
                   chat::http::check_query_size(query_request(std::string(5000, 'a')));
               }) == 414);
}

BOOST_AUTO_TEST_CASE(idempotency_key_header) {
    chat::http::Request r;
    BOOST_TEST(!idempotency_key(r));
    r.headers["idempotency-key"] = "abc-123";
    BOOST_TEST(*idempotency_key(r) == "abc-123");
    r.headers["idempotency-key"] = "has space";
    BOOST_TEST(status_of([&] { idempotency_key(r); }) == 400);
    r.headers["idempotency-key"] = std::string(201, 'k');
    BOOST_TEST(status_of([&] { idempotency_key(r); }) == 400);
}

BOOST_AUTO_TEST_CASE(bearer_keys) {
    auto k = parse_bearer("Bearer ck_ab12_s3cr3t");
    BOOST_REQUIRE(k);
    BOOST_TEST(k->key_id == "ab12");
    BOOST_TEST(k->secret == "s3cr3t");
    BOOST_TEST(parse_bearer("bearer  ck_ab12_s_with_underscore")->secret == "s_with_underscore");
    for (const char* bad :
         {"", "Bearer", "Bearer ", "Basic ck_a_b", "Bearer ck_", "Bearer ck__b", "Bearer ck_a_",
          "Bearer ck_a", "Bearer xx_a_b", "Bearer ck_a_b'--", "Bearer ck_a_b c"}) {
        BOOST_TEST(!parse_bearer(bad), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()
