// The https path (Poco NetSSL): a TLS fake upstream with a test certificate (testdata/, valid
// for localhost and 127.0.0.1, never used outside tests).
#include <boost/test/unit_test.hpp>

#include "tests/backends/fake_upstream.h"
#include "workers/backends/openai_generator.h"

using namespace chat::backends;
using chat::backends::test::Conn;
using chat::backends::test::FakeUpstream;
using chat::backends::test::RecordedRequest;
using chat::backends::test::sse_event;
using chat::gen::Outcome;

namespace {

const std::string kCert = std::string(CHAT_BACKENDS_TESTDATA) + "/fake_upstream_cert.pem";
const std::string kKey = std::string(CHAT_BACKENDS_TESTDATA) + "/fake_upstream_key.pem";

FakeUpstream::Script one_reply() {
    return [](Conn& c, const RecordedRequest&) {
        c.sse_headers();
        c.chunk(sse_event(R"({"choices":[{"index":0,"delta":{"content":"secure"}}]})"));
        c.chunk(sse_event(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})") +
                sse_event("[DONE]"));
        c.end_chunks();
    };
}

AgentConfig agent_for(const FakeUpstream& fake) {
    AgentConfig a;
    a.backend = BackendKind::OpenAI;
    a.base_url = fake.base_url() + "/v1";
    a.timeouts.connect_ms = 3000;
    a.timeouts.silence_ms = 3000;
    return a;
}

chat::gen::Prompt prompt() {
    chat::gen::Prompt p;
    p.messages = {{"m1", "user", "hi"}};
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(https_upstream)

BOOST_AUTO_TEST_CASE(streams_over_tls_when_the_ca_is_trusted) {
    FakeUpstream fake({one_reply()}, kCert, kKey);
    auto a = agent_for(fake);
    a.ca_file = kCert;
    OpenAIGenerator gen(a, "k");
    std::string text;
    auto r = gen.generate(prompt(), [&](std::string_view t) {
        text.append(t);
        return true;
    });
    BOOST_TEST_INFO(r.error_message);
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Done));
    BOOST_TEST(text == "secure");
    BOOST_TEST(fake.requests().at(0).headers["authorization"] == "Bearer k");
}

BOOST_AUTO_TEST_CASE(untrusted_certificate_is_refused) {
    FakeUpstream fake({one_reply()}, kCert, kKey);
    OpenAIGenerator gen(agent_for(fake), "k");
    std::string text;
    auto r = gen.generate(prompt(), [&](std::string_view t) {
        text.append(t);
        return true;
    });
    BOOST_TEST_MESSAGE("untrusted: " << r.error_code << ": " << r.error_message);
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Failed));
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(text.empty());
    BOOST_TEST(fake.requests().empty());  // the key never left the client
}

BOOST_AUTO_TEST_SUITE_END()
