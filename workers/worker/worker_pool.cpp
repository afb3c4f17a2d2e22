#include "workers/worker/worker_pool.h"

#include <unistd.h>

#include <chrono>
#include <unordered_map>

#include "common/db.h"
#include "common/log.h"
#include "common/wire.h"

namespace chat::worker {
namespace {

using namespace std::chrono_literals;

const std::string kWorkerSeen = "SELECT worker_seen($1, $2, $3, $4, $5, $6)";

std::string hostname() {
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

// Retries opening a DB connection until it works or the pool stops (PostgreSQL may restart).
std::unique_ptr<db::Connection> connect(const std::string& url, const std::atomic<bool>& stop) {
    while (!stop) {
        try {
            return std::make_unique<db::Connection>(url);
        } catch (const db::Error& e) {
            log::warn(std::string("database unavailable, retrying: ") + e.what());
            std::this_thread::sleep_for(1s);
        }
    }
    return nullptr;
}

}  // namespace

WorkerPool::WorkerPool(PoolOptions opts, TurnPlanner planner)
    : opts_(std::move(opts)), planner_(std::move(planner)), ctx_(1) {}

WorkerPool::~WorkerPool() {
    stop();
    for (auto& t : runners_)
        if (t.joinable()) t.join();
    if (keeper_.joinable()) keeper_.join();
}

void WorkerPool::stop() {
    stopping_ = true;
    idle_cv_.notify_all();
    keeper_cv_.notify_all();
}

std::vector<std::string> WorkerPool::running_ids() {
    std::lock_guard lock(mu_);
    std::vector<std::string> ids;
    for (const auto& [id, ctl] : running_) ids.push_back(id);
    return ids;
}

void WorkerPool::runner_loop(int index) {
    auto pub = wire::make_publisher(ctx_, opts_.broker_pub);
    std::unique_ptr<db::Connection> conn;
    while (!stopping_ || !handoff_empty()) {
        try {
            if (!conn && !(conn = connect(opts_.db_url, stopping_))) break;
            queue::TurnQueue q(*conn, opts_.worker_id, opts_.lease_s, opts_.history_limit);
            auto turn = next_turn(q);
            if (!turn) continue;
            if (stopping_) {
                q.release(*turn);  // claimed for this runner, never started: give it back now
                continue;
            }
            run_turn(q, pub, *turn);
        } catch (const db::Error& e) {
            log::warn("runner " + std::to_string(index) + ": database error: " + e.what());
            if (e.connection_lost()) conn.reset();
            std::this_thread::sleep_for(100ms);
        }
    }
}

bool WorkerPool::handoff_empty() {
    std::lock_guard lock(mu_);
    return handoff_.empty();
}

std::optional<queue::ClaimedTurn> WorkerPool::next_turn(queue::TurnQueue& q) {
    std::unique_lock lock(mu_);
    ++idle_;
    struct Idle {
        int& n;
        ~Idle() { --n; }  // runs while `lock` is still held (declared after it)
    } idle{idle_};
    auto poll = std::chrono::milliseconds(opts_.poll_ms);
    while (true) {
        if (!handoff_.empty()) {
            auto t = std::move(handoff_.front());
            handoff_.pop_front();
            return t;
        }
        if (stopping_) return std::nullopt;
        auto now = std::chrono::steady_clock::now();
        bool due = may_have_more_ || wakeups_ != wakeups_at_claim_ || now >= next_poll_;
        if (claiming_ || !due) {
            idle_cv_.wait_until(lock, claiming_ ? now + poll : next_poll_);
            continue;
        }
        claiming_ = true;
        wakeups_at_claim_ = wakeups_;
        next_poll_ = now + poll;
        int want = idle_;
        lock.unlock();
        std::vector<queue::ClaimedTurn> got;
        try {
            got = q.claim_batch(want);
        } catch (...) {
            lock.lock();
            claiming_ = false;
            idle_cv_.notify_all();
            throw;
        }
        lock.lock();
        claiming_ = false;
        may_have_more_ = static_cast<int>(got.size()) == want;
        for (size_t i = 1; i < got.size(); ++i) {
            handoff_.push_back(std::move(got[i]));
            idle_cv_.notify_one();
        }
        // One more runner claims again if a wake-up came in meanwhile or the queue may hold more.
        if (may_have_more_ || wakeups_ != wakeups_at_claim_) idle_cv_.notify_one();
        if (!got.empty()) return std::move(got.front());
    }
}

void WorkerPool::run_turn(queue::TurnQueue& q, zmq::socket_t& pub, const queue::ClaimedTurn& turn) {
    auto control = std::make_shared<TurnControl>();
    {
        std::lock_guard lock(mu_);
        running_[turn.turn_id] = control;
    }
    struct Unregister {
        WorkerPool& pool;
        const std::string& id;
        ~Unregister() {
            std::lock_guard lock(pool.mu_);
            pool.running_.erase(id);
        }
    } unregister{*this, turn.turn_id};
    TurnRunner runner(q, pub, planner_, opts_.runner);
    runner.run(turn, *control);
}

void WorkerPool::keeper_loop() {
    std::unique_ptr<db::Connection> conn;
    auto host = hostname();
    auto period = std::chrono::milliseconds(static_cast<long>(opts_.lease_s * 1000 / 3));
    while (true) {
        bool final_round = aborting_;  // set once every runner has returned
        try {
            if (!conn && !(conn = connect(opts_.db_url, aborting_))) return;
            queue::TurnQueue q(*conn, opts_.worker_id, opts_.lease_s);
            auto ids = running_ids();
            auto held = q.renew(ids);
            {
                std::unordered_map<std::string, bool> cancel_of;
                for (const auto& h : held) cancel_of.emplace(h.turn_id, h.cancel_requested);
                std::lock_guard lock(mu_);
                // Only the turns that were renewed can be judged: one claimed since the
                // snapshot is missing from `held` but not lost.
                for (const auto& id : ids) {
                    auto ctl = running_.find(id);
                    if (ctl == running_.end()) continue;
                    auto h = cancel_of.find(id);
                    if (h == cancel_of.end())
                        ctl->second->lost = true;
                    else if (h->second)
                        ctl->second->cancel = true;
                }
            }
            q.requeue_expired();
            conn->exec(kWorkerSeen, {opts_.worker_id, host, std::to_string(getpid()),
                                     std::to_string(opts_.concurrency), std::to_string(ids.size()),
                                     final_round ? "true" : "false"});
        } catch (const db::Error& e) {
            log::warn(std::string("keeper: database error: ") + e.what());
            if (e.connection_lost()) conn.reset();
        }
        if (final_round) return;
        std::unique_lock lock(mu_);
        keeper_cv_.wait_for(lock, stopping_ ? std::chrono::milliseconds(200) : period);
    }
}

bool WorkerPool::handle_message(const std::vector<zmq::message_t>& frames) {
    if (frames.size() != 1) return false;
    auto topic = frames[0].to_string_view();
    if (topic == wire::kWakeTopic) {
        return true;  // counted by drain(), under one lock for the whole burst
    } else if (topic.substr(0, wire::kCancelPrefix.size()) == wire::kCancelPrefix) {
        std::string id(topic.substr(wire::kCancelPrefix.size()));
        std::lock_guard lock(mu_);
        if (auto it = running_.find(id); it != running_.end()) it->second->cancel = true;
    }
    return false;
}

void WorkerPool::drain(zmq::socket_t& sub) {
    long wakeups = 0;
    for (auto frames = wire::recv_multipart(sub); !frames.empty();
         frames = wire::recv_multipart(sub))
        wakeups += handle_message(frames) ? 1 : 0;
    if (wakeups == 0) return;
    // One runner for all the wake-ups drained, and none while a claim is in flight: the
    // claimer sees the newer wake-up count when it returns and hands on (next_turn).
    {
        std::lock_guard lock(mu_);
        wakeups_ += wakeups;
        if (claiming_) return;
    }
    idle_cv_.notify_one();
}

void WorkerPool::run() {
    log::info("worker " + opts_.worker_id + " starting with concurrency " +
              std::to_string(opts_.concurrency));
    auto sub = wire::make_subscriber(ctx_, opts_.broker_sub);
    sub.set(zmq::sockopt::subscribe, wire::kWakeTopic);
    sub.set(zmq::sockopt::subscribe, wire::kCancelPrefix);
    keeper_ = std::thread([this] { keeper_loop(); });
    for (int i = 0; i < opts_.concurrency; ++i)
        runners_.emplace_back([this, i] { runner_loop(i); });

    zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
    while (!stopping_) {
        zmq::poll(items, 1, std::chrono::milliseconds(200));
        if (items[0].revents & ZMQ_POLLIN) drain(sub);
    }
    // Graceful stop: runners finish their current turn; past the grace period they hand it back.
    log::info("stopping: no new claims; waiting up to " + std::to_string(opts_.grace_ms) + " ms");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.grace_ms);
    while (!running_ids().empty() && std::chrono::steady_clock::now() < deadline) {
        zmq::poll(items, 1, std::chrono::milliseconds(50));
        if (items[0].revents & ZMQ_POLLIN) drain(sub);
    }
    {
        std::lock_guard lock(mu_);
        for (auto& [id, ctl] : running_) ctl->abort = true;
    }
    for (auto& t : runners_) t.join();
    runners_.clear();
    aborting_ = true;
    keeper_cv_.notify_all();
    keeper_.join();
    log::info("worker stopped");
}

}  // namespace chat::worker
