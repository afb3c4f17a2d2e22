// A scratch database with `n` queued turns, all claimed in one batch by owner "w": where the
// tests of ending several attempts at once start.
#pragma once

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "queue/turn_queue.h"
#include "tests/queue/scratch_db.h"

namespace chat::testing {

struct ClaimedTurns {
    ScratchDatabase db;
    std::vector<std::string> ids;
    queue::TurnQueue q{db.conn(), "w", 30};
    std::vector<queue::ClaimedTurn> t;

    explicit ClaimedTurns(int n) : ids(db.enqueue_turns(n)), t(q.claim_batch(n)) {
        BOOST_REQUIRE_EQUAL(t.size(), static_cast<size_t>(n));
    }
};

}  // namespace chat::testing
