// Unit tests of the incremental SSE parser and chunked decoder (api/client), which chat-say and
// every stream test rely on.
#define BOOST_TEST_MODULE sse_client_test
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "api/client/chunked_decoder.h"
#include "api/client/sse_parser.h"

using chat::client::ChunkedDecoder;
using chat::client::SseEvent;
using chat::client::SseParser;

namespace {

std::vector<SseEvent> drain(SseParser& p) {
    std::vector<SseEvent> out;
    while (auto e = p.next()) out.push_back(*e);
    return out;
}

const std::string kStream =
    ": open\n\nretry: 1000\n\nevent: token\nid: 1\ndata: {\"seq\":1,\"text\":\"Hel\"}\n\n"
    "event: token\r\nid: 2\r\ndata: {\"seq\":2,\"text\":\"lo\"}\r\n\r\n"
    "event: done\rdata: line one\rdata: line two\r\r";

}  // namespace

BOOST_AUTO_TEST_CASE(parses_events_with_any_line_ending) {
    SseParser p;
    p.feed(kStream);
    auto events = drain(p);
    BOOST_REQUIRE_EQUAL(events.size(), 3u);
    BOOST_TEST(events[0].event == "token");
    BOOST_TEST(events[0].id == "1");
    BOOST_TEST(events[0].data == "{\"seq\":1,\"text\":\"Hel\"}");
    BOOST_TEST(events[1].id == "2");
    BOOST_TEST(events[2].event == "done");
    BOOST_TEST(events[2].data == "line one\nline two");
    BOOST_TEST(events[2].id == "2");  // the last event id carries over
    BOOST_TEST(p.last_event_id() == "2");
}

BOOST_AUTO_TEST_CASE(same_events_when_fed_one_byte_at_a_time) {
    SseParser whole, bytes;
    whole.feed(kStream);
    for (char c : kStream) bytes.feed(std::string(1, c));
    auto a = drain(whole), b = drain(bytes);
    BOOST_REQUIRE_EQUAL(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        BOOST_TEST(a[i].event == b[i].event);
        BOOST_TEST(a[i].data == b[i].data);
        BOOST_TEST(a[i].id == b[i].id);
    }
}

BOOST_AUTO_TEST_CASE(incomplete_event_is_held_back) {
    SseParser p;
    p.feed("event: token\nid: 7\ndata: x");
    BOOST_TEST(!p.next().has_value());
    p.feed("\n\n");
    auto e = p.next();
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->data == "x");
    BOOST_TEST(e->event == "token");
}

BOOST_AUTO_TEST_CASE(event_without_data_is_not_dispatched) {
    SseParser p;
    p.feed("event: ping\n\ndata\n\n");
    auto events = drain(p);
    BOOST_REQUIRE_EQUAL(events.size(), 1u);
    BOOST_TEST(events[0].event == "message");
    BOOST_TEST(events[0].data == "");
}

BOOST_AUTO_TEST_CASE(chunked_body_decodes_across_splits) {
    const std::string body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
    for (size_t split = 0; split <= body.size(); ++split) {
        ChunkedDecoder d;
        std::string out;
        d.feed(body.substr(0, split), out);
        d.feed(body.substr(split), out);
        BOOST_TEST(out == "hello, world");
        BOOST_TEST(d.finished());
    }
}

BOOST_AUTO_TEST_CASE(malformed_chunk_size_throws) {
    ChunkedDecoder d;
    std::string out;
    BOOST_CHECK_THROW(d.feed("zz\r\n", out), std::runtime_error);
}
