// Anthropic Messages client against a fake upstream speaking the named-event stream.
#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "tests/backends/fake_upstream.h"
#include "workers/backends/anthropic_generator.h"

using namespace chat::backends;
using chat::backends::test::Conn;
using chat::backends::test::FakeUpstream;
using chat::backends::test::RecordedRequest;
using chat::backends::test::sse_event;
using chat::gen::Outcome;

namespace {

const std::string kMessageStart =
    R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-test-1","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}})";
const std::string kBlockStart =
    R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})";
const std::string kPing = R"({"type": "ping"})";
const std::string kBlockStop = R"({"type":"content_block_stop","index":0})";
const std::string kMessageDelta =
    R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}})";
const std::string kMessageStop = R"({"type":"message_stop"})";

std::string text_delta(const std::string& text) {
    return R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")" +
           text + R"("}})";
}

std::string ev(const std::string& name, const std::string& data) {
    return sse_event(data, name);
}

AgentConfig agent_for(const FakeUpstream& fake) {
    AgentConfig a;
    a.backend = BackendKind::Anthropic;
    a.model = "claude-test";
    a.base_url = fake.base_url();
    a.api_key_env = "CHAT_ANTHROPIC_API_KEY";
    a.max_output_tokens = 256;
    a.timeouts.silence_ms = 2000;
    return a;
}

chat::gen::Prompt prompt() {
    chat::gen::Prompt p;
    p.system = "Admin rules.\n\nAgent prompt.";
    p.messages = {{"m1", "user", "Hello"}};
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(anthropic_generator)

BOOST_AUTO_TEST_CASE(streams_the_full_event_sequence) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(ev("message_start", kMessageStart));
        c.chunk(ev("content_block_start", kBlockStart) + ev("ping", kPing));
        std::string d1 = ev("content_block_delta", text_delta("Hello"));
        c.chunk(d1.substr(0, 30));  // split inside the event
        c.pace();
        c.chunk(d1.substr(30) + ev("content_block_delta", text_delta("!")));
        c.chunk(ev("content_block_stop", kBlockStop) + ev("message_delta", kMessageDelta));
        c.chunk(ev("message_stop", kMessageStop));
        c.end_chunks();
    }});
    AnthropicGenerator gen(agent_for(fake), "sk-ant-test");
    std::string text;
    auto r = gen.generate(prompt(), [&](std::string_view t) {
        text.append(t);
        return true;
    });
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Done));
    BOOST_TEST(text == "Hello!");
    BOOST_TEST(r.finish_reason == "stop");
    BOOST_TEST(r.usage.input_tokens == 25);
    BOOST_TEST(r.usage.output_tokens == 15);
    BOOST_TEST(!r.usage.estimated);
    BOOST_TEST(r.usage.model == "claude-test-1");

    auto req = fake.requests().at(0);
    BOOST_TEST(req.target == "/v1/messages");
    BOOST_TEST(req.headers["x-api-key"] == "sk-ant-test");
    BOOST_TEST(req.headers["anthropic-version"] == "2023-06-01");
    auto body = Poco::JSON::Parser().parse(req.body).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(body->getValue<std::string>("model") == "claude-test");
    BOOST_TEST(body->getValue<std::string>("system") == "Admin rules.\n\nAgent prompt.");
    BOOST_TEST(body->getValue<int>("max_tokens") == 256);
    BOOST_TEST(body->getValue<bool>("stream"));
    BOOST_TEST(body->getArray("messages")->size() == 1u);
    BOOST_TEST(body->getArray("messages")->getObject(0)->getValue<std::string>("role") == "user");
}

BOOST_AUTO_TEST_CASE(max_tokens_stop_reason_maps_to_length) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(
            ev("message_start", kMessageStart) + ev("content_block_delta", text_delta("a")) +
            ev("message_delta",
               R"({"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":1}})") +
            ev("message_stop", kMessageStop));
        c.end_chunks();
    }});
    AnthropicGenerator gen(agent_for(fake), "k");
    auto r = gen.generate(prompt(), [](std::string_view) { return true; });
    BOOST_TEST(r.finish_reason == "length");
}

