#include "workers/worker/finish_batcher.h"

#include <vector>

#include "common/db.h"

namespace chat::worker {

std::optional<queue::Finished> FinishBatcher::finish(queue::TurnQueue& q,
                                                     const queue::AttemptEnd& end) {
    Waiter me{&end, std::nullopt, nullptr};
    std::unique_lock lock(mu_);
    waiting_.push_back(&me);
    while (!me.done) {
        if (writing_) {
            written_.wait(lock);
            continue;
        }
        writing_ = true;
        std::deque<Waiter*> batch;
        while (!waiting_.empty() && batch.size() < max_batch_) {
            batch.push_back(waiting_.front());
            waiting_.pop_front();
        }
        lock.unlock();
        write(q, batch);
        lock.lock();
        for (Waiter* w : batch) w->done = true;
        ends_ += static_cast<long>(batch.size());
        ++batches_;
        writing_ = false;
        written_.notify_all();
    }
    if (me.error) std::rethrow_exception(me.error);
    return me.result;
}

void FinishBatcher::write(queue::TurnQueue& q, const std::deque<Waiter*>& batch) {
    auto alone = [&q](Waiter* w) {
        try {
            w->result = q.finish(*w->end);
        } catch (...) {
            w->error = std::current_exception();
        }
    };
    if (batch.size() == 1) return alone(batch.front());
    std::vector<const queue::AttemptEnd*> ends;
    for (Waiter* w : batch) ends.push_back(w->end);
    try {
        auto results = q.finish_all(ends);
        for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
    } catch (const db::Error& e) {
        // Nothing of the batch was written. A lost connection is every attempt's to retry;
        // any other error may be one attempt's alone, so each is written on its own.
        if (e.connection_lost()) {
            for (Waiter* w : batch) w->error = std::current_exception();
        } else {
            for (Waiter* w : batch) alone(w);
        }
    } catch (...) {
        for (Waiter* w : batch) w->error = std::current_exception();
    }
}

FinishBatcher::Counts FinishBatcher::counts() {
    std::lock_guard lock(mu_);
    return {ends_, batches_, waiting_.size()};
}

}  // namespace chat::worker
