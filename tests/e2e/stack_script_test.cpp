// scripts/stack.sh refuses what would leave a stack half-working: a broker port another
// program holds, and handler counts that differ from the running stack's.
#define BOOST_TEST_MODULE stack_script_test
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/stack_client.h"
#include "tests/support/test_env.h"

using chat::test::require_env;

namespace {

struct Outcome {
    int status = -1;
    std::string output;
};

// Runs `env ASSIGNMENTS bash scripts/stack.sh ARGS` and returns its exit status and output.
Outcome stack_sh(const std::string& assignments, const std::string& args) {
    std::string cmd = "env " + assignments + " bash " CHAT_SOURCE_DIR "/scripts/stack.sh " + args +
                      " </dev/null 2>&1";
    Outcome o;
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) o.output.append(buf, n);
    int rc = ::pclose(p);
    o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return o;
}

int port_of(const char* var, int offset) {
    return std::stoi(require_env(var)) + offset;
}

// A listening socket on 127.0.0.1:port for the life of the object: "another program".
struct PortHolder {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    explicit PortHolder(int port) {
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        BOOST_REQUIRE(::listen(fd, 8) == 0);
    }
    ~PortHolder() { ::close(fd); }
};

// A second, throwaway stack beside the test stack (ports moved by 100); purged at the end.
struct ThrowawayStack {
    std::string dir = "/tmp/chat-stack-test.XXXXXX";
    std::string env;
    ThrowawayStack() {
        BOOST_REQUIRE(::mkdtemp(dir.data()));
        env = "CHAT_RUN_DIR=" + dir + "/run CHAT_PG_FSYNC=off CHAT_WORKERS=1" +
              " CHAT_HTTP_PORT=" + std::to_string(port_of("CHAT_HTTP_PORT", 100)) +
              " CHAT_PG_PORT=" + std::to_string(port_of("CHAT_PG_PORT", 100)) +
              " CHAT_BROKER_PUB_PORT=" + std::to_string(broker_pub()) +
              " CHAT_BROKER_SUB_PORT=" + std::to_string(port_of("CHAT_BROKER_SUB_PORT", 100));
    }
    ~ThrowawayStack() {
        stack_sh(env, "purge");
        ::rmdir(dir.c_str());
    }
    static int broker_pub() { return port_of("CHAT_BROKER_PUB_PORT", 100); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(start_refuses_a_broker_port_another_program_holds) {
    ThrowawayStack stack;
    PortHolder holder(ThrowawayStack::broker_pub());
    auto r = stack_sh(stack.env, "start");
    BOOST_TEST(r.status != 0, r.output);
    BOOST_TEST(r.output.find(std::to_string(ThrowawayStack::broker_pub()) + " is already in use") !=
                   std::string::npos,
               r.output);
    BOOST_TEST(r.output.find("stack: up") == std::string::npos, r.output);
}

BOOST_AUTO_TEST_CASE(start_refuses_another_handler_count_and_leaves_the_stack_alone) {
    // The test stack runs one chat-api (scripts/test.sh): asking for two must change nothing.
    auto r = stack_sh("CHAT_API_PROCS=2", "start");
    BOOST_TEST(r.status != 0, r.output);
    BOOST_TEST(r.output.find("stop it first") != std::string::npos, r.output);
    chat::test::StackClient c;
    BOOST_TEST(c.get("/healthz").status == 200);
    BOOST_TEST(c.get("/metrics/api/2").status == 404);  // nginx was not re-rendered
}
