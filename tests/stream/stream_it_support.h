// Helpers shared by the stream integration tests: reading a stream until a condition, assembling
// the text a client would show, and the stored reply to compare it with.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/chat_test.h"

namespace chat::stream::test {

using chat::test::EventStream;
using chat::test::SseEvent;
using chat::test::StackClient;
using Ms = std::chrono::milliseconds;

// Reads events into `events` until pred(last event) holds; throws on timeout or end of stream.
void read_until(EventStream& s, std::vector<SseEvent>& events,
                const std::function<bool(const SseEvent&)>& pred, Ms timeout);
// Reads until a token with this id has arrived.
void read_until_token(EventStream& s, std::vector<SseEvent>& events, int64_t seq, Ms timeout);
bool is_final(const SseEvent& e);

// The text a client shows: token texts in order, dropped at every `reset`.
std::string assemble(const std::vector<SseEvent>& events);
// Checks ids are consecutive within each attempt (a reset may restart them) and returns the
// number of token events; fails the current test case on a gap or duplicate.
size_t expect_in_order(const std::vector<SseEvent>& events, int64_t after = 0);
// The content of the newest assistant message of a conversation (GET .../messages).
std::string stored_reply(const StackClient& c, const std::string& conversation_id);
// Stream path of a turn, optionally resuming with ?after=.
std::string stream_path(const std::string& turn_id);

}  // namespace chat::stream::test
