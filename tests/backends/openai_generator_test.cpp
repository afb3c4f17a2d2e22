// OpenAI-compatible client against a fake upstream that writes the wire format byte for byte.
#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>

#include <chrono>

#include "tests/backends/fake_upstream.h"
#include "workers/backends/openai_generator.h"

using namespace chat::backends;
using chat::backends::test::Conn;
using chat::backends::test::FakeUpstream;
using chat::backends::test::RecordedRequest;
using chat::backends::test::sse_event;
using chat::gen::Outcome;

namespace {

std::string delta(const std::string& text) {
    return R"({"id":"c1","object":"chat.completion.chunk","model":"tiny-1","choices":[{"index":0,"delta":{"content":")" +
           text +
           R"("},"finish_reason":null}],"usage":null})";  // vLLM sends usage:null until the end
}

const std::string kFinish =
    R"({"id":"c1","model":"tiny-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})";
const std::string kUsage =
    R"({"id":"c1","model":"tiny-1","choices":[],"usage":{"prompt_tokens":21,"completion_tokens":3,"total_tokens":24}})";

AgentConfig agent_for(const FakeUpstream& fake) {
    AgentConfig a;
    a.backend = BackendKind::OpenAI;
    a.model = "tiny";
    a.base_url = fake.base_url() + "/v1";
    a.max_output_tokens = 64;
    a.temperature = 0.5;
    a.timeouts.connect_ms = 2000;
    a.timeouts.silence_ms = 2000;
    a.timeouts.total_ms = 20000;
    return a;
}

chat::gen::Prompt prompt() {
    chat::gen::Prompt p;
    p.system = "You are terse.";
    p.messages = {{"m1", "user", "hi"}, {"m2", "assistant", "hello"}, {"m3", "user", "count"}};
    return p;
}

struct Collected {
    std::string text;
    int tokens = 0;
    chat::gen::TokenSink sink() {
        return [this](std::string_view t) {
            text.append(t);
            ++tokens;
            return true;
        };
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(openai_generator)

BOOST_AUTO_TEST_CASE(streams_split_chunks_multiline_pings_usage_and_done) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(": keep-alive\n\n");
        c.pace();
        std::string first = sse_event(delta("One"));
        c.chunk(first.substr(0, 17));  // a line split across TCP writes and HTTP chunks
        c.pace();
        c.chunk(first.substr(17));
        c.pace();
        // The same JSON spread over two data lines (joined with '\n', which JSON allows).
        c.chunk(
            "data: {\"model\":\"tiny-1\",\"choices\":[{\"index\":0,\r\ndata: "
            "\"delta\":{\"content\":\", two\"}}]}\r\n\r\n");
        c.pace();
        c.chunk(sse_event(delta(", three")) + ": ping\n\n" + sse_event(kFinish));
        c.chunk(sse_event(kUsage) + sse_event("[DONE]"));
        c.end_chunks();
    }});
    OpenAIGenerator gen(agent_for(fake), "sk-test");
    Collected got;
    auto r = gen.generate(prompt(), got.sink());
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Done));
    BOOST_TEST(got.text == "One, two, three");
    BOOST_TEST(got.tokens == 3);
    BOOST_TEST(r.finish_reason == "stop");
    BOOST_TEST(r.usage.input_tokens == 21);
    BOOST_TEST(r.usage.output_tokens == 3);
    BOOST_TEST(!r.usage.estimated);
    BOOST_TEST(r.usage.model == "tiny-1");
}

BOOST_AUTO_TEST_CASE(sends_the_documented_request) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(sse_event(kFinish) + sse_event("[DONE]"));
        c.end_chunks();
    }});
    OpenAIGenerator gen(agent_for(fake), "sk-test");
    Collected got;
    gen.generate(prompt(), got.sink());
    auto reqs = fake.requests();
    BOOST_REQUIRE_EQUAL(reqs.size(), 1u);
    BOOST_TEST(reqs[0].method == "POST");
    BOOST_TEST(reqs[0].target == "/v1/chat/completions");
    BOOST_TEST(reqs[0].headers["authorization"] == "Bearer sk-test");
    BOOST_TEST(reqs[0].headers["content-type"] == "application/json");
    auto body = Poco::JSON::Parser().parse(reqs[0].body).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(body->getValue<std::string>("model") == "tiny");
    BOOST_TEST(body->getValue<bool>("stream"));
    BOOST_TEST(body->getObject("stream_options")->getValue<bool>("include_usage"));
    BOOST_TEST(body->getValue<int>("max_tokens") == 64);
    BOOST_TEST(body->getValue<double>("temperature") == 0.5);
    auto messages = body->getArray("messages");
    BOOST_REQUIRE_EQUAL(messages->size(), 4u);
    BOOST_TEST(messages->getObject(0)->getValue<std::string>("role") == "system");
    BOOST_TEST(messages->getObject(0)->getValue<std::string>("content") == "You are terse.");
    BOOST_TEST(messages->getObject(3)->getValue<std::string>("content") == "count");
}

