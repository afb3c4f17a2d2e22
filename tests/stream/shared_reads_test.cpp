// Unit tests of SharedReads: which streams may share one snapshot read.
#include <boost/test/unit_test.hpp>

#include "api/stream/shared_reads.h"

using chat::stream::SharedReads;
using Clock = SharedReads::Clock;

BOOST_AUTO_TEST_CASE(streams_of_one_turn_share_a_read_that_covers_them) {
    SharedReads reads;
    auto t0 = Clock::now();
    auto t1 = t0 + std::chrono::milliseconds(1);
    uint64_t job = reads.join_or_start("turn", 5, t0, 1, t1);
    BOOST_TEST(job != 0u);
    BOOST_TEST(reads.join_or_start("turn", 7, t0, 2, t1) == 0u);   // after 5 covers after 7
    BOOST_TEST(reads.join_or_start("other", 7, t0, 3, t1) != 0u);  // another turn
    uint64_t lower = reads.join_or_start("turn", 3, t0, 4, t1);    // needs tokens 4..5 too
    BOOST_TEST(lower != 0u);
    BOOST_TEST(reads.join_or_start("turn", 3, t0, 5, t1) == 0u);  // joins the newest (after 3)
    auto r = reads.finish(job);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->streams == (std::vector<uint64_t>{1, 2}));
    auto r2 = reads.finish(lower);
    BOOST_TEST(r2->streams == (std::vector<uint64_t>{4, 5}));
    BOOST_TEST(!reads.finish(lower).has_value());
    BOOST_TEST(reads.in_flight() == 1u);
}

BOOST_AUTO_TEST_CASE(a_read_posted_before_the_stream_subscribed_is_not_shared) {
    SharedReads reads;
    auto t0 = Clock::now();
    uint64_t job = reads.join_or_start("turn", 0, t0, 1, t0);
    auto later = t0 + std::chrono::milliseconds(5);
    uint64_t own = reads.join_or_start("turn", 0, later, 2, later);
    BOOST_TEST(own != 0u);
    BOOST_TEST(own != job);
    // Only the newest read takes joiners: once it finished, a new read starts.
    reads.finish(own);
    BOOST_TEST(reads.join_or_start("turn", 0, t0, 3, later) != 0u);
    BOOST_TEST(reads.finish(job)->streams == (std::vector<uint64_t>{1}));
}
