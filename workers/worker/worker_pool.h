// One worker process: `concurrency` runner threads share the queue; a keeper thread renews
// leases, requeues expired turns and reports liveness; the calling thread listens on ZeroMQ
// for wake-ups and cancels. Threads: construct and call run() from one thread; stop() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "workers/worker/finish_batcher.h"
#include "workers/worker/turn_runner.h"

namespace chat::worker {

struct PoolOptions {
    std::string db_url;
    std::string broker_pub;
    std::string broker_sub;
    std::string worker_id;    // unique per process: host/pid/random
    int concurrency = 16;     // CHAT_WORKER_CONCURRENCY
    double lease_s = 10;      // CHAT_WORKER_LEASE_S
    long poll_ms = 1000;      // safety-net poll when no wake-up arrives
    long grace_ms = 20000;    // CHAT_WORKER_GRACE_S: in-flight turns may finish this long
    int history_limit = 500;  // CHAT_CONTEXT_MAX_MESSAGES: newest messages a prompt may hold
    RunnerOptions runner;
};

class WorkerPool {
  public:
    WorkerPool(PoolOptions opts, TurnPlanner planner);
    ~WorkerPool();

    // Runs until stop(): then stops claiming, lets in-flight turns finish within the grace
    // period, hands the rest back to the queue, and returns.
    void run();
    void stop();

  private:
    void runner_loop(int index);
    // The next turn for an idle runner: handed over by another runner's claim, or claimed by
    // this one for every idle runner at once. nullopt when stopping with nothing handed over.
    std::optional<queue::ClaimedTurn> next_turn(queue::TurnQueue& q);
    bool handoff_empty();
    void run_turn(queue::TurnQueue& q, zmq::socket_t& pub, const queue::ClaimedTurn& turn);
    void keeper_loop();
    // Receives every message waiting on `sub`; handle_message applies a cancel and tells a
    // wake-up, which drain() counts. A shard's wake-up this worker has no runner for goes on
    // to every worker ("q", on `pub`).
    enum class Heard { Other, Wake, ShardWake };
    void drain(zmq::socket_t& sub, zmq::socket_t& pub);
    Heard handle_message(const std::vector<zmq::message_t>& frames);
    // The keeper's view of the fleet: the wake-up shards this worker owns among the live ones.
    void update_wake_shards(db::Connection& conn);
    std::vector<std::string> running_ids();

    PoolOptions opts_;
    TurnPlanner planner_;
    FinishBatcher finisher_;
    zmq::context_t ctx_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> aborting_{false};

    std::mutex mu_;  // guards everything below
    std::condition_variable idle_cv_;
    // Claiming: one runner at a time claims for all idle runners in one statement. It claims
    // again while the last claim came back full, after a wake-up newer than the last claim, or
    // when the safety-net poll is due; an empty queue therefore costs no claims at all.
    long wakeups_ = 0;
    long wakeups_at_claim_ = -1;
    bool claiming_ = false;
    int claim_want_ = 0;  // runners the claim in flight claims for
    bool may_have_more_ = true;
    long claims_ = 0, empty_claims_ = 0, passed_on_ = 0;  // logged at stop
    std::vector<int> wake_shards_;  // owned, set by the keeper; the listener subscribes to them
    long wake_shards_version_ = 0;
    bool others_live_ = true;  // another worker could take a wake-up passed on
    int idle_ = 0;
    std::chrono::steady_clock::time_point next_poll_{};
    std::deque<queue::ClaimedTurn> handoff_;
    std::map<std::string, std::shared_ptr<TurnControl>> running_;
    std::condition_variable keeper_cv_;

    std::vector<std::thread> runners_;
    std::thread keeper_;
};

}  // namespace chat::worker
