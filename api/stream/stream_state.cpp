#include "api/stream/stream_state.h"

#include "api/stream/stream_events.h"

namespace chat::stream {

StreamState::StreamState(std::optional<int64_t> cursor) : cursor_(cursor) {}

bool StreamState::needs_read() const {
    if (finished_) return false;
    return !synced_ || resync_ || verify_error_ || !ahead_.empty() || final_.has_value();
}

int64_t StreamState::read_after() const {
    if (synced_) return last_sent_;
    return cursor_ && *cursor_ > 0 ? *cursor_ : 0;
}

void StreamState::on_snapshot(const Snapshot& s, int64_t after, std::string& out) {
    if (finished_) return;
    if (!s.found) {
        append_error_event(out, "not_found", "turn not found", false);
        finished_ = true;
        return;
    }
    if (!synced_) {
        sync_initial(s, out);
    } else if (s.attempt > attempt_) {
        switch_attempt(s.attempt, out);
    }
    // A snapshot older than what the live feed already showed has nothing for this attempt.
    if (s.attempt != attempt_) return;
    // It covers everything persisted after last_sent_ only if it was read from there or before.
    if (after <= last_sent_) resync_ = false;
    apply_tokens(s, out);
    if (finished_) return;
    if (s.finished()) {
        offer_snapshot_final(s, out);
    } else {
        // The error was not final: the turn went back to the queue or is running again.
        verify_error_ = false;
    }
    replay_early(out);
}

void StreamState::replay_early(std::string& out) {
    auto early = std::move(early_);
    early_.clear();
    for (const auto& e : early) on_live(e, out);
}

void StreamState::sync_initial(const Snapshot& s, std::string& out) {
    synced_ = true;
    attempt_ = s.attempt;
    int64_t base = attempt_base(attempt_);
    if (cursor_unservable(s)) {
        append_reset_event(out, attempt_);
        last_sent_ = base;
        resync_ = true;  // cleared by on_snapshot when this snapshot already starts at base
    } else {
        last_sent_ = std::max<int64_t>(cursor_.value_or(0), base);
    }
}

bool StreamState::can_sync_live(const wire::TurnEvent& start) const {
    // start.seq is the attempt's base: its first token is base + 1.
    if (start.seq != attempt_base(start.attempt)) return false;
    if (!cursor_ || *cursor_ == 0) return true;
    return *cursor_ > start.seq && *cursor_ <= start.seq + kSeqPerAttempt;
}

bool StreamState::cursor_unservable(const Snapshot& s) const {
    if (!cursor_ || *cursor_ == 0) return false;
    int64_t n = *cursor_;
    int64_t base = attempt_base(s.attempt);
    if (n < 0 || n <= base || n > base + kSeqPerAttempt) return true;
    // Only a running attempt can have published tokens that are not persisted yet.
    int64_t slack = s.status == "running" ? kMaxUnpersisted : 0;
    return n > s.last_seq + slack;
}

void StreamState::switch_attempt(int attempt, std::string& out) {
    // The client only needs to drop text if it holds some of the older attempt.
    if (last_sent_ > attempt_base(attempt_)) append_reset_event(out, attempt);
    attempt_ = attempt;
    last_sent_ = attempt_base(attempt);
    ahead_.clear();
    final_.reset();
    verify_error_ = false;
}

void StreamState::restart_attempt(std::string& out) {
    append_reset_event(out, attempt_);
    last_sent_ = attempt_base(attempt_);
    ahead_.clear();
    resync_ = true;
}

void StreamState::apply_tokens(const Snapshot& s, std::string& out) {
    for (const auto& t : s.tokens) {
        if (t.seq <= last_sent_) continue;
        if (t.seq != last_sent_ + 1 || finished_) break;
        emit_token(t.seq, t.text, out);
    }
    drain_ahead(out);
}

void StreamState::on_live(const wire::TurnEvent& e, std::string& out) {
    if (finished_) return;
    if (!synced_ && e.kind == wire::Kind::Start && can_sync_live(e)) {
        synced_ = true;
        attempt_ = e.attempt;
        last_sent_ = std::max<int64_t>(cursor_.value_or(0), e.seq);
        replay_early(out);
        return;
    }
    if (!synced_) {
        if (early_.size() < kMaxEarlyEvents)
            early_.push_back(e);
        else
            resync_ = true;  // what was dropped is in PostgreSQL by the time we read again
        return;
    }
    if (e.attempt < attempt_) return;
    if (e.attempt > attempt_) switch_attempt(e.attempt, out);
    switch (e.kind) {
        case wire::Kind::Start:
            break;
        case wire::Kind::Token:
            accept_token(e.seq, e.data, out);
            break;
        case wire::Kind::Done: {
            std::string bytes;
            append_done_event_from_json(bytes, e.data);
            offer_final(e.seq, std::move(bytes), out);
            break;
        }
        case wire::Kind::Error:
            // A retryable failure sends the turn back to the queue: only PostgreSQL can tell.
            verify_error_ = true;
            break;
    }
}

void StreamState::accept_token(int64_t seq, const std::string& text, std::string& out) {
    if (seq <= last_sent_) return;  // duplicate (already replayed or relayed)
    if (seq > attempt_base(attempt_) + kSeqPerAttempt) return;  // not of this attempt
    if (seq == last_sent_ + 1) {
        emit_token(seq, text, out);
        drain_ahead(out);
    } else if (ahead_.size() < kMaxAheadTokens) {
        ahead_.emplace(seq, text);
    }
}

void StreamState::emit_token(int64_t seq, const std::string& text, std::string& out) {
    append_token_event(out, seq, text);
    last_sent_ = seq;
    if (final_ && final_->last_seq == last_sent_) {
        out += final_->bytes;
        final_.reset();
        finished_ = true;
        ahead_.clear();
    }
}

void StreamState::drain_ahead(std::string& out) {
    while (!finished_ && !ahead_.empty() && ahead_.begin()->first <= last_sent_ + 1) {
        auto it = ahead_.begin();
        if (it->first == last_sent_ + 1) emit_token(it->first, it->second, out);
        if (!finished_) ahead_.erase(it);
    }
}

void StreamState::offer_final(int64_t last_seq, std::string bytes, std::string& out) {
    if (last_sent_ == last_seq) {
        out += bytes;
        finished_ = true;
        ahead_.clear();
        final_.reset();
        return;
    }
    if (last_sent_ > last_seq) restart_attempt(out);  // the client's cursor was past the end
    final_ = PendingFinal{last_seq, std::move(bytes)};
    if (last_seq == last_sent_) offer_final(last_seq, std::move(final_->bytes), out);
}

void StreamState::offer_snapshot_final(const Snapshot& s, std::string& out) {
    std::string bytes;
    if (s.status == "failed") {
        append_error_event_from_json(bytes, s.error_json);
    } else {
        std::string fallback = s.status == "cancelled" ? "cancelled" : "stop";
        append_done_event(bytes, s.message_id, s.usage_json, s.finish_reason.value_or(fallback));
    }
    offer_final(s.last_seq, std::move(bytes), out);
}

}  // namespace chat::stream
