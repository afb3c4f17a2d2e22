#include "api/stream/stream_store.h"

#include "api/stream/pg_array.h"

namespace chat::stream {
namespace {

// The turn row and the chunks of its current attempt that hold tokens after $2, in one
// statement (one consistent snapshot). Same result as sql stream_snapshot(), but one row per
// chunk instead of one per token: measured 7x cheaper for a 512-token reply. No row for a turn
// of a deleted conversation (sql/015): the stream ends as for an unknown turn.
const std::string kSnapshotSql =
    "SELECT t.user_id, t.status, t.attempt, t.last_seq, t.message_id, t.usage, t.finish_reason, "
    "t.error, c.seq_from, c.tokens "
    "FROM turns t JOIN conversations cv ON cv.id = t.conversation_id AND cv.deleted_at IS NULL "
    "LEFT JOIN turn_chunks c "
    "ON c.turn_id = t.id AND c.attempt = t.attempt AND c.seq_to > $2::bigint "
    "WHERE t.id = $1::uuid ORDER BY c.seq_from";
const std::string kAuthenticateSql =
    "SELECT user_id, retry_after FROM authenticate($1::text, $2::text)";
// A turn of a deleted conversation has no owner to show: it is answered like an unknown turn.
const std::string kTurnOwnerSql =
    "SELECT t.user_id FROM turns t "
    "JOIN conversations cv ON cv.id = t.conversation_id AND cv.deleted_at IS NULL "
    "WHERE t.id = $1::uuid";

// Appends the tokens of one chunk (first seq seq_from) that come after `after`.
void append_chunk(Snapshot& s, int64_t seq_from, std::string_view tokens, int64_t after) {
    auto items = parse_text_array(tokens);
    if (!items) throw db::Error("malformed token array in turn_chunks", "", false);
    for (size_t k = 0; k < items->size(); ++k) {
        int64_t seq = seq_from + static_cast<int64_t>(k);
        if (seq > after) s.tokens.push_back({seq, std::move((*items)[k])});
    }
}

}  // namespace

db::Connection& StreamStore::conn() {
    if (!conn_) conn_.emplace(db_url_);
    return *conn_;
}

Snapshot StreamStore::snapshot(const std::string& turn_id, int64_t after) {
    auto r = conn().exec(kSnapshotSql, {turn_id, std::to_string(after)});
    Snapshot s;
    if (r.empty()) return s;
    s.found = true;
    s.user_id = r.str(0, 0);
    s.status = r.str(0, 1);
    s.attempt = static_cast<int>(r.int64(0, 2));
    s.last_seq = r.int64(0, 3);
    s.message_id = r.opt(0, 4);
    s.usage_json = r.opt(0, 5);
    s.finish_reason = r.opt(0, 6);
    s.error_json = r.opt(0, 7);
    for (int i = 0; i < r.rows(); ++i) {
        if (r.is_null(i, 8)) continue;  // the LEFT JOIN row of a turn without tokens
        append_chunk(s, r.int64(i, 8), r.text(i, 9), after);
    }
    return s;
}

std::optional<Principal> StreamStore::authenticate(const ApiKey& key) {
    auto r = conn().exec(kAuthenticateSql, {key.key_id, key.secret});
    if (r.empty()) return std::nullopt;
    return Principal{r.str(0, 0), static_cast<int>(r.int64(0, 1))};
}

std::optional<std::string> StreamStore::turn_owner(const std::string& turn_id) {
    auto r = conn().exec(kTurnOwnerSql, {turn_id});
    if (r.empty()) return std::nullopt;
    return r.str(0, 0);
}

}  // namespace chat::stream
