// The running stack's address, as scripts/test.sh exports it. An integration test that runs
// without it FAILS with a message naming the missing variable (never passes silently).
#pragma once

#include <string>

namespace chat::test {

// The value of an environment variable; throws std::runtime_error naming it when unset/empty.
std::string require_env(const char* name);

struct TestEnv {
    std::string base_url;   // CHAT_TEST_BASE_URL, e.g. http://127.0.0.1:18080 (nginx)
    std::string api_key;    // CHAT_TEST_API_KEY, a normal user
    std::string admin_key;  // CHAT_TEST_ADMIN_KEY
    std::string run_dir;    // CHAT_TEST_RUN_DIR, the throwaway run directory

    // Reads all four; throws on the first missing one.
    static TestEnv from_env();
};

}  // namespace chat::test
