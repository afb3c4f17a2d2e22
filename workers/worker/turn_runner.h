// Runs one claimed turn: generates, publishes tokens as the generator gives them (those given
// between two of its waits as one message), persists tokens in batches (fenced by attempt), and
// ends the attempt as done, cancelled, retried or failed.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <zmq.hpp>

#include "queue/turn_queue.h"
#include "workers/generator.h"
#include "workers/worker/finish_batcher.h"
#include "workers/worker/turn_planner.h"

namespace chat::worker {

// Flags another thread sets on a running turn (cancel from the API, lost lease, shutdown).
struct TurnControl {
    std::atomic<bool> cancel{false};
    std::atomic<bool> lost{false};
    std::atomic<bool> abort{false};  // worker shutting down: hand the turn back to the queue
};

struct RunnerOptions {
    // Persisted tokens serve reconnects to a stream handler that did not see them live (every
    // handler keeps the recent live events of each turn) and GET /turns/{id}.
    size_t batch_tokens = 256;  // persist after this many tokens ...
    long batch_ms = 100;        // ... or this long after the last persist
    // A generator that does not pause between tokens still sends them this often: at most this
    // many tokens, bytes or microseconds wait to go out together.
    size_t message_tokens = 64;
    size_t message_bytes = 16 * 1024;
    long message_us = 2000;
    long retry_base_ms = 500;  // exponential backoff base for retryable failures
    long retry_max_ms = 30000;
    // How long a write is tried again while PostgreSQL is unreachable (a restart): the lease,
    // after which another worker may own the turn and the fence stops this one.
    long db_outage_ms = 10000;
};

class TurnRunner {
  public:
    TurnRunner(queue::TurnQueue& q, FinishBatcher& finisher, zmq::socket_t& pub,
               const TurnPlanner& planner, RunnerOptions opts)
        : q_(q), finisher_(finisher), pub_(pub), planner_(planner), opts_(opts) {}

    void run(const queue::ClaimedTurn& turn, TurnControl& control);

  private:
    queue::TurnQueue& q_;
    FinishBatcher& finisher_;
    zmq::socket_t& pub_;
    const TurnPlanner& planner_;
    RunnerOptions opts_;
};

// Backoff before attempt `attempt + 1`: base * 2^(attempt-1), capped, with +-50% jitter.
long backoff_ms(int attempt, long base_ms, long max_ms, long upstream_hint_ms);

}  // namespace chat::worker
