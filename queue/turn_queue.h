// Data-access layer of the durable turn queue (sql/002_turn_functions.sql, sql/005_worker.sql,
// sql/023_finish_turns.sql, and the later versions of their functions).
// Every write after claim() is fenced by (turn, attempt, owner): a worker that lost its lease
// can no longer write tokens, messages or status. One TurnQueue per thread (it borrows a
// db::Connection, which is single-threaded).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/db.h"
#include "common/prompt_message.h"

namespace chat::queue {

struct ClaimedTurn {
    std::string turn_id;
    int attempt = 0;
    int64_t seq_base = 0;  // the attempt's first token is seq_base + 1
    std::string model;     // requested model ("" = the agent's)
    std::string agent_id;
    std::string user_message_id;
    std::string admin_context;           // the operators' context for every prompt ("" = none)
    std::vector<PromptMessage> history;  // oldest first, up to the message answered
    double deadline_in_s = 0;            // seconds left until the turn's deadline (<= 0: none)
};

struct Persisted {
    bool held = false;  // false: the lease is lost; stop at once and publish nothing more
    bool cancel_requested = false;
};

struct Finished {
    std::string status;
    std::optional<std::string> message_id;
};

// How an attempt ends: status done|cancelled|failed, with its last tokens (written in the same
// transaction) and the context record (what was sent). `body` is the attempt's whole text
// (persisted tokens + `tokens`); nullopt rebuilds it from the token log.
struct AttemptEnd {
    std::string turn_id;
    int attempt = 0;
    int64_t seq_from = 0;  // of the first of `tokens`
    std::vector<std::string> tokens;
    std::string status;
    std::string finish_reason;
    std::string usage_json;  // "" = none, here and below
    std::string error_json;
    std::string context_json;
    std::optional<std::string> body;
};

struct LeaseState {
    std::string turn_id;
    bool cancel_requested = false;
};

class TurnQueue {
  public:
    // history_limit: a claimed prompt holds at most this many of the newest messages.
    TurnQueue(db::Connection& conn, std::string owner, double lease_s, int history_limit = 500)
        : conn_(conn), owner_(std::move(owner)), lease_s_(lease_s), history_limit_(history_limit) {}

    const std::string& owner() const { return owner_; }

    // Claims up to `max` of the most urgent claimable turns in one statement (FOR UPDATE SKIP
    // LOCKED), most urgent first; empty when none is claimable.
    std::vector<ClaimedTurn> claim_batch(int max);
    // Claims the most urgent claimable turn, or nullopt.
    std::optional<ClaimedTurn> claim();

    // Appends tokens seq_from..seq_to (may be empty: then it only renews the lease).
    Persisted persist(const ClaimedTurn& t, int64_t seq_from,
                      const std::vector<std::string>& tokens);

    // Ends an attempt of this owner; nullopt when fenced out. Ending one again as it already
    // ended (a retry after a lost connection) answers as the first time.
    std::optional<Finished> finish(const AttemptEnd& end);
    // Ends several attempts in one statement and one transaction: all or, on error, none of
    // them. The answers are in the order of `ends`.
    std::vector<std::optional<Finished>> finish_all(const std::vector<const AttemptEnd*>& ends);
    // finish() of an attempt claimed here.
    std::optional<Finished> finish(const ClaimedTurn& t, int64_t seq_from,
                                   const std::vector<std::string>& tokens,
                                   const std::string& status, const std::string& finish_reason,
                                   const std::string& usage_json, const std::string& error_json,
                                   const std::string& context_json = "",
                                   const std::optional<std::string>& body = std::nullopt);

    // Gives a retryable failure back to the queue after delay_ms (or dead-letters it).
    // Returns the new status ("queued" or "failed"), nullopt when fenced out.
    std::optional<std::string> retry(const ClaimedTurn& t, const std::string& error_json,
                                     long delay_ms);

    // Hands the turn back at once (worker shutting down). False when fenced out.
    bool release(const ClaimedTurn& t);

    // Renews the leases of all turns this owner runs; returns the ones still held.
    std::vector<LeaseState> renew(const std::vector<std::string>& turn_ids);

    // Requeues or fails turns whose lease expired (any worker's). Returns how many.
    int requeue_expired();

  private:
    db::Connection& conn_;
    std::string owner_;
    double lease_s_;
    int history_limit_;
};

}  // namespace chat::queue
