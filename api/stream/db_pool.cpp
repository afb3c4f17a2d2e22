#include "api/stream/db_pool.h"

#include "api/stream/stream_store.h"
#include "common/log.h"

namespace chat::stream {

DbPool::DbPool(std::string db_url, int threads, Mailbox<SnapshotResult>& results)
    : db_url_(std::move(db_url)), results_(results) {
    for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { run(); });
}

DbPool::~DbPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
}

void DbPool::post(SnapshotJob job) {
    {
        std::lock_guard lock(mu_);
        jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
}

std::optional<SnapshotJob> DbPool::next_job() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return std::nullopt;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    return job;
}

void DbPool::run() {
    StreamStore store(db_url_);
    while (auto job = next_job()) {
        SnapshotResult r{job->job_id, job->after, std::nullopt};
        try {
            r.snapshot = store.snapshot(job->turn_id, job->after);
        } catch (const std::exception& e) {
            log::warn(std::string("snapshot read failed: ") + e.what());
        }
        results_.push(std::move(r));
    }
}

}  // namespace chat::stream
