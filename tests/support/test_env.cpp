#include "tests/support/test_env.h"

#include <cstdlib>
#include <stdexcept>

namespace chat::test {

std::string require_env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v)
        throw std::runtime_error(
            std::string(name) +
            " is not set: integration tests need the running stack; run them "
            "with `make test` (scripts/test.sh sets the CHAT_TEST_* variables)");
    return v;
}

TestEnv TestEnv::from_env() {
    return TestEnv{require_env("CHAT_TEST_BASE_URL"), require_env("CHAT_TEST_API_KEY"),
                   require_env("CHAT_TEST_ADMIN_KEY"), require_env("CHAT_TEST_RUN_DIR")};
}

}  // namespace chat::test
