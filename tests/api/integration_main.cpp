// REST API integration tests: through the real nginx -> chat-api -> PostgreSQL -> worker path.
#define BOOST_TEST_MODULE rest_integration
#include <boost/test/unit_test.hpp>
