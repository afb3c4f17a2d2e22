// Data access for the REST API: every SQL statement chat-api runs, as named constants in
// chat_store.cpp, always with bound parameters. Objects come back as JSON text built by
// PostgreSQL (conversation_json, message_json, turn_json). One ChatStore per thread; it
// connects on first use so a database that is down answers 503 instead of killing the process.
// Errors: db::Error (SQLSTATE CHnnn for application errors, see error_boundary.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/rest/cursor.h"
#include "common/db.h"

namespace chat::rest {

struct Caller {
    std::string user_id;
    bool is_admin = false;
};

struct AuthOutcome {
    Caller caller;
    int retry_after_s = 0;  // > 0: over the per-minute rate
};

struct ConversationRow {
    std::string json;
    ConversationCursor position;
};

struct MessageRow {
    std::string json;
    std::string id;
};

// A turn just queued (post, regenerate), in the parts its 202 answer is built from.
struct AcceptedTurnRow {
    std::optional<std::string> message_json;  // the posted message (none for a regenerate)
    std::string turn_json;
    std::string turn_id;
    bool replayed = false;  // an Idempotency-Key retry answered with the first request's result
};

class ChatStore {
  public:
    explicit ChatStore(std::string conninfo) : conninfo_(std::move(conninfo)) {}

    // Connects now so the first request does not pay for it; false (and a later retry on
    // first use) when the database is unreachable.
    bool try_connect();

    // nullopt for an unknown, revoked or wrong key, or a disabled user.
    std::optional<AuthOutcome> authenticate(const std::string& key_id, const std::string& secret);

    std::string create_conversation(const std::string& user,
                                    const std::optional<std::string>& title,
                                    const std::optional<std::string>& agent_id);
    // limit + 1 rows at most, so the caller can tell whether another page exists.
    std::vector<ConversationRow> list_conversations(const std::string& user, bool archived,
                                                    const std::optional<ConversationCursor>& after,
                                                    int limit);
    std::optional<std::string> get_conversation(const std::string& user, const std::string& id);
    struct ConversationPatch {
        std::optional<std::string> title;
        bool set_agent = false;
        std::optional<std::string> agent_id;
        std::optional<bool> archived;
        std::optional<bool> pinned;
    };
    std::string patch_conversation(const std::string& user, const std::string& id,
                                   const ConversationPatch& patch);
    // Returns the ids of turns that were running (their workers must be told to stop).
    std::vector<std::string> delete_conversation(const std::string& user, const std::string& id);

    // Newest first, limit + 1 rows at most.
    std::vector<MessageRow> list_messages(const std::string& user, const std::string& conversation,
                                          const std::optional<std::string>& before, int limit);
    AcceptedTurnRow post_message(const std::string& user, const std::string& conversation,
                                 const std::string& content,
                                 const std::optional<std::string>& model,
                                 const std::optional<std::string>& idempotency_key);
    std::string edit_message(const std::string& user, const std::string& conversation,
                             const std::string& message, const std::string& content);
    AcceptedTurnRow regenerate(const std::string& user, const std::string& conversation,
                               const std::string& message, const std::optional<std::string>& model);

    std::string get_turn(const std::string& user, const std::string& turn);
    std::string cancel_turn(const std::string& user, const std::string& turn);

    std::string admin_context();
    std::string put_admin_context(const std::string& user, const std::string& content);

    // Workers seen in the last 15 s; throws db::Error when the database is unreachable.
    int64_t live_workers();
    std::vector<std::pair<std::string, int64_t>> turns_by_status();

  private:
    db::Connection& db();

    std::string conninfo_;
    std::optional<db::Connection> conn_;
};

}  // namespace chat::rest
