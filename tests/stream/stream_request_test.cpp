// Unit tests of stream request parsing and SSE event formatting.
#include <boost/test/unit_test.hpp>

#include "api/stream/stream_events.h"
#include "api/stream/stream_request.h"
#include "tests/stream/sse_parse.h"

using namespace chat::stream;

namespace {
chat::http::Request get(std::string path, std::string query = {}) {
    chat::http::Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.query = std::move(query);
    return r;
}
constexpr const char* kId = "0A1B2C3D-0000-4000-8000-00000000000F";
}  // namespace

BOOST_AUTO_TEST_CASE(turn_id_is_taken_from_the_path_and_lower_cased) {
    auto id = turn_id_from_path(std::string("/api/v1/turns/") + kId + "/stream");
    BOOST_REQUIRE(id.has_value());
    BOOST_TEST(*id == "0a1b2c3d-0000-4000-8000-00000000000f");
    BOOST_TEST(!turn_id_from_path("/api/v1/turns/not-a-uuid/stream"));
    BOOST_TEST(!turn_id_from_path("/api/v1/turns//stream"));
    BOOST_TEST(!turn_id_from_path(std::string("/api/v1/turns/") + kId));
    BOOST_TEST(!turn_id_from_path(std::string("/api/v1/turns/") + kId + "/streamx"));
}

BOOST_AUTO_TEST_CASE(cursor_parsing) {
    BOOST_TEST(!parse_cursor(std::nullopt));
    BOOST_TEST(!parse_cursor(std::string()));
    BOOST_TEST(*parse_cursor(std::string("0")) == 0);
    BOOST_TEST(*parse_cursor(std::string("1000007")) == 1000007);
    BOOST_TEST(*parse_cursor(std::string("-3")) == -1);
    BOOST_TEST(*parse_cursor(std::string("12x")) == -1);
    BOOST_TEST(*parse_cursor(std::string("99999999999999999999999")) == -1);
}

// The header rules are chat-api's (common/bearer.h, unit-tested in tests/api/input_test.cpp):
// any-case scheme, extra spaces, key characters checked.
BOOST_AUTO_TEST_CASE(stream_accepts_keys_the_api_accepts) {
    std::string path = std::string("/api/v1/turns/") + kId + "/stream";
    for (const char* h : {"bearer ck_k1_secret", "Bearer  ck_k1_secret", "BEARER ck_k1_secret "}) {
        BOOST_TEST_CONTEXT(h) {
            auto r = get(path);
            r.headers["authorization"] = h;
            auto key = parse_stream_request(r).api_key;
            BOOST_REQUIRE(key.has_value());
            BOOST_TEST(key->key_id == "k1");
            BOOST_TEST(key->secret == "secret");
        }
    }
    auto quoted = get(path);
    quoted.headers["authorization"] = "Bearer ck_k1_se'cret";
    BOOST_CHECK_EXCEPTION(parse_stream_request(quoted), chat::http::Error,
                          [](const auto& e) { return e.status() == 401; });
}

BOOST_AUTO_TEST_CASE(query_over_2048_bytes_is_414) {
    std::string path = std::string("/api/v1/turns/") + kId + "/stream";
    auto at_limit = get(path, "token=" + std::string(2048 - 6, 'a'));
    BOOST_TEST(parse_stream_request(at_limit).token->size() == 2042u);
    auto over = get(path, "token=" + std::string(2048 - 5, 'a'));
    BOOST_CHECK_EXCEPTION(parse_stream_request(over), chat::http::Error,
                          [](const auto& e) { return e.status() == 414; });
}

BOOST_AUTO_TEST_CASE(request_validation) {
    std::string path = std::string("/api/v1/turns/") + kId + "/stream";
    auto r = get(path, "token=123.abc&after=7");
    auto s = parse_stream_request(r);
    BOOST_TEST(*s.token == "123.abc");
    BOOST_TEST(*s.cursor == 7);
    r.headers["last-event-id"] = "9";
    BOOST_TEST(*parse_stream_request(r).cursor == 9);  // the header wins

    auto anonymous = get(path);
    BOOST_CHECK_EXCEPTION(parse_stream_request(anonymous), chat::http::Error,
                          [](const auto& e) { return e.status() == 401; });
    auto bad = get("/api/v1/turns/123/stream", "token=x");
    BOOST_CHECK_EXCEPTION(parse_stream_request(bad), chat::http::Error,
                          [](const auto& e) { return e.status() == 404; });
    auto post = get(path, "token=x");
    post.method = "POST";
    BOOST_CHECK_EXCEPTION(parse_stream_request(post), chat::http::Error,
                          [](const auto& e) { return e.status() == 405; });
    auto keyed = get(path);
    keyed.headers["authorization"] = "Bearer ck_k1_secret";
    BOOST_TEST(parse_stream_request(keyed).api_key->key_id == "k1");
}

BOOST_AUTO_TEST_CASE(event_formats) {
    std::string out;
    append_stream_preamble(out, 1000);
    append_token_event(out, 5, "hi");
    append_reset_event(out, 2);
    append_heartbeat_event(out, 7);
    append_error_event(out, "c", "m", true);
    BOOST_TEST(out.substr(0, 13) == "retry: 1000\n\n");
    auto ev = test::parse_sse(out);
    BOOST_REQUIRE(ev.size() == 4u);
    BOOST_TEST(ev[0].id == "5");
    BOOST_TEST(ev[0].data == R"({"seq":5,"text":"hi"})");
    BOOST_TEST(ev[1].data == R"({"attempt":2})");
    BOOST_TEST(ev[2].data == R"({"elapsed_s":7})");
    BOOST_TEST(ev[3].data == R"({"code":"c","message":"m","retryable":true})");
}

// A token's text is any bytes: each needing an escape gets one, the runs between go as they are,
// and the event is one data line whatever the text holds.
BOOST_AUTO_TEST_CASE(token_event_escapes_its_text_in_one_data_line) {
    std::string out;
    append_token_event(out, 1000042, std::string("a\"b\\c\nd\re\tf\x01g\x1f\xc3\xa9h\0", 18));
    BOOST_TEST(out == "id: 1000042\nevent: token\ndata: {\"seq\":1000042,\"text\":"
                      "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f\xc3\xa9h\\u0000\"}\n\n");
    std::string plain;
    append_token_event(plain, 7, "");
    BOOST_TEST(plain == "id: 7\nevent: token\ndata: {\"seq\":7,\"text\":\"\"}\n\n");
}

BOOST_AUTO_TEST_CASE(done_from_published_json_drops_status) {
    std::string out;
    append_done_event_from_json(
        out,
        R"({"message_id":null,"usage":{"a":1},"finish_reason":"cancelled","status":"cancelled"})");
    auto ev = test::parse_sse(out);
    BOOST_REQUIRE(ev.size() == 1u);
    BOOST_TEST(ev[0].data == R"({"message_id":null,"usage":{"a":1},"finish_reason":"cancelled"})");
    out.clear();
    append_error_event_from_json(out, std::string("not json"));
    BOOST_TEST(test::parse_sse(out)[0].data.find("\"retryable\":false") != std::string::npos);
}
