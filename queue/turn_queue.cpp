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
const std::string kRetry = "SELECT retry_turn($1, $2, $3, $4::jsonb, $5)";
const std::string kRelease = "SELECT release_turn($1, $2, $3)";
const std::string kRenew = "SELECT * FROM renew_leases($1, $2::uuid[], $3)";
const std::string kRequeue = "SELECT count(*) FROM requeue_expired()";
db::Param opt_json(const std::string& s) {
    return s.empty() ? db::Param{} : db::Param{s};
}

}  // namespace

std::vector<ClaimedTurn> TurnQueue::claim_batch(int max) {
    std::vector<ClaimedTurn> out;
    if (max < 1) return out;
    auto r = conn_.exec(kClaim, {owner_, std::to_string(lease_s_), std::to_string(max),
                                 std::to_string(history_limit_)});
    int id = r.column("turn_id"), attempt = r.column("attempt"), base = r.column("seq_base"),
        model = r.column("model"), agent = r.column("agent_id"),
        message = r.column("user_message_id"), prompt = r.column("prompt"),
        deadline = r.column("deadline_in_s");
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        ClaimedTurn t;
        t.turn_id = r.str(i, id);
        t.attempt = static_cast<int>(r.int64(i, attempt));
        t.seq_base = r.int64(i, base);
        t.model = r.opt(i, model).value_or("");
        t.agent_id = r.opt(i, agent).value_or("");
        t.user_message_id = r.str(i, message);
        t.prompt_json = r.str(i, prompt);
        if (!r.is_null(i, deadline)) t.deadline_in_s = std::stod(r.str(i, deadline));
        out.push_back(std::move(t));
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

std::optional<Finished> TurnQueue::finish(
    const ClaimedTurn& t, int64_t seq_from, const std::vector<std::string>& tokens,
    const std::string& status, const std::string& finish_reason, const std::string& usage_json,
    const std::string& error_json, const std::string& context_json,
    const std::optional<std::string>& body) {
    int64_t seq_to = seq_from + static_cast<int64_t>(tokens.size()) - 1;
    auto r = conn_.exec(kFinish,
                        {t.turn_id, std::to_string(t.attempt), owner_, std::to_string(seq_from),
                         std::to_string(seq_to), db::text_array(tokens), status, finish_reason,
                         opt_json(usage_json), opt_json(error_json), opt_json(context_json), body});
    if (r.empty()) return std::nullopt;
    return Finished{r.str(0, 0), r.opt(0, 1)};
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