BOOST_AUTO_TEST_CASE(in_stream_overloaded_error_is_retryable) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(ev("message_start", kMessageStart) + ev("content_block_start", kBlockStart) +
                ev("content_block_delta", text_delta("Hal")) + ev("ping", kPing));
        c.chunk(
            ev("error",
               R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
        c.end_chunks();
    }});
    AnthropicGenerator gen(agent_for(fake), "k");
    std::string text;
    auto r = gen.generate(prompt(), [&](std::string_view t) {
        text.append(t);
        return true;
    });
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Failed));
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(r.retryable);
    BOOST_TEST(r.error_message.find("Overloaded") != std::string::npos);
    BOOST_TEST(text == "Hal");
    BOOST_TEST(r.usage.input_tokens == 25);  // from message_start
    BOOST_TEST(r.usage.estimated);           // output counted by us
}

BOOST_AUTO_TEST_CASE(in_stream_invalid_request_is_not_retryable) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(ev("error",
                   R"({"type":"error","error":{"type":"invalid_request_error","message":"bad"}})"));
        c.end_chunks();
    }});
    AnthropicGenerator gen(agent_for(fake), "k");
    auto r = gen.generate(prompt(), [](std::string_view) { return true; });
    BOOST_TEST(r.error_code == "bad_request");
    BOOST_TEST(!r.retryable);
}

BOOST_AUTO_TEST_CASE(http_529_overloaded_is_retryable) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.status(529, "Overloaded",
                 R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
    }});
    AnthropicGenerator gen(agent_for(fake), "k");
    auto r = gen.generate(prompt(), [](std::string_view) { return true; });
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(r.retryable);
}

BOOST_AUTO_TEST_CASE(stream_without_message_stop_is_a_drop) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(ev("message_start", kMessageStart) + ev("content_block_delta", text_delta("a")) +
                ev("message_delta", kMessageDelta));
        c.end_chunks();
    }});
    AnthropicGenerator gen(agent_for(fake), "k");
    auto r = gen.generate(prompt(), [](std::string_view) { return true; });
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(r.retryable);
}

BOOST_AUTO_TEST_CASE(malformed_event_data_is_an_error) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(ev("message_start", kMessageStart) + ev("content_block_delta", "{\"type\":"));
        c.end_chunks();
    }});
    AnthropicGenerator gen(agent_for(fake), "k");
    auto r = gen.generate(prompt(), [](std::string_view) { return true; });
    BOOST_TEST(r.error_code == "upstream_error");
    BOOST_TEST(!r.retryable);
}

BOOST_AUTO_TEST_CASE(cancellation_returns_cancelled_with_usage) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(ev("message_start", kMessageStart));
        for (int i = 0; i < 100000; ++i) {
            if (!c.chunk(ev("content_block_delta", text_delta("word ")))) return;
            c.pace();
        }
    }});
    AnthropicGenerator gen(agent_for(fake), "k");
    int tokens = 0;
    auto r = gen.generate(prompt(), [&](std::string_view) { return ++tokens < 2; });
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Cancelled));
    BOOST_TEST(tokens == 2);
    BOOST_TEST(r.usage.input_tokens == 25);
    BOOST_TEST(r.usage.output_tokens == 2);
    BOOST_TEST(fake.wait_done(std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(missing_key_fails_without_a_call) {
    AgentConfig a;
    a.backend = BackendKind::Anthropic;
    a.base_url = "http://127.0.0.1:1";
    a.api_key_env = "CHAT_ANTHROPIC_API_KEY";
    AnthropicGenerator gen(a, "");
    auto r = gen.generate(prompt(), [](std::string_view) { return true; });
    BOOST_TEST(r.error_code == "bad_request");
    BOOST_TEST(!r.retryable);
    BOOST_TEST(r.error_message.find("CHAT_ANTHROPIC_API_KEY") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
