#define BOOST_TEST_MODULE chat_backends
#include <boost/test/unit_test.hpp>

#include <csignal>

// A peer that closes mid-write must surface as an error value, not kill the test process.
struct IgnoreSigpipe {
    IgnoreSigpipe() { std::signal(SIGPIPE, SIG_IGN); }
};
BOOST_TEST_GLOBAL_FIXTURE(IgnoreSigpipe);
