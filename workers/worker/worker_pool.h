// One worker process: `concurrency` runner threads share the queue; a keeper thread renews
// leases, requeues expired turns and reports liveness; the calling thread listens on ZeroMQ
// for wake-ups and cancels. Threads: construct and call run() from one thread; stop() from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "workers/worker/turn_runner.h"

namespace chat::worker {

struct PoolOptions {
    std::string db_url;
    std::string broker_pub;
    std::string broker_sub;
    std::string worker_id;  // unique per process: host/pid/random
    int concurrency = 16;   // CHAT_WORKER_CONCURRENCY
    double lease_s = 10;    // CHAT_WORKER_LEASE_S
    long poll_ms = 1000;    // safety-net poll when no wake-up arrives
    long grace_ms = 20000;  // CHAT_WORKER_GRACE_S: in-flight turns may finish this long
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
    void keeper_loop();
    void wake_one();
    void handle_message(const std::vector<zmq::message_t>& frames);
    std::vector<std::string> running_ids();

    PoolOptions opts_;
    TurnPlanner planner_;
    zmq::context_t ctx_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> aborting_{false};

    std::mutex mu_;  // guards everything below
    std::condition_variable idle_cv_;
    long wakeups_ = 0;
    std::map<std::string, std::shared_ptr<TurnControl>> running_;
    std::condition_variable keeper_cv_;

    std::vector<std::thread> runners_;
    std::thread keeper_;
};

}  // namespace chat::worker
