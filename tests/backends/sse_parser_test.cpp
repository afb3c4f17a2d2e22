#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "workers/backends/sse_parser.h"

using chat::backends::SseEvent;
using chat::backends::SseParser;

namespace {

std::vector<SseEvent> parse_all(const std::vector<std::string>& pieces, SseParser& parser) {
    std::vector<SseEvent> events;
    for (const auto& piece : pieces) {
        auto status = parser.feed(piece, [&](const SseEvent& e) {
            events.push_back(e);
            return true;
        });
        BOOST_REQUIRE((status == SseParser::Status::Continue));
    }
    return events;
}

std::vector<SseEvent> parse_all(const std::vector<std::string>& pieces) {
    SseParser parser;
    return parse_all(pieces, parser);
}

const std::string kStream =
    ": keep-alive\r\n"
    "event: message_start\r\n"
    "id: 7\r\n"
    "data: {\"a\":1}\r\n"
    "\r\n"
    "data: line one\n"
    "data: line two\n"
    "\n"
    "event: ping\r"
    "data:nospace\r"
    "\r"
    "data: [DONE]\n\n";

void check_stream_events(const std::vector<SseEvent>& ev) {
    BOOST_REQUIRE_EQUAL(ev.size(), 4u);
    BOOST_TEST(ev[0].event == "message_start");
    BOOST_TEST(ev[0].id == "7");
    BOOST_TEST(ev[0].data == "{\"a\":1}");
    BOOST_TEST(ev[1].event == "");
    BOOST_TEST(ev[1].id == "7");  // the last event id persists
    BOOST_TEST(ev[1].data == "line one\nline two");
    BOOST_TEST(ev[2].event == "ping");
    BOOST_TEST(ev[2].data == "nospace");
    BOOST_TEST(ev[3].data == "[DONE]");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sse_parser)

BOOST_AUTO_TEST_CASE(parses_whole_stream_with_mixed_line_endings) {
    check_stream_events(parse_all({kStream}));
}

BOOST_AUTO_TEST_CASE(every_two_way_split_gives_the_same_events) {
    for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
        BOOST_TEST_CONTEXT("cut at " << cut) {
            check_stream_events(parse_all({kStream.substr(0, cut), kStream.substr(cut)}));
        }
    }
}

BOOST_AUTO_TEST_CASE(byte_by_byte_feed_gives_the_same_events) {
    std::vector<std::string> bytes;
    for (char c : kStream) bytes.emplace_back(1, c);
    check_stream_events(parse_all(bytes));
}

BOOST_AUTO_TEST_CASE(crlf_split_between_reads_is_one_line_end) {
    auto ev = parse_all({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
    BOOST_REQUIRE_EQUAL(ev.size(), 1u);
    BOOST_TEST(ev[0].data == "a\nb");
}

BOOST_AUTO_TEST_CASE(comments_only_and_data_less_events_dispatch_nothing) {
    auto ev = parse_all({": ping\n\n: ping\n\nevent: x\n\nid: 3\n\n"});
    BOOST_TEST(ev.empty());
}

BOOST_AUTO_TEST_CASE(empty_data_line_dispatches_empty_event) {
    auto ev = parse_all({"data\n\ndata:\n\n"});
    BOOST_REQUIRE_EQUAL(ev.size(), 2u);
    BOOST_TEST(ev[0].data == "");
    BOOST_TEST(ev[1].data == "");
}

BOOST_AUTO_TEST_CASE(only_one_leading_space_is_stripped) {
    auto ev = parse_all({"data:  two spaces \n\n"});
    BOOST_REQUIRE_EQUAL(ev.size(), 1u);
    BOOST_TEST(ev[0].data == " two spaces ");
}

BOOST_AUTO_TEST_CASE(leading_bom_is_skipped_even_when_split) {
    auto ev = parse_all({"\xEF", "\xBB",
                         "\xBF"
                         "data: x\n\n"});
    BOOST_REQUIRE_EQUAL(ev.size(), 1u);
    BOOST_TEST(ev[0].data == "x");
}

BOOST_AUTO_TEST_CASE(unterminated_event_is_partial_not_dispatched) {
    SseParser parser;
    auto ev = parse_all({"data: complete\n\ndata: {\"cut\":"}, parser);
    BOOST_REQUIRE_EQUAL(ev.size(), 1u);
    BOOST_TEST(parser.has_partial_event());
    SseParser clean;
    parse_all({"data: complete\n\n"}, clean);
    BOOST_TEST(!clean.has_partial_event());
    SseParser line_done_event_open;
    parse_all({"data: x\n"}, line_done_event_open);
    BOOST_TEST(line_done_event_open.has_partial_event());
}

BOOST_AUTO_TEST_CASE(handler_returning_false_stops_the_feed) {
    SseParser parser;
    int seen = 0;
    auto status = parser.feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) {
        ++seen;
        return false;
    });
    BOOST_TEST((status == SseParser::Status::Stopped));
    BOOST_TEST(seen == 1);
}

BOOST_AUTO_TEST_CASE(oversized_line_is_reported_not_buffered_forever) {
    SseParser parser(1024);
    std::string big = "data: " + std::string(2000, 'x');
    auto status = parser.feed(big, [](const SseEvent&) { return true; });
    BOOST_TEST((status == SseParser::Status::TooLarge));
}

BOOST_AUTO_TEST_SUITE_END()
