#include <boost/test/unit_test.hpp>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include "workers/backends/upstream_error.h"

using namespace chat::backends;

BOOST_AUTO_TEST_SUITE(upstream_error)

BOOST_AUTO_TEST_CASE(http_statuses_map_to_codes_and_retryability) {
    auto e = from_http_status(429, R"({"error":{"message":"slow down","type":"rate_limit"}})", "3");
    BOOST_TEST(e.code == "rate_limited");
    BOOST_TEST(e.retryable);
    BOOST_TEST(e.retry_after_ms == 3000);
    BOOST_TEST(e.message.find("slow down") != std::string::npos);
    for (int s : {500, 502, 503, 529}) {
        BOOST_TEST(from_http_status(s, "", "").code == "upstream_unavailable");
        BOOST_TEST(from_http_status(s, "", "").retryable);
    }
    for (int s : {400, 401, 403, 404, 422}) {
        BOOST_TEST(from_http_status(s, "", "").code == "bad_request");
        BOOST_TEST(!from_http_status(s, "", "").retryable);
    }
}

BOOST_AUTO_TEST_CASE(in_stream_error_types_map_like_statuses) {
    BOOST_TEST(from_error_type("overloaded_error", 0, "m").code == "upstream_unavailable");
    BOOST_TEST(from_error_type("overloaded_error", 0, "m").retryable);
    BOOST_TEST(from_error_type("invalid_request_error", 0, "m").code == "bad_request");
    BOOST_TEST(!from_error_type("invalid_request_error", 0, "m").retryable);
    BOOST_TEST(from_error_type("rate_limit_error", 0, "m").code == "rate_limited");
    BOOST_TEST(from_error_type("", 503, "m").code == "upstream_unavailable");
    BOOST_TEST(from_error_type("", 400, "m").code == "bad_request");
    BOOST_TEST(from_error_type("mystery", 0, "m").retryable);
}

BOOST_AUTO_TEST_CASE(retry_after_accepts_seconds_and_dates) {
    BOOST_TEST(parse_retry_after_ms("") == 0);
    BOOST_TEST(parse_retry_after_ms(" 2 ") == 2000);
    BOOST_TEST(parse_retry_after_ms("0.5") == 500);
    BOOST_TEST(parse_retry_after_ms("garbage") == 0);
    BOOST_TEST(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT") == 0);  // in the past
    Poco::Timestamp in_a_minute;
    in_a_minute += Poco::Timespan(60, 0);
    long ms = parse_retry_after_ms(
        Poco::DateTimeFormatter::format(in_a_minute, Poco::DateTimeFormat::HTTP_FORMAT));
    BOOST_TEST(ms > 55'000);
    BOOST_TEST(ms <= 60'000);
}

BOOST_AUTO_TEST_SUITE_END()
