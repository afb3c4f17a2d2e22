#include "api/admin/user_store.h"

namespace chat::admin {
namespace {

// Every statement of the admin CLI, with bound parameters.
const std::string kInsertUser =
    "INSERT INTO users(name, is_admin, max_conversations, requests_per_minute, max_running_turns) "
    "VALUES ($1, $2, coalesce($3::integer, 1000), coalesce($4::integer, 6000), "
    "coalesce($5::integer, 8)) RETURNING id";
const std::string kInsertKey =
    "INSERT INTO api_keys(key_id, user_id, salt, hash) "
    "VALUES ($1, $2, decode($3, 'hex'), sha256(decode($3, 'hex') || convert_to($4, 'UTF8')))";
const std::string kUserIdByName = "SELECT id FROM users WHERE name = $1";
const std::string kListUsers =
    "SELECT u.name, u.is_admin, u.disabled_at IS NOT NULL, u.max_conversations, "
    "u.requests_per_minute, u.max_running_turns, "
    "(SELECT count(*) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL), "
    "to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM users u ORDER BY u.name";
const std::string kSetDisabled =
    "UPDATE users SET disabled_at = CASE WHEN $2::boolean THEN coalesce(disabled_at, now()) END "
    "WHERE name = $1 RETURNING id";
const std::string kSetLimits =
    "UPDATE users SET max_conversations = coalesce($2::integer, max_conversations), "
    "requests_per_minute = coalesce($3::integer, requests_per_minute), "
    "max_running_turns = coalesce($4::integer, max_running_turns) WHERE name = $1 RETURNING id";
const std::string kRevokeKey =
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = $1 RETURNING "
    "key_id";

db::Param opt_param(const std::optional<long>& v) {
    if (!v) return std::nullopt;
    return std::to_string(*v);
}

// The UPDATEs return the changed row, so "no row" means "no such name".
bool affected_one(const db::Result& r) {
    return r.rows() > 0;
}

}  // namespace

ApiKey UserStore::add_user(const std::string& name, bool is_admin, const Limits& limits) {
    db::Transaction tx(db_);
    std::string id;
    try {
        auto r =
            db_.exec(kInsertUser,
                     {name, is_admin ? "true" : "false", opt_param(limits.max_conversations),
                      opt_param(limits.requests_per_minute), opt_param(limits.max_running_turns)});
        id = r.str(0, 0);
    } catch (const db::Error& e) {
        if (e.is_unique_violation()) throw AdminError("user '" + name + "' already exists");
        throw;
    }
    ApiKey key = generate_api_key();
    insert_key(id, key);
    tx.commit();
    return key;
}

std::vector<UserRow> UserStore::list_users() {
    auto r = db_.exec(kListUsers);
    std::vector<UserRow> rows;
    for (int i = 0; i < r.rows(); ++i) {
        rows.push_back(UserRow{r.str(i, 0), r.boolean(i, 1), r.boolean(i, 2), r.int64(i, 3),
                               r.int64(i, 4), r.int64(i, 5), r.int64(i, 6), r.str(i, 7)});
    }
    return rows;
}

void UserStore::set_disabled(const std::string& name, bool disabled) {
    auto r = db_.exec(kSetDisabled, {name, disabled ? "true" : "false"});
    if (!affected_one(r)) throw AdminError("no user named '" + name + "'");
}

void UserStore::set_limits(const std::string& name, const Limits& limits) {
    auto r = db_.exec(kSetLimits,
                      {name, opt_param(limits.max_conversations),
                       opt_param(limits.requests_per_minute), opt_param(limits.max_running_turns)});
    if (!affected_one(r)) throw AdminError("no user named '" + name + "'");
}

ApiKey UserStore::create_key(const std::string& name) {
    ApiKey key = generate_api_key();
    insert_key(user_id(name), key);
    return key;
}

void UserStore::revoke_key(const std::string& key_id) {
    auto r = db_.exec(kRevokeKey, {key_id});
    if (!affected_one(r)) throw AdminError("no key with id '" + key_id + "'");
}

void UserStore::insert_key(const std::string& user_id, const ApiKey& key) {
    db_.exec(kInsertKey, {key.key_id, user_id, key.salt, key.secret});
}

std::string UserStore::user_id(const std::string& name) {
    auto r = db_.exec(kUserIdByName, {name});
    if (r.empty()) throw AdminError("no user named '" + name + "'");
    return r.str(0, 0);
}

}  // namespace chat::admin
