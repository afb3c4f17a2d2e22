#include "queue/turn_queue.h"

#include <algorithm>

namespace chat::queue {
namespace {

// One row a prompt part of a claimed turn, in no set order (sql/021_claim_prompt_rows.sql).
const std::string kClaim =
    "SELECT turn_id, urgency, attempt, seq_base, model, agent_id, user_message_id, "
    "deadline_in_s, pos, message_id, role, content FROM claim_turn_prompts($1, $2, $3, $4)";
// kClaim's columns, in order.
enum ClaimColumn {
    kTurn,
    kUrgency,
    kAttempt,
    kBase,
    kModel,
    kAgent,
    kUserMessage,
    kDeadline,
    kPos,
    kId,
    kRole,
    kContent
};

const std::string kPersist = "SELECT * FROM persist_tokens($1, $2, $3, $4, $5, $6::text[], $7)";
const std::string kFinish =
    "SELECT status, message_id FROM finish_turn($1, $2, $3, $4, $5, $6::text[], $7, $8, "
    "$9::jsonb, $10::jsonb, $11::jsonb, $12)";
const std::string kFinishAll =
    "SELECT turn_index, status, message_id FROM finish_turns($1, $2::uuid[], $3::integer[], "
    "$4::bigint[], $5::bigint[], $6::integer[], $7::text[], $8::text[], $9::text[], "
    "$10::jsonb[], $11::jsonb[], $12::jsonb[], $13::text[])";
const std::string kRetry = "SELECT retry_turn($1, $2, $3, $4::jsonb, $5)";
const std::string kRelease = "SELECT release_turn($1, $2, $3)";
const std::string kRenew = "SELECT * FROM renew_leases($1, $2::uuid[], $3)";
const std::string kRequeue = "SELECT count(*) FROM requeue_expired()";
db::Param opt_json(const std::string& s) {
    return s.empty() ? db::Param{} : db::Param{s};
}

// The turn's own columns, on each of its rows.
ClaimedTurn turn_of(const db::Result& r, int i) {
    ClaimedTurn t;
    t.turn_id = r.str(i, kTurn);
    t.attempt = static_cast<int>(r.int64(i, kAttempt));
    t.seq_base = r.int64(i, kBase);
    t.model = r.opt(i, kModel).value_or("");
    t.agent_id = r.opt(i, kAgent).value_or("");
    t.user_message_id = r.str(i, kUserMessage);
    if (!r.is_null(i, kDeadline)) t.deadline_in_s = std::stod(r.str(i, kDeadline));
    return t;
}

int64_t last_seq_of(const AttemptEnd& e) {
    return e.seq_from + static_cast<int64_t>(e.tokens.size()) - 1;
}

}  // namespace

std::vector<ClaimedTurn> TurnQueue::claim_batch(int max) {
    if (max < 1) return {};
    auto r = conn_.exec(kClaim, {owner_, std::to_string(lease_s_), std::to_string(max),
                                 std::to_string(history_limit_)});
    struct Claimed {
        int64_t urgency;
        ClaimedTurn turn;
        std::vector<std::pair<int64_t, PromptMessage>> messages;  // by pos, once sorted
    };
    std::vector<Claimed> got;  // a batch is a few turns: a linear search finds a row's turn
    for (int i = 0; i < r.rows(); ++i) {
        auto id = r.text(i, kTurn);
        auto it = std::find_if(got.begin(), got.end(),
                               [&](const Claimed& c) { return c.turn.turn_id == id; });
        if (it == got.end()) it = got.insert(got.end(), {r.int64(i, kUrgency), turn_of(r, i), {}});
        if (r.is_null(i, kRole)) continue;  // a turn with no prompt left
        if (r.is_null(i, kId)) {
            it->turn.admin_context = r.str(i, kContent);
        } else {
            it->messages.emplace_back(
                r.int64(i, kPos),
                PromptMessage{r.str(i, kId), r.str(i, kRole), r.str(i, kContent)});
        }
    }
    std::sort(got.begin(), got.end(),
              [](const Claimed& a, const Claimed& b) { return a.urgency < b.urgency; });
    std::vector<ClaimedTurn> out;
    out.reserve(got.size());
    for (auto& c : got) {
        std::sort(c.messages.begin(), c.messages.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        c.turn.history.reserve(c.messages.size());
        for (auto& m : c.messages) c.turn.history.push_back(std::move(m.second));
        out.push_back(std::move(c.turn));
    }
    return out;
}

std::optional<ClaimedTurn> TurnQueue::claim() {
    auto turns = claim_batch(1);
    if (turns.empty()) return std::nullopt;
    return std::move(turns.front());
}

Persisted TurnQueue::persist(const ClaimedTurn& t, int64_t seq_from,
                             const std::vector<std::string>& tokens) {
    int64_t seq_to = seq_from + static_cast<int64_t>(tokens.size()) - 1;
    auto r = conn_.exec(kPersist,
                        {t.turn_id, std::to_string(t.attempt), owner_, std::to_string(seq_from),
                         std::to_string(seq_to), db::text_array(tokens), std::to_string(lease_s_)});
    if (r.empty()) return {};
    return {true, r.boolean(0, 0)};
}

std::optional<Finished> TurnQueue::finish(const AttemptEnd& e) {
    auto r = conn_.exec(
        kFinish,
        {e.turn_id, std::to_string(e.attempt), owner_, std::to_string(e.seq_from),
         std::to_string(last_seq_of(e)), db::text_array(e.tokens), e.status, e.finish_reason,
         opt_json(e.usage_json), opt_json(e.error_json), opt_json(e.context_json), e.body});
    if (r.empty()) return std::nullopt;
    return Finished{r.str(0, 0), r.opt(0, 1)};
}

std::vector<std::optional<Finished>> TurnQueue::finish_all(
    const std::vector<const AttemptEnd*>& ends) {
    std::vector<std::optional<Finished>> out(ends.size());
    if (ends.empty()) return out;
    std::vector<std::string> turns, attempts, seq_from, seq_to, counts, tokens, status, reasons;
    std::vector<db::Param> usage, errors, contexts, bodies;
    for (const AttemptEnd* e : ends) {
        turns.push_back(e->turn_id);
        attempts.push_back(std::to_string(e->attempt));
        seq_from.push_back(std::to_string(e->seq_from));
        seq_to.push_back(std::to_string(last_seq_of(*e)));
        counts.push_back(std::to_string(e->tokens.size()));
        tokens.insert(tokens.end(), e->tokens.begin(), e->tokens.end());
        status.push_back(e->status);
        reasons.push_back(e->finish_reason);
        usage.push_back(opt_json(e->usage_json));
        errors.push_back(opt_json(e->error_json));
        contexts.push_back(opt_json(e->context_json));
        bodies.push_back(e->body);
    }
    auto r = conn_.exec(
        kFinishAll,
        {owner_, db::text_array(turns), db::text_array(attempts), db::text_array(seq_from),
         db::text_array(seq_to), db::text_array(counts), db::text_array(tokens),
         db::text_array(status), db::text_array(reasons), db::text_array(usage),
         db::text_array(errors), db::text_array(contexts), db::text_array(bodies)});
    for (int i = 0; i < r.rows(); ++i) {
        auto index = r.int64(i, 0) - 1;
        if (index < 0 || index >= static_cast<int64_t>(out.size()))
            throw db::Error("finish_turns answered for an attempt it was not given", "", false);
        out[index] = Finished{r.str(i, 1), r.opt(i, 2)};
    }
    return out;
}

std::optional<Finished> TurnQueue::finish(
    const ClaimedTurn& t, int64_t seq_from, const std::vector<std::string>& tokens,
    const std::string& status, const std::string& finish_reason, const std::string& usage_json,
    const std::string& error_json, const std::string& context_json,
    const std::optional<std::string>& body) {
    return finish(AttemptEnd{t.turn_id, t.attempt, seq_from, tokens, status, finish_reason,
                             usage_json, error_json, context_json, body});
}

std::optional<std::string> TurnQueue::retry(const ClaimedTurn& t, const std::string& error_json,
                                            long delay_ms) {
    auto r = conn_.exec(kRetry, {t.turn_id, std::to_string(t.attempt), owner_, error_json,
                                 std::to_string(delay_ms)});
    return r.opt(0, 0);
}

bool TurnQueue::release(const ClaimedTurn& t) {
    auto r = conn_.exec(kRelease, {t.turn_id, std::to_string(t.attempt), owner_});
    return !r.empty() && !r.is_null(0, 0);
}

std::vector<LeaseState> TurnQueue::renew(const std::vector<std::string>& turn_ids) {
    std::vector<LeaseState> out;
    if (turn_ids.empty()) return out;
    std::string ids = "{";
    for (size_t i = 0; i < turn_ids.size(); ++i) ids += (i ? "," : "") + turn_ids[i];
    ids += "}";
    auto r = conn_.exec(kRenew, {owner_, ids, std::to_string(lease_s_)});
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.str(i, 0), r.boolean(i, 1)});
    return out;
}

int TurnQueue::requeue_expired() {
    return static_cast<int>(conn_.exec(kRequeue).int64(0, 0));
}

}  // namespace chat::queue
