#define BOOST_TEST_MODULE rest_unit
#include <boost/test/unit_test.hpp>