BOOST_AUTO_TEST_CASE(no_usage_from_upstream_is_estimated_and_length_maps) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(sse_event(delta("some words here")));
        c.chunk(sse_event(R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})"));
        c.end_chunks();  // and no [DONE]: some servers omit it after a finish reason
    }});
    OpenAIGenerator gen(agent_for(fake), "");
    Collected got;
    auto r = gen.generate(prompt(), got.sink());
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Done));
    BOOST_TEST(r.finish_reason == "length");
    BOOST_TEST(r.usage.estimated);
    BOOST_TEST(r.usage.input_tokens > 0);
    BOOST_TEST(r.usage.output_tokens > 0);
    BOOST_TEST(fake.requests().at(0).headers.count("authorization") == 0u);
}

BOOST_AUTO_TEST_CASE(rate_limited_then_succeeds_on_the_next_call) {
    FakeUpstream fake(
        {[](Conn& c, const RecordedRequest&) {
             c.status(429, "Too Many Requests",
                      R"({"error":{"message":"Rate limit reached","type":"requests"}})",
                      "Retry-After: 2\r\n");
         },
         [](Conn& c, const RecordedRequest&) {
             c.sse_headers();
             c.chunk(sse_event(delta("ok")) + sse_event(kFinish) + sse_event("[DONE]"));
             c.end_chunks();
         }});
    OpenAIGenerator gen(agent_for(fake), "k");
    Collected first;
    auto r1 = gen.generate(prompt(), first.sink());
    BOOST_TEST(static_cast<int>(r1.outcome) == static_cast<int>(Outcome::Failed));
    BOOST_TEST(r1.error_code == "rate_limited");
    BOOST_TEST(r1.retryable);
    BOOST_TEST(r1.retry_after_ms == 2000);
    BOOST_TEST(r1.error_message.find("Rate limit reached") != std::string::npos);
    BOOST_TEST(first.tokens == 0);
    Collected second;
    auto r2 = gen.generate(prompt(), second.sink());
    BOOST_TEST(static_cast<int>(r2.outcome) == static_cast<int>(Outcome::Done));
    BOOST_TEST(second.text == "ok");
}

BOOST_AUTO_TEST_CASE(client_and_server_errors_classify) {
    FakeUpstream fake(
        {[](Conn& c, const RecordedRequest&) {
             c.status(401, "Unauthorized", R"({"error":{"message":"bad key"}})");
         },
         [](Conn& c, const RecordedRequest&) { c.status(503, "Service Unavailable", "{}"); }});
    OpenAIGenerator gen(agent_for(fake), "k");
    Collected got;
    auto r1 = gen.generate(prompt(), got.sink());
    BOOST_TEST(r1.error_code == "bad_request");
    BOOST_TEST(!r1.retryable);
    auto r2 = gen.generate(prompt(), got.sink());
    BOOST_TEST(r2.error_code == "upstream_unavailable");
    BOOST_TEST(r2.retryable);
}

BOOST_AUTO_TEST_CASE(connect_failure_is_upstream_unavailable) {
    AgentConfig a;
    {
        Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
        a.base_url = "http://127.0.0.1:" + std::to_string(probe.address().port()) + "/v1";
    }  // closed: nothing listens there now
    a.backend = BackendKind::OpenAI;
    OpenAIGenerator gen(a, "");
    Collected got;
    auto r = gen.generate(prompt(), got.sink());
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Failed));
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(r.retryable);
}

BOOST_AUTO_TEST_CASE(stalled_upstream_times_out_retryably) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(sse_event(delta("before")));
        c.stall();  // silent until the client gives up
    }});
    auto a = agent_for(fake);
    a.timeouts.silence_ms = 300;
    OpenAIGenerator gen(a, "");
    Collected got;
    auto started = std::chrono::steady_clock::now();
    auto r = gen.generate(prompt(), got.sink());
    auto elapsed = std::chrono::steady_clock::now() - started;
    fake.release();
    BOOST_TEST(r.error_code == "timeout");
    BOOST_TEST(r.retryable);
    BOOST_TEST(got.text == "before");
    BOOST_TEST(r.usage.output_tokens > 0);  // a failed turn still reports usage
    BOOST_TEST(r.usage.estimated);
    BOOST_TEST((elapsed >= std::chrono::milliseconds(300)));
    BOOST_TEST((elapsed < std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(stalled_before_headers_times_out) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) { c.stall(); }});
    auto a = agent_for(fake);
    a.timeouts.silence_ms = 300;
    OpenAIGenerator gen(a, "");
    Collected got;
    auto r = gen.generate(prompt(), got.sink());
    fake.release();
    BOOST_TEST(r.error_code == "timeout");
    BOOST_TEST(r.retryable);
}

