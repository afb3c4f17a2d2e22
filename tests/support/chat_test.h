// Everything an integration test needs to drive the running stack (see each header):
//   TestEnv / require_env      the stack's address from CHAT_TEST_* (fails clearly when missing)
//   StackClient                HTTP requests through nginx as a user; conversation/message
//   shortcuts EventStream (via open_stream)  an incremental SSE client: next(timeout), close() to
//   drop parse_object / to_json     Poco JSON helpers
// Link the target chat_test_support.
#pragma once

#include "tests/support/json.h"
#include "tests/support/stack_client.h"
#include "tests/support/test_env.h"
