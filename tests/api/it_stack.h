// Access to the running stack for the REST integration tests (scripts/test.sh sets the env):
// clients for the test users, new users through chatctl, and polling helpers.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "common/db.h"
#include "tests/api/it_client.h"
#include "tests/support/test_env.h"

namespace chat::test::api {

// Throws std::runtime_error naming the variable when it is unset (the test then fails).
using chat::test::require_env;

Client user_client();   // CHAT_TEST_API_KEY
Client admin_client();  // CHAT_TEST_ADMIN_KEY
Client client_with_key(const std::string& key);

// Adds a user with a unique name via `$CHAT_BIN_DIR/chatctl user add NAME FLAGS...` and
// returns a client holding its key.
Client new_user(const std::vector<std::string>& chatctl_flags = {});

// A connection to the test database (CHAT_DB_URL), for setting up states the API cannot
// produce deterministically (a turn held running by a fake worker).
db::Connection& database();

// Creates a conversation and returns its id (requires 201).
std::string create_conversation(const Client& c, const std::string& title = "test");

// Polls GET /api/v1/turns/{id} until the turn is done, failed or cancelled (deadline 30 s).
Poco::JSON::Object::Ptr wait_turn_finished(const Client& c, const std::string& turn_id);

// JSON string literal for s (quotes and escapes).
std::string quoted(const std::string& s);

}  // namespace chat::test::api
