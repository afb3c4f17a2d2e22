// The project-local PostgreSQL (scripts/stack.sh): another local user cannot log in as its
// superuser, neither through the socket nor over TCP; the stack's own processes still can.
#define BOOST_TEST_MODULE local_cluster_test
#include <sys/stat.h>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "common/db.h"
#include "tests/support/test_env.h"

using chat::db::Connection;
using chat::test::require_env;

namespace {

std::string tcp_url(const std::string& extra = "") {
    return "host=127.0.0.1 port=" + require_env("CHAT_PG_PORT") +
           " dbname=chat user=chat connect_timeout=5" + extra;
}

std::string socket_dir() {
    auto url = require_env("CHAT_DB_URL");  // host=<dir> port=... dbname=chat user=chat
    auto start = url.find("host=") + 5;
    return url.substr(start, url.find(' ', start) - start);
}

}  // namespace

BOOST_AUTO_TEST_CASE(tcp_logins_need_the_password_of_the_run_directory) {
    BOOST_CHECK_THROW(Connection{tcp_url()}, chat::db::Error);
    BOOST_CHECK_THROW(Connection{tcp_url(" password=guess")}, chat::db::Error);
    std::ifstream in(require_env("CHAT_TEST_RUN_DIR") + "/pg-password");
    std::string password;
    BOOST_REQUIRE(in >> password);
    Connection c(tcp_url(" password=" + password));
    BOOST_TEST(c.exec("SELECT 1").int64(0, 0) == 1);
}

BOOST_AUTO_TEST_CASE(the_trusted_socket_is_in_a_directory_only_its_owner_enters) {
    struct stat st {};
    BOOST_REQUIRE(::stat(socket_dir().c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);
    Connection c(require_env("CHAT_DB_URL"));
    BOOST_TEST(c.exec("SELECT 1").int64(0, 0) == 1);
}
