#include "tests/stream/scripted_turn.h"

#include <chrono>
#include <stdexcept>

#include "common/ids.h"
#include "common/wire.h"
#include "tests/support/test_env.h"

namespace chat::stream::test {
namespace {

using chat::test::require_env;

const std::string kUserOfConversation = "SELECT user_id FROM conversations WHERE id = $1::uuid";
const std::string kInsertMessage =
    "INSERT INTO messages(conversation_id, role, content) VALUES ($1::uuid, 'user', $2) "
    "RETURNING id";
// available_at in the future: the stack's worker never claims this turn.
const std::string kInsertTurn =
    "INSERT INTO turns(conversation_id, user_id, user_message_id, available_at) "
    "VALUES ($1::uuid, $2::uuid, $3::uuid, now() + interval '1 hour') RETURNING id";
// claim_turn for one given turn (claim_turn itself takes whichever turn is most urgent).
const std::string kClaim =
    "UPDATE turns SET status = 'running', attempt = attempt + 1, lease_owner = $2, "
    "lease_until = now() + interval '300 seconds', last_seq = attempt::bigint * 1000000, "
    "started_at = coalesce(started_at, now()), updated_at = now() "
    "WHERE id = $1::uuid RETURNING attempt";
const std::string kPersist =
    "SELECT cancel_requested FROM persist_tokens($1::uuid, $2::integer, $3, $4::bigint, "
    "$5::bigint, $6::text[], 300)";
const std::string kFinish =
    "SELECT message_id FROM finish_turn($1::uuid, $2::integer, $3, $4::bigint, $5::bigint, "
    "$6::text[], $7, $8, $9::jsonb, NULL)";
const std::string kRetry = "SELECT retry_turn($1::uuid, $2::integer, $3, $4::jsonb, 3600000)";
const std::string kDeadLetter =
    "UPDATE turns SET status = 'failed', error = $2::jsonb, dead_lettered_at = now(), "
    "finished_at = now(), lease_owner = NULL, lease_until = NULL WHERE id = $1::uuid";
const std::string kAbandon =
    "UPDATE turns SET status = 'failed', finished_at = now(), lease_owner = NULL, "
    "lease_until = NULL WHERE id = $1::uuid AND status IN ('queued', 'running')";

std::string random_uuid() {
    auto h = random_hex(16);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

int64_t base_of(int attempt) {
    return static_cast<int64_t>(attempt - 1) * 1000000;
}

}  // namespace

TestPublisher::TestPublisher()
    : ctx_(1), pub_(wire::make_publisher(ctx_, require_env("CHAT_BROKER_PUB"))) {
    auto sub = wire::make_subscriber(ctx_, require_env("CHAT_BROKER_SUB"));
    std::string probe = random_uuid();
    sub.set(zmq::sockopt::subscribe, std::string(wire::kTurnPrefix) + probe);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        wire::publish(pub_, {probe, wire::Kind::Start, 1, 0, ""});
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::milliseconds(20)) > 0) return;
    }
    throw std::runtime_error("the broker does not forward test messages (CHAT_BROKER_PUB/SUB)");
}

ScriptedTurn::ScriptedTurn(TestPublisher& pub, const std::string& conversation_id,
                           const std::string& user_text)
    : pub_(pub), db_(require_env("CHAT_DB_URL")) {
    auto user = db_.exec(kUserOfConversation, {conversation_id});
    if (user.empty()) throw std::runtime_error("no conversation " + conversation_id);
    auto message = db_.exec(kInsertMessage, {conversation_id, user_text});
    turn_id_ =
        db_.exec(kInsertTurn, {conversation_id, user.str(0, 0), message.str(0, 0)}).str(0, 0);
}

ScriptedTurn::~ScriptedTurn() {
    try {
        if (!finished_) db_.exec(kAbandon, {turn_id_});
    } catch (const std::exception&) {
        // best effort: the stack is torn down after the tests anyway
    }
}

int ScriptedTurn::claim(bool publish_start) {
    owner_ = "test/" + random_hex(4);
    attempt_ = static_cast<int>(db_.exec(kClaim, {turn_id_, owner_}).int64(0, 0));
    next_seq_ = base_of(attempt_) + 1;
    persisted_to_ = base_of(attempt_);
    numbered_.clear();
    if (publish_start) publish("start", base_of(attempt_), "");
    return attempt_;
}

int64_t ScriptedTurn::publish_token(const std::string& text) {
    int64_t seq = skip_token(text);
    publish("token", seq, text);
    return seq;
}

void ScriptedTurn::republish_token(int64_t seq, const std::string& text) {
    publish("token", seq, text);
}

int64_t ScriptedTurn::skip_token(const std::string& text) {
    numbered_.push_back(text);
    return next_seq_++;
}

bool ScriptedTurn::persist() {
    int64_t from = persisted_to_ + 1;
    int64_t to = next_seq_ - 1;
    std::vector<std::string> batch(numbered_.begin() + (from - base_of(attempt_) - 1),
                                   numbered_.end());
    auto r = db_.exec(kPersist, {turn_id_, std::to_string(attempt_), owner_, std::to_string(from),
                                 std::to_string(to), db::text_array(batch)});
    if (r.empty()) throw std::runtime_error("persist_tokens: the turn is no longer ours");
    persisted_to_ = to;
    return r.boolean(0, 0);
}

std::string ScriptedTurn::finish(const std::string& status, bool publish_done) {
    int64_t from = persisted_to_ + 1;
    int64_t to = next_seq_ - 1;
    std::vector<std::string> batch(numbered_.begin() + (from - base_of(attempt_) - 1),
                                   numbered_.end());
    std::string reason = status == "cancelled" ? "cancelled" : "stop";
    std::string usage =
        R"({"input_tokens":1,"output_tokens":)" + std::to_string(numbered_.size()) + "}";
    auto r = db_.exec(kFinish, {turn_id_, std::to_string(attempt_), owner_, std::to_string(from),
                                std::to_string(to), db::text_array(batch), status, reason, usage});
    if (r.empty()) throw std::runtime_error("finish_turn: the turn is no longer ours");
    persisted_to_ = to;
    finished_ = true;
    std::string message_id = r.opt(0, 0).value_or("");
    if (publish_done) {
        std::string mid = message_id.empty() ? "null" : "\"" + message_id + "\"";
        publish("done", to,
                R"({"message_id":)" + mid + R"(,"usage":)" + usage + R"(,"finish_reason":")" +
                    reason + R"(","status":")" + status + R"("})");
    }
    return message_id;
}

void ScriptedTurn::fail(bool retryable, bool publish_error) {
    std::string error = std::string(R"({"code":"scripted","message":"scripted failure",)") +
                        R"("retryable":)" + (retryable ? "true" : "false") + "}";
    if (publish_error) publish("error", next_seq_ - 1, error);
    if (retryable) {
        db_.exec(kRetry, {turn_id_, std::to_string(attempt_), owner_, error});
    } else {
        db_.exec(kDeadLetter, {turn_id_, error});
        finished_ = true;
    }
}

void ScriptedTurn::publish(const std::string& kind, int64_t seq, const std::string& data) {
    wire::TurnEvent e{turn_id_, wire::Kind::Token, attempt_, seq, data};
    if (kind == "start") e.kind = wire::Kind::Start;
    if (kind == "done") e.kind = wire::Kind::Done;
    if (kind == "error") e.kind = wire::Kind::Error;
    wire::publish(pub_.socket(), e);
}

}  // namespace chat::stream::test
