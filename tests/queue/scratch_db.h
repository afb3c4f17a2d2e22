// A throwaway database on the test cluster (CHAT_DB_URL), migrated from sql/, dropped at the end.
// Queue tests use it so the running stack's workers never see their turns.
#pragma once

#include <memory>
#include <string>

#include "common/db.h"

namespace chat::testing {

class ScratchDatabase {
  public:
    ScratchDatabase();  // fails the test run (throws) when CHAT_DB_URL is not set
    ~ScratchDatabase();
    const std::string& url() const { return url_; }
    db::Connection& conn() { return *conn_; }

    // Inserts a user and `n` conversations with one queued turn each; returns the turn ids.
    std::vector<std::string> enqueue_turns(int n, const std::string& content = "hello queue");
    // Waits up to 10 s until `n` sessions of this database wait on a lock; false if none did.
    bool await_lock_waiters(int n);

  private:
    std::string admin_url_;
    std::string name_;
    std::string url_;
    std::unique_ptr<db::Connection> conn_;
};

}  // namespace chat::testing
