// db::Connection against a real PostgreSQL: what happens when the server closes a connection.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "tests/queue/scratch_db.h"

using chat::db::Connection;
using chat::testing::ScratchDatabase;

namespace {

// Ends the backend of `victim` from another session and waits until it is gone.
void terminate_backend(Connection& admin, int64_t pid) {
    admin.exec("SELECT pg_terminate_backend($1::int)", {std::to_string(pid)});
    for (int i = 0; i < 200; ++i) {
        auto left = admin.exec("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int",
                               {std::to_string(pid)});
        if (left.int64(0, 0) == 0) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    BOOST_FAIL("backend " << pid << " did not end");
}

int64_t backend_pid(Connection& c) {
    return c.exec("SELECT pg_backend_pid()").int64(0, 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(connection)

// A PostgreSQL restart closes every idle connection: the next statement must not be the one
// that finds out (chat-api answered 503 once per thread after a restart).
BOOST_AUTO_TEST_CASE(an_idle_connection_the_server_closed_is_replaced_before_the_next_statement) {
    ScratchDatabase db;
    Connection c(db.url());
    c.exec("SELECT $1::int", {"1"});  // leaves a prepared statement behind
    int64_t old_pid = backend_pid(c);
    terminate_backend(db.conn(), old_pid);

    auto r = c.exec("SELECT $1::int", {"2"});
    BOOST_TEST(r.int64(0, 0) == 2);
    BOOST_TEST(backend_pid(c) != old_pid);
}

// Inside a transaction a reconnect would run the rest outside it: the loss must surface.
BOOST_AUTO_TEST_CASE(a_connection_closed_inside_a_transaction_fails_the_statement) {
    ScratchDatabase db;
    Connection c(db.url());
    c.exec("BEGIN");
    terminate_backend(db.conn(), backend_pid(c));
    try {
        c.exec("SELECT 1");
        BOOST_FAIL("a statement ran on a connection closed mid-transaction");
    } catch (const chat::db::Error& e) {
        BOOST_TEST(e.connection_lost());
    }
    BOOST_TEST(c.exec("SELECT 3").int64(0, 0) == 3);  // and the next one reconnects
}

BOOST_AUTO_TEST_SUITE_END()
