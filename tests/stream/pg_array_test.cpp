// Unit tests of the text[] literal parser used for persisted token chunks.
#include <boost/test/unit_test.hpp>

#include "api/stream/pg_array.h"

using chat::stream::parse_text_array;
using V = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(text_array_plain_and_quoted_elements) {
    BOOST_TEST(*parse_text_array("{}") == V{});
    BOOST_TEST(*parse_text_array("{a,b}") == (V{"a", "b"}));
    BOOST_TEST(*parse_text_array(R"({" a","b c",""})") == (V{" a", "b c", ""}));
    BOOST_TEST(*parse_text_array(R"({"q\"x","b\\s","{,}","NULL"})") ==
               (V{"q\"x", "b\\s", "{,}", "NULL"}));
    BOOST_TEST(*parse_text_array("{\xc3\xa9t\xc3\xa9,\"\n\"}") == (V{"\xc3\xa9t\xc3\xa9", "\n"}));
}

BOOST_AUTO_TEST_CASE(text_array_malformed) {
    BOOST_TEST(!parse_text_array(""));
    BOOST_TEST(!parse_text_array("{a"));
    BOOST_TEST(!parse_text_array("{\"a}"));
    BOOST_TEST(!parse_text_array("{a,NULL}"));
    BOOST_TEST(!parse_text_array("{a}x"));
    BOOST_TEST(!parse_text_array("{a;b}x"));
}
