#include "workers/worker/turn_runner.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <random>
#include <sstream>
#include <thread>

#include "common/log.h"
#include "common/wire.h"

namespace chat::worker {
namespace {

using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string to_json(const Poco::JSON::Object& o) {
    std::ostringstream os;
    o.stringify(os);
    return os.str();
}

std::string error_json(const std::string& code, const std::string& message, bool retryable) {
    Poco::JSON::Object o;
    o.set("code", code);
    o.set("message", message);
    o.set("retryable", retryable);
    return to_json(o);
}

// Per-attempt state of the token stream: what is published, what is persisted.
struct Progress {
    int64_t next_seq = 0;
    int64_t pending_from = 0;
    std::vector<std::string> pending;
    std::string text;  // the attempt's whole text: finish_turn stores it as the reply
    std::vector<std::string> unsent;  // given by the generator, not yet published
    size_t unsent_bytes = 0;
    int64_t unsent_from = 0;
    Clock::time_point unsent_since;
    Clock::time_point last_flush = Clock::now();
    Clock::time_point started = Clock::now();
    long first_token_ms = -1;
};

// The attempt's text is in memory and every write is fenced, so a write that found
// PostgreSQL unreachable is tried again instead of giving the turn up to a new attempt.
template <class Write>
auto through_outage(long outage_ms, const TurnControl& control, Write write) -> decltype(write()) {
    auto give_up = Clock::now() + std::chrono::milliseconds(outage_ms);
    auto wait = std::chrono::milliseconds(50);
    while (true) {
        try {
            return write();
        } catch (const db::Error& e) {
            if (!e.connection_lost() || control.abort || Clock::now() + wait > give_up) throw;
            log::warn(std::string("database unavailable, writing again: ") + e.what());
        }
        std::this_thread::sleep_for(wait);
        wait = std::min(wait * 2, std::chrono::milliseconds(500));
    }
}

}  // namespace

long backoff_ms(int attempt, long base_ms, long max_ms, long upstream_hint_ms) {
    long d = base_ms << std::min(std::max(attempt - 1, 0), 16);
    d = std::min(d, max_ms);
    thread_local std::mt19937 rng(std::random_device{}());
    d = std::uniform_int_distribution<long>(d / 2, d + d / 2)(rng);
    return std::max(d, upstream_hint_ms);
}

void TurnRunner::run(const queue::ClaimedTurn& turn, TurnControl& control) {
    Progress pr;
    pr.next_seq = pr.pending_from = pr.unsent_from = turn.seq_base + 1;
    bool cancel_seen = false;
    bool past_deadline = false;
    auto deadline =
        pr.started + std::chrono::milliseconds(static_cast<long>(turn.deadline_in_s * 1000));

    auto flush = [&]() -> bool {
        auto res = through_outage(opts_.db_outage_ms, control,
                                  [&] { return q_.persist(turn, pr.pending_from, pr.pending); });
        pr.pending_from = pr.next_seq;
        pr.pending.clear();
        pr.last_flush = Clock::now();
        if (!res.held) control.lost = true;
        if (res.cancel_requested) cancel_seen = true;
        return res.held && !res.cancel_requested;
    };
    // The attempt's start goes out with its first tokens, or alone before the generator first
    // waits: a reply that comes at once costs one message less.
    bool start_sent = false;
    auto publish_unsent = [&] {
        if (!start_sent)
            wire::publish_start(pub_, turn.turn_id, turn.attempt, turn.seq_base, pr.unsent);
        else
            wire::publish_tokens(pub_, turn.turn_id, turn.attempt, pr.unsent_from, pr.unsent);
        start_sent = true;
        pr.unsent_from = pr.next_seq;
        pr.unsent.clear();
        pr.unsent_bytes = 0;
    };
    auto on_token = [&](std::string_view token) -> bool {
        if (control.lost || control.abort || control.cancel) return false;
        if (turn.deadline_in_s > 0 && Clock::now() > deadline) {
            past_deadline = true;
            return false;
        }
        if (pr.first_token_ms < 0) pr.first_token_ms = ms_since(pr.started);
        auto now = Clock::now();
        if (pr.unsent.empty()) pr.unsent_since = now;
        pr.unsent.emplace_back(token);
        pr.unsent_bytes += token.size();
        pr.pending.emplace_back(token);
        pr.text += token;
        ++pr.next_seq;
        if (pr.unsent.size() >= opts_.message_tokens || pr.unsent_bytes >= opts_.message_bytes ||
            now - pr.unsent_since >= std::chrono::microseconds(opts_.message_us))
            publish_unsent();
        if (pr.pending.size() >= opts_.batch_tokens ||
            now - pr.last_flush >= std::chrono::milliseconds(opts_.batch_ms))
            return flush();
        return true;
    };

    gen::Result result;
    std::string context_json;
    try {
        auto plan = planner_(turn);
        context_json = plan.context_json;
        result = plan.generator->generate(plan.prompt, gen::TokenSink(on_token, publish_unsent));
    } catch (const db::Error&) {
        throw;  // the pool reconnects; the lease expires and another attempt finishes the turn
    } catch (const std::exception& e) {
        result.outcome = gen::Outcome::Failed;
        result.error_code = "internal_error";
        result.error_message = e.what();
    }
    if (control.lost) {
        log::warn("lost the lease of turn " + turn.turn_id + "; stopped without writing");
        return;
    }
    publish_unsent();
    if (control.abort && !control.cancel && !cancel_seen) {
        q_.release(turn);
        return;
    }

    Poco::JSON::Object usage;
    usage.set("input_tokens", result.usage.input_tokens);
    usage.set("output_tokens", static_cast<int64_t>(pr.next_seq - turn.seq_base - 1));
    usage.set("model", result.usage.model.empty() ? turn.model : result.usage.model);
    usage.set("estimated", result.usage.estimated);
    usage.set("ttft_ms", pr.first_token_ms);
    usage.set("total_ms", ms_since(pr.started));
    std::string usage_json = to_json(usage);
    int64_t last_seq = pr.next_seq - 1;

    std::string status = "done",
                reason = result.finish_reason.empty() ? "stop" : result.finish_reason;
    std::string err;
    if (past_deadline) {
        result.outcome = gen::Outcome::Failed;
        result.error_code = "deadline_exceeded";
        result.error_message = "the turn did not finish before its deadline";
        result.retryable = false;
    }
    if (control.cancel || cancel_seen || result.outcome == gen::Outcome::Cancelled) {
        status = "cancelled";
        reason = "cancelled";
    } else if (result.outcome == gen::Outcome::Failed || past_deadline) {
        err = error_json(result.error_code, result.error_message, result.retryable);
        if (result.retryable) {
            long delay = backoff_ms(turn.attempt, opts_.retry_base_ms, opts_.retry_max_ms,
                                    result.retry_after_ms);
            auto st = through_outage(opts_.db_outage_ms, control,
                                     [&] { return q_.retry(turn, err, delay); });
            if (st == "failed") {
                wire::publish(pub_, {turn.turn_id, wire::Kind::Error, turn.attempt, last_seq,
                                     error_json(result.error_code, result.error_message, false)});
            }
            return;
        }
        status = "failed";
        reason = "error";
    }
    queue::AttemptEnd end{
        turn.turn_id, turn.attempt, pr.pending_from, std::move(pr.pending), status, reason,
        usage_json,   err,          context_json,    std::move(pr.text)};
    auto fin =
        through_outage(opts_.db_outage_ms, control, [&] { return finisher_.finish(q_, end); });
    if (!fin) return;  // fenced out: another attempt owns the turn now
    if (status == "failed") {
        wire::publish(pub_, {turn.turn_id, wire::Kind::Error, turn.attempt, last_seq, err});
        return;
    }
    Poco::JSON::Object done;
    done.set("status", status);
    done.set("finish_reason", reason);
    if (fin->message_id)
        done.set("message_id", *fin->message_id);
    else
        done.set("message_id", Poco::Dynamic::Var());
    Poco::JSON::Parser parser;
    done.set("usage", parser.parse(usage_json));
    wire::publish(pub_, {turn.turn_id, wire::Kind::Done, turn.attempt, last_seq, to_json(done)});
}

}  // namespace chat::worker
