#include "api/rest/chat_store.h"

namespace chat::rest {
namespace {

// Authentication also counts the request against the user's per-minute rate.
const std::string kAuthenticate = "SELECT user_id, is_admin, retry_after FROM authenticate($1, $2)";

const std::string kCreateConversation = "SELECT create_conversation($1, $2, $3)";
const std::string kListConversations =
    "SELECT item, pinned, updated_us, id FROM list_conversations($1, $2, $3, $4, $5, $6)";
const std::string kGetConversation =
    "SELECT conversation_json(c) FROM conversations c "
    "WHERE c.id = $1 AND c.user_id = $2 AND c.deleted_at IS NULL";
const std::string kPatchConversation = "SELECT patch_conversation($1, $2, $3, $4, $5, $6, $7)";
const std::string kDeleteConversation =
    "SELECT running_turn FROM delete_conversation($1, $2) WHERE running_turn IS NOT NULL";

const std::string kListMessages = "SELECT item, id FROM list_messages($1, $2, $3, $4)";
// post_message / regenerate_message answer {message?, turn, replayed?}: split here, so chat-api
// builds its answer around the texts without parsing them.
const std::string kPostMessage =
    "SELECT r->'message', r->'turn', r->'turn'->>'id', r ? 'replayed' "
    "FROM post_message($1, $2, $3, $4, $5) r";
const std::string kEditMessage = "SELECT edit_message($1, $2, $3, $4)";
const std::string kRegenerate =
    "SELECT r->'message', r->'turn', r->'turn'->>'id', r ? 'replayed' "
    "FROM regenerate_message($1, $2, $3, $4) r";

const std::string kGetTurn = "SELECT get_turn($1, $2)";
const std::string kCancelTurn = "SELECT cancel_turn($1, $2)";

const std::string kAdminContext = "SELECT admin_context_json()";
const std::string kPutAdminContext = "SELECT put_admin_context($1, $2)";

const std::string kLiveWorkers =
    "SELECT count(*) FROM workers "
    "WHERE stopped_at IS NULL AND seen_at > now() - interval '15 seconds'";
// One count per partial index (sql/014): the planner needs the status as a constant to use them.
const std::string kTurnsByStatus =
    "SELECT 'failed', count(*) FROM turns WHERE status = 'failed' "
    "UNION ALL SELECT 'queued', count(*) FROM turns WHERE status = 'queued' "
    "UNION ALL SELECT 'running', count(*) FROM turns WHERE status = 'running'";

db::Param bool_param(std::optional<bool> b) {
    if (!b) return std::nullopt;
    return std::string(*b ? "true" : "false");
}

// The single jsonb value of a one-row, one-column result.
AcceptedTurnRow accepted_turn_row(const db::Result& r) {
    if (r.empty() || r.is_null(0, 1)) throw db::Error("expected a queued turn", "", false);
    return {r.opt(0, 0), r.str(0, 1), r.str(0, 2), r.boolean(0, 3)};
}

std::string single(const db::Result& r) {
    if (r.empty() || r.is_null(0, 0)) throw db::Error("expected one JSON value", "", false);
    return r.str(0, 0);
}

}  // namespace

db::Connection& ChatStore::db() {
    if (!conn_) conn_.emplace(conninfo_);
    return *conn_;
}

bool ChatStore::try_connect() {
    try {
        db();
        return true;
    } catch (const db::Error&) {
        return false;
    }
}

std::optional<AuthOutcome> ChatStore::authenticate(const std::string& key_id,
                                                   const std::string& secret) {
    auto r = db().exec(kAuthenticate, {key_id, secret});
    if (r.empty()) return std::nullopt;
    AuthOutcome out;
    out.caller.user_id = r.str(0, 0);
    out.caller.is_admin = r.boolean(0, 1);
    out.retry_after_s = static_cast<int>(r.int64(0, 2));
    return out;
}

std::string ChatStore::create_conversation(const std::string& user,
                                           const std::optional<std::string>& title,
                                           const std::optional<std::string>& agent_id) {
    return single(db().exec(kCreateConversation, {user, title, agent_id}));
}

std::vector<ConversationRow> ChatStore::list_conversations(
    const std::string& user, bool archived, const std::optional<ConversationCursor>& after,
    int limit) {
    db::Params p{user,         bool_param(archived), std::nullopt,
                 std::nullopt, std::nullopt,         std::to_string(limit + 1)};
    if (after) {
        p[2] = std::to_string(after->pinned);
        p[3] = std::to_string(after->updated_us);
        p[4] = after->id;
    }
    auto r = db().exec(kListConversations, p);
    std::vector<ConversationRow> rows;
    rows.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        rows.push_back(
            {r.str(i, 0), {static_cast<int>(r.int64(i, 1)), r.int64(i, 2), r.str(i, 3)}});
    }
    return rows;
}

