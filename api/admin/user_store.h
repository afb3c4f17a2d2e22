// Data access for the admin CLI: users, their limits and their API keys (all SQL lives in
// user_store.cpp). Methods throw AdminError for a user-facing failure (unknown user, name taken)
// and db::Error when the database fails.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/admin/api_key.h"
#include "common/db.h"

namespace chat::admin {

class AdminError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Optional per-user limits; an unset field keeps its current (or default) value.
struct Limits {
    std::optional<long> max_conversations;
    std::optional<long> requests_per_minute;
    std::optional<long> max_running_turns;
};

struct UserRow {
    std::string name;
    bool is_admin = false;
    bool disabled = false;
    long max_conversations = 0;
    long requests_per_minute = 0;
    long max_running_turns = 0;
    long active_keys = 0;
    std::string created_at;
};

class UserStore {
  public:
    explicit UserStore(db::Connection& db) : db_(db) {}

    // Creates the user and its first key in one transaction; returns the key.
    ApiKey add_user(const std::string& name, bool is_admin, const Limits& limits);
    std::vector<UserRow> list_users();
    void set_disabled(const std::string& name, bool disabled);
    void set_limits(const std::string& name, const Limits& limits);
    // Another key for an existing user.
    ApiKey create_key(const std::string& name);
    void revoke_key(const std::string& key_id);

  private:
    void insert_key(const std::string& user_id, const ApiKey& key);
    std::string user_id(const std::string& name);

    db::Connection& db_;
};

}  // namespace chat::admin
