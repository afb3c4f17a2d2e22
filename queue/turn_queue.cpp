#include "queue/turn_queue.h"

namespace chat::queue {
namespace {

const std::string kClaim =
    "SELECT turn_id, attempt, seq_base, model, agent_id, user_message_id, prompt, "
    "extract(epoch FROM deadline - now()) AS deadline_in_s FROM claim_turns($1, $2, $3, $4)";
const std::string kPersist = "SELECT * FROM persist_tokens($1, $2, $3, $4, $5, $6::text[], $7)";
const std::string kFinish =
    "SELECT status, message_id FROM finish_turn($1, $2, $3, $4, $5, $6::text[], $7, $8, "
    "$9::jsonb, $10::jsonb, $11::jsonb, $12)";
// finish_turn's arguments, then the lease and history of the claim (sql/019).
const std::string kFinishAndClaim =
    "SELECT finished_status, finished_message_id, next_turn_id, next_attempt, next_seq_base, "
    "next_model, next_agent_id, next_user_message_id, next_prompt, "
    "extract(epoch FROM next_deadline - now()) AS next_deadline_in_s "
    "FROM finish_turn_and_claim($1, $2, $3, $4, $5, $6::text[], $7, $8, $9::jsonb, $10::jsonb, "
    "$11::jsonb, $12, $13, $14)";
const std::string kRetry = "SELECT retry_turn($1, $2, $3, $4::jsonb, $5)";
const std::string kRelease = "SELECT release_turn($1, $2, $3)";
const std::string kRenew = "SELECT * FROM renew_leases($1, $2::uuid[], $3)";
const std::string kRequeue = "SELECT count(*) FROM requeue_expired()";
db::Param opt_json(const std::string& s) {
    return s.empty() ? db::Param{} : db::Param{s};
}

// Where a claimed turn's columns are in a result: claim_turns' names, or those with a prefix.
struct ClaimColumns {
    int id, attempt, base, model, agent, message, prompt, deadline;
    ClaimColumns(const db::Result& r, const std::string& prefix)
        : id(r.column((prefix + "turn_id").c_str())),
          attempt(r.column((prefix + "attempt").c_str())),
          base(r.column((prefix + "seq_base").c_str())),
          model(r.column((prefix + "model").c_str())),
          agent(r.column((prefix + "agent_id").c_str())),
          message(r.column((prefix + "user_message_id").c_str())),
          prompt(r.column((prefix + "prompt").c_str())),
          deadline(r.column((prefix + "deadline_in_s").c_str())) {}

    ClaimedTurn at(const db::Result& r, int row) const {
        ClaimedTurn t;
        t.turn_id = r.str(row, id);
        t.attempt = static_cast<int>(r.int64(row, attempt));
        t.seq_base = r.int64(row, base);
        t.model = r.opt(row, model).value_or("");
        t.agent_id = r.opt(row, agent).value_or("");
        t.user_message_id = r.str(row, message);
        t.prompt_json = r.str(row, prompt);
        if (!r.is_null(row, deadline)) t.deadline_in_s = std::stod(r.str(row, deadline));
        return t;
    }
};

}  // namespace

std::vector<ClaimedTurn> TurnQueue::claim_batch(int max) {
    std::vector<ClaimedTurn> out;
    if (max < 1) return out;
    auto r = conn_.exec(kClaim, {owner_, std::to_string(lease_s_), std::to_string(max),
                                 std::to_string(history_limit_)});
    ClaimColumns cols(r, "");
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(cols.at(r, i));
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

db::Params TurnQueue::finish_params(const ClaimedTurn& t, int64_t seq_from,
                                    const std::vector<std::string>& tokens,
                                    const std::string& status, const std::string& finish_reason,
                                    const std::string& usage_json, const std::string& error_json,
                                    const std::string& context_json,
                                    const std::optional<std::string>& body) const {
    int64_t seq_to = seq_from + static_cast<int64_t>(tokens.size()) - 1;
    return {t.turn_id,
            std::to_string(t.attempt),
            owner_,
            std::to_string(seq_from),
            std::to_string(seq_to),
            db::text_array(tokens),
            status,
            finish_reason,
            opt_json(usage_json),
            opt_json(error_json),
            opt_json(context_json),
            body};
}

std::optional<Finished> TurnQueue::finish(
    const ClaimedTurn& t, int64_t seq_from, const std::vector<std::string>& tokens,
    const std::string& status, const std::string& finish_reason, const std::string& usage_json,
    const std::string& error_json, const std::string& context_json,
    const std::optional<std::string>& body) {
    auto r = conn_.exec(kFinish, finish_params(t, seq_from, tokens, status, finish_reason,
                                               usage_json, error_json, context_json, body));
    if (r.empty()) return std::nullopt;
    return Finished{r.str(0, 0), r.opt(0, 1)};
}

FinishedAndNext TurnQueue::finish_and_claim(
    const ClaimedTurn& t, int64_t seq_from, const std::vector<std::string>& tokens,
    const std::string& status, const std::string& finish_reason, const std::string& usage_json,
    const std::string& error_json, const std::string& context_json,
    const std::optional<std::string>& body) {
    auto params = finish_params(t, seq_from, tokens, status, finish_reason, usage_json, error_json,
                                context_json, body);
    params.emplace_back(std::to_string(lease_s_));
    params.emplace_back(std::to_string(history_limit_));
    auto r = conn_.exec(kFinishAndClaim, params);
    FinishedAndNext out;
    if (r.empty()) return out;
    if (!r.is_null(0, 0)) out.finished = Finished{r.str(0, 0), r.opt(0, 1)};
    ClaimColumns cols(r, "next_");
    if (!r.is_null(0, cols.id)) out.next = cols.at(r, 0);
    return out;
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