BOOST_AUTO_TEST_CASE(trickling_upstream_hits_the_total_deadline) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        // Keep-alive pings keep the silence timer happy; only the total deadline ends this.
        for (int i = 0; i < 2000 && c.chunk(": ping\n\n"); ++i) c.pace();
    }});
    auto a = agent_for(fake);
    a.timeouts.silence_ms = 1000;
    a.timeouts.total_ms = 300;
    OpenAIGenerator gen(a, "");
    Collected got;
    auto started = std::chrono::steady_clock::now();
    auto r = gen.generate(prompt(), got.sink());
    BOOST_TEST(r.error_code == "timeout");
    BOOST_TEST(r.retryable);
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(dropped_mid_stream_is_retryable_not_truncated) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(sse_event(delta("partial")));
        c.chunk("data: {\"choices\":[{\"delta\":{\"content\":\"cut");  // then the socket closes
    }});
    OpenAIGenerator gen(agent_for(fake), "");
    Collected got;
    auto r = gen.generate(prompt(), got.sink());
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Failed));
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(r.retryable);
    BOOST_TEST(got.text == "partial");
}

BOOST_AUTO_TEST_CASE(dropped_between_events_without_done_is_retryable) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
        c.send(sse_event(delta("a")));  // no length, no chunking: EOF is the only end signal
    }});
    OpenAIGenerator gen(agent_for(fake), "");
    Collected got;
    auto r = gen.generate(prompt(), got.sink());
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(r.retryable);
    BOOST_TEST(got.text == "a");
}

BOOST_AUTO_TEST_CASE(malformed_json_chunk_is_an_error) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(sse_event(delta("fine")));
        c.chunk(sse_event(R"({"choices":[{"delta":{"content":"x"}}]})"
                          "}{"));
        c.chunk(sse_event(delta("never seen")) + sse_event("[DONE]"));
        c.end_chunks();
    }});
    OpenAIGenerator gen(agent_for(fake), "");
    Collected got;
    auto r = gen.generate(prompt(), got.sink());
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Failed));
    BOOST_TEST(r.error_code == "upstream_error");
    BOOST_TEST(!r.retryable);
    BOOST_TEST(got.text == "fine");
}

BOOST_AUTO_TEST_CASE(in_stream_error_objects_classify) {
    FakeUpstream fake(
        {[](Conn& c, const RecordedRequest&) {
             c.sse_headers();
             c.chunk(sse_event(delta("a")));
             c.chunk(sse_event(
                 R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})"));
             c.end_chunks();
         },
         [](Conn& c, const RecordedRequest&) {
             c.sse_headers();
             c.chunk(sse_event(
                 R"({"error":{"message":"context too long","type":"invalid_request_error","code":"context_length_exceeded"}})"));
             c.end_chunks();
         }});
    OpenAIGenerator gen(agent_for(fake), "");
    Collected got;
    auto r1 = gen.generate(prompt(), got.sink());
    BOOST_TEST(r1.error_code == "upstream_unavailable");
    BOOST_TEST(r1.retryable);
    BOOST_TEST(r1.error_message.find("Loading model") != std::string::npos);
    auto r2 = gen.generate(prompt(), got.sink());
    BOOST_TEST(r2.error_code == "bad_request");
    BOOST_TEST(!r2.retryable);
}

BOOST_AUTO_TEST_CASE(cancellation_stops_mid_stream) {
    FakeUpstream fake({[](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        // An endless reply: only the client hanging up ends this script.
        for (int i = 0; i < 100000; ++i) {
            if (!c.chunk(sse_event(delta("tok ")))) return;
            c.pace();
        }
    }});
    OpenAIGenerator gen(agent_for(fake), "");
    int tokens = 0;
    auto started = std::chrono::steady_clock::now();
    auto r = gen.generate(prompt(), [&](std::string_view) { return ++tokens < 3; });
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(5)));
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Cancelled));
    BOOST_TEST(r.finish_reason == "cancelled");
    BOOST_TEST(tokens == 3);
    BOOST_TEST(r.usage.estimated);
    BOOST_TEST(r.usage.output_tokens >= 3);
    BOOST_TEST(fake.wait_done(std::chrono::seconds(5)));  // the server saw the hang-up
}

BOOST_AUTO_TEST_SUITE_END()
