#include "workers/worker/worker_pool.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "common/db.h"
#include "common/log.h"
#include "common/wire.h"
#include "workers/worker/wake_shards.h"

namespace chat::worker {
namespace {

using namespace std::chrono_literals;

const std::string kWorkerSeen = "SELECT worker_seen($1, $2, $3, $4, $5, $6)";
const std::string kLiveWorkers = "SELECT live_workers($1)";

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
        int want = claim_want_ = idle_;
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
        ++claims_;
        if (got.empty()) ++empty_claims_;
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
    TurnRunner runner(q, finisher_, pub, planner_, opts_.runner);
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
            if (!final_round) update_wake_shards(*conn);
        } catch (const db::Error& e) {
            log::warn(std::string("keeper: database error: ") + e.what());
            if (e.connection_lost()) conn.reset();
        }
        if (final_round) return;
        std::unique_lock lock(mu_);
        keeper_cv_.wait_for(lock, stopping_ ? std::chrono::milliseconds(200) : period);
    }
}

void WorkerPool::update_wake_shards(db::Connection& conn) {
    // Two keeper rounds unseen and a worker counts as gone: its shards pass to the others.
    double within_s = opts_.lease_s * 2 / 3;
    auto r = conn.exec(kLiveWorkers, {std::to_string(within_s)});
    std::vector<std::string> live;
    for (int i = 0; i < r.rows(); ++i) live.push_back(r.str(i, 0));
    auto owned = owned_wake_shards(opts_.worker_id, live);
    bool others = std::any_of(live.begin(), live.end(),
                              [&](const std::string& id) { return id != opts_.worker_id; });
    std::lock_guard lock(mu_);
    others_live_ = others;
    if (owned == wake_shards_ && wake_shards_version_ > 0) return;
    wake_shards_ = std::move(owned);
    ++wake_shards_version_;
}

WorkerPool::Heard WorkerPool::handle_message(const std::vector<zmq::message_t>& frames) {
    if (frames.size() != 1) return Heard::Other;
    auto topic = frames[0].to_string_view();
    if (topic == wire::kWakeTopic) return Heard::Wake;
    if (topic.substr(0, wire::kWakeShardPrefix.size()) == wire::kWakeShardPrefix)
        return Heard::ShardWake;
    if (topic.substr(0, wire::kCancelPrefix.size()) == wire::kCancelPrefix) {
        std::string id(topic.substr(wire::kCancelPrefix.size()));
        std::lock_guard lock(mu_);
        if (auto it = running_.find(id); it != running_.end()) it->second->cancel = true;
    }
    return Heard::Other;
}

void WorkerPool::drain(zmq::socket_t& sub, zmq::socket_t& pub) {
    long wakeups = 0;
    bool shard_wakeup = false;
    for (auto frames = wire::recv_multipart(sub); !frames.empty();
         frames = wire::recv_multipart(sub)) {
        auto heard = handle_message(frames);
        if (heard != Heard::Other) ++wakeups;
        if (heard == Heard::ShardWake) shard_wakeup = true;
    }
    if (wakeups == 0) return;
    // One runner for all the wake-ups drained, and none while a claim is in flight: the
    // claimer sees the newer wake-up count when it returns and hands on (next_turn).
    bool notify = false, pass_on = false;
    {
        std::lock_guard lock(mu_);
        wakeups_ += wakeups;
        notify = !claiming_;
        int spare = idle_ - static_cast<int>(handoff_.size()) - (claiming_ ? claim_want_ : 0);
        pass_on = shard_wakeup && others_live_ && (stopping_ || spare <= 0);
        if (pass_on) ++passed_on_;
    }
    // No runner of this worker is free for the shard's turn: any worker with one may take it.
    if (pass_on) wire::publish_wake(pub);
    if (notify) idle_cv_.notify_one();
}

void WorkerPool::run() {
    log::info("worker " + opts_.worker_id + " starting with concurrency " +
              std::to_string(opts_.concurrency));
    auto sub = wire::make_subscriber(ctx_, opts_.broker_sub);
    auto pub = wire::make_publisher(ctx_, opts_.broker_pub);
    sub.set(zmq::sockopt::subscribe, wire::kWakeTopic);
    sub.set(zmq::sockopt::subscribe, wire::kCancelPrefix);
    WakeSubscriptions shards(sub);
    long shards_version = 0;
    zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
    auto listen = [&](long timeout_ms) {
        zmq::poll(items, 1, std::chrono::milliseconds(timeout_ms));
        if (items[0].revents & ZMQ_POLLIN) drain(sub, pub);
        std::unique_lock lock(mu_);
        if (wake_shards_version_ == shards_version) return;
        shards_version = wake_shards_version_;
        auto owned = wake_shards_;
        lock.unlock();
        shards.hear(owned);
    };
    keeper_ = std::thread([this] { keeper_loop(); });
    for (int i = 0; i < opts_.concurrency; ++i)
        runners_.emplace_back([this, i] { runner_loop(i); });

    while (!stopping_) listen(200);
    // Graceful stop: runners finish their current turn; past the grace period they hand it back.
    log::info("stopping: no new claims; waiting up to " + std::to_string(opts_.grace_ms) + " ms");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.grace_ms);
    while (!running_ids().empty() && std::chrono::steady_clock::now() < deadline) listen(50);
    {
        std::lock_guard lock(mu_);
        for (auto& [id, ctl] : running_) ctl->abort = true;
    }
    for (auto& t : runners_) t.join();
    runners_.clear();
    aborting_ = true;
    keeper_cv_.notify_all();
    keeper_.join();
    auto ends = finisher_.counts();
    log::info("worker stopped after " + std::to_string(claims_) + " claims, " +
              std::to_string(empty_claims_) + " of them empty; " + std::to_string(passed_on_) +
              " wake-ups passed on; " + std::to_string(ends.ends) + " turns ended in " +
              std::to_string(ends.batches) + " writes");
}

}  // namespace chat::worker
