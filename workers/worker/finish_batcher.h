// Ends the attempts of a worker's runners together (group commit): a runner whose turn ends
// writes at once when no end is being written; those that end meanwhile wait and go in the
// next statement, written by the first of them on its own connection. Runners claimed together
// finish together, so under load one statement ends several turns; alone, a runner waits for
// nothing. Shared by the runner threads of one WorkerPool (one owner).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>

#include "queue/turn_queue.h"

namespace chat::worker {

class FinishBatcher {
  public:
    explicit FinishBatcher(size_t max_batch = 32) : max_batch_(max_batch) {}

    // TurnQueue::finish, through `q` if this runner writes the batch. Throws what that
    // statement threw for this attempt (db::Error); an attempt in a batch that failed for
    // another attempt's sake is written again on its own.
    std::optional<queue::Finished> finish(queue::TurnQueue& q, const queue::AttemptEnd& end);

    struct Counts {
        long ends = 0;       // attempts ended through finish()
        long batches = 0;    // the writes that carried them, one statement each unless one failed
        size_t waiting = 0;  // attempts waiting for the write in flight
    };
    Counts counts();

  private:
    struct Waiter {
        const queue::AttemptEnd* end;
        std::optional<queue::Finished> result;
        std::exception_ptr error;
        bool done = false;
    };
    // Writes `batch` (no lock held); every waiter gets its result or its error.
    void write(queue::TurnQueue& q, const std::deque<Waiter*>& batch);

    const size_t max_batch_;
    std::mutex mu_;
    std::condition_variable written_;
    std::deque<Waiter*> waiting_;
    bool writing_ = false;
    long ends_ = 0, batches_ = 0;
};

}  // namespace chat::worker
