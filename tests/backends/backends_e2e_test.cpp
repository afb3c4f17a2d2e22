// End to end through the real stack with network backends: a conversation whose agent is served
// by chat-fake-model over the OpenAI-compatible or the Anthropic wire format streams its reply
// through nginx like a local one. Needs scripts/test.sh to start chat-fake-model and write the
// agents file (CHAT_TEST_FAKE_MODEL_URL; agents e2e-openai and e2e-anthropic).
#define BOOST_TEST_MODULE backends_e2e_test
#include <boost/test/unit_test.hpp>

#include <string>

#include "tests/support/chat_test.h"

using namespace chat::test;

namespace {

constexpr auto kTurnTimeout = std::chrono::seconds(60);

std::string create_conversation_with_agent(const StackClient& c, const std::string& agent) {
    auto res = c.post("/api/v1/conversations",
                      R"({"title":"backends e2e","agent_id":")" + agent + R"("})");
    BOOST_REQUIRE_EQUAL(res.status, 201);
    return parse_object(res.body)->getValue<std::string>("id");
}

void expect_echo_through_agent(const std::string& agent) {
    require_env("CHAT_TEST_FAKE_MODEL_URL");  // fails clearly when test.sh did not start it
    StackClient c;
    auto conversation = create_conversation_with_agent(c, agent);
    auto posted = c.post_message(conversation, "hello backends");
    auto stream = c.open_stream(posted->getObject("turn")->getValue<std::string>("stream_url"));
    BOOST_REQUIRE_EQUAL(stream->status(), 200);
    auto events = read_until_end(*stream, kTurnTimeout);
    BOOST_REQUIRE(!events.empty());
    BOOST_TEST_INFO("last event: " << events.back().event << " " << events.back().data);
    BOOST_REQUIRE_EQUAL(events.back().event, "done");
    BOOST_TEST(token_text(events) == "echo: hello backends");
    auto done = parse_object(events.back().data);
    auto usage = done->getObject("usage");
    BOOST_REQUIRE(usage);
    BOOST_TEST(usage->getValue<long>("input_tokens") == 10);  // as the fake server reported
    BOOST_TEST(usage->getValue<long>("output_tokens") == 3);
    if (usage->has("estimated")) BOOST_TEST(!usage->getValue<bool>("estimated"));
}

}  // namespace

BOOST_AUTO_TEST_CASE(openai_compatible_agent_streams_end_to_end) {
    expect_echo_through_agent("e2e-openai");
}

BOOST_AUTO_TEST_CASE(anthropic_agent_streams_end_to_end) {
    expect_echo_through_agent("e2e-anthropic");
}
