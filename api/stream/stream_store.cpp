#include "api/stream/stream_store.h"

namespace chat::stream {
namespace {

const std::string kSnapshotSql =
    "SELECT user_id, status, attempt, last_seq, message_id, usage, finish_reason, error, seq, "
    "token FROM stream_snapshot($1::uuid, $2::bigint)";
const std::string kAuthenticateSql =
    "SELECT user_id, retry_after FROM authenticate($1::text, $2::text)";
const std::string kTurnOwnerSql = "SELECT user_id FROM turns WHERE id = $1::uuid";

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
    s.tokens.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        if (r.is_null(i, 8)) continue;  // the LEFT JOIN row of a turn without tokens
        s.tokens.push_back({r.int64(i, 8), r.str(i, 9)});
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