std::optional<std::string> ChatStore::get_conversation(const std::string& user,
                                                       const std::string& id) {
    auto r = db().exec(kGetConversation, {id, user});
    if (r.empty()) return std::nullopt;
    return r.str(0, 0);
}

std::string ChatStore::patch_conversation(const std::string& user, const std::string& id,
                                          const ConversationPatch& patch) {
    return single(db().exec(kPatchConversation,
                            {user, id, patch.title, bool_param(patch.set_agent), patch.agent_id,
                             bool_param(patch.archived), bool_param(patch.pinned)}));
}

std::vector<std::string> ChatStore::delete_conversation(const std::string& user,
                                                        const std::string& id) {
    auto r = db().exec(kDeleteConversation, {user, id});
    std::vector<std::string> running;
    for (int i = 0; i < r.rows(); ++i) running.push_back(r.str(i, 0));
    return running;
}

std::vector<MessageRow> ChatStore::list_messages(const std::string& user,
                                                 const std::string& conversation,
                                                 const std::optional<std::string>& before,
                                                 int limit) {
    auto r = db().exec(kListMessages, {user, conversation, before, std::to_string(limit + 1)});
    std::vector<MessageRow> rows;
    rows.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) rows.push_back({r.str(i, 0), r.str(i, 1)});
    return rows;
}

AcceptedTurnRow ChatStore::post_message(const std::string& user, const std::string& conversation,
                                        const std::string& content,
                                        const std::optional<std::string>& model,
                                        const std::optional<std::string>& idempotency_key) {
    return accepted_turn_row(
        db().exec(kPostMessage, {user, conversation, content, model, idempotency_key}));
}

std::string ChatStore::edit_message(const std::string& user, const std::string& conversation,
                                    const std::string& message, const std::string& content) {
    return single(db().exec(kEditMessage, {user, conversation, message, content}));
}

AcceptedTurnRow ChatStore::regenerate(const std::string& user, const std::string& conversation,
                                      const std::string& message,
                                      const std::optional<std::string>& model) {
    return accepted_turn_row(db().exec(kRegenerate, {user, conversation, message, model}));
}

std::string ChatStore::get_turn(const std::string& user, const std::string& turn) {
    return single(db().exec(kGetTurn, {user, turn}));
}

std::string ChatStore::cancel_turn(const std::string& user, const std::string& turn) {
    return single(db().exec(kCancelTurn, {user, turn}));
}

std::string ChatStore::admin_context() {
    return single(db().exec(kAdminContext));
}

std::string ChatStore::put_admin_context(const std::string& user, const std::string& content) {
    return single(db().exec(kPutAdminContext, {user, content}));
}

int64_t ChatStore::live_workers() {
    return db().exec(kLiveWorkers).int64(0, 0);
}

std::vector<std::pair<std::string, int64_t>> ChatStore::turns_by_status() {
    auto r = db().exec(kTurnsByStatus);
    std::vector<std::pair<std::string, int64_t>> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.str(i, 0), r.int64(i, 1));
    return out;
}

}  // namespace chat::rest
