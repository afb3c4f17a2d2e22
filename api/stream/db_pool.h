// A few threads, each with its own PostgreSQL connection, that read stream snapshots for the
// hub so that no database round trip ever blocks the hub's event loop. Results go back through
// the hub's Mailbox. post() is thread-safe; the destructor stops and joins the threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/stream/mailbox.h"
#include "api/stream/snapshot.h"

namespace chat::stream {

struct SnapshotJob {
    uint64_t job_id = 0;
    std::string turn_id;
    int64_t after = 0;
};

struct SnapshotResult {
    uint64_t job_id = 0;
    int64_t after = 0;
    std::optional<Snapshot> snapshot;  // nullopt: the read failed (logged); try again later
};

class DbPool {
  public:
    DbPool(std::string db_url, int threads, Mailbox<SnapshotResult>& results);
    DbPool(const DbPool&) = delete;
    DbPool& operator=(const DbPool&) = delete;
    ~DbPool();

    void post(SnapshotJob job);

  private:
    void run();
    std::optional<SnapshotJob> next_job();

    std::string db_url_;
    Mailbox<SnapshotResult>& results_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<SnapshotJob> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace chat::stream
