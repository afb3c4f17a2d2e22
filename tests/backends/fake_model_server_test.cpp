// Runs chat-fake-model (the stand-in model server for end-to-end runs) as a process and streams
// from it with both real clients, so the tool the stack tests rely on is itself tested.
#include <boost/test/unit_test.hpp>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <string>

#include "workers/backends/anthropic_generator.h"
#include "workers/backends/openai_generator.h"

using namespace chat::backends;

namespace {

class FakeModelProcess {
  public:
    FakeModelProcess() : handle_(launch(out_)) {
        Poco::PipeInputStream lines(out_);
        std::string word;
        lines >> word >> port_;  // "listening <port>"
        BOOST_REQUIRE_EQUAL(word, "listening");
    }
    ~FakeModelProcess() {
        Poco::Process::requestTermination(handle_.id());
        handle_.wait();
    }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    static Poco::ProcessHandle launch(Poco::Pipe& out) {
        return Poco::Process::launch(CHAT_FAKE_MODEL_BIN, {"--port", "0"}, nullptr, &out, nullptr);
    }
    Poco::Pipe out_;
    Poco::ProcessHandle handle_;
    int port_ = 0;
};

chat::gen::Prompt prompt() {
    chat::gen::Prompt p;
    p.system = "sys";
    p.messages = {{"m1", "user", "old question"},
                  {"m2", "assistant", "old answer"},
                  {"m3", "user", "hello there"}};
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fake_model_server)

BOOST_AUTO_TEST_CASE(serves_both_wire_formats) {
    FakeModelProcess server;
    AgentConfig openai;
    openai.backend = BackendKind::OpenAI;
    openai.model = "fake-gpt";
    openai.base_url = server.base_url() + "/v1";
    std::string text;
    auto sink = [&](std::string_view t) {
        text.append(t);
        return true;
    };
    auto r1 = OpenAIGenerator(openai, "").generate(prompt(), sink);
    BOOST_TEST_INFO(r1.error_message);
    BOOST_TEST(static_cast<int>(r1.outcome) == static_cast<int>(chat::gen::Outcome::Done));
    BOOST_TEST(text == "echo: hello there");
    BOOST_TEST(r1.usage.output_tokens == 3);
    BOOST_TEST(!r1.usage.estimated);

    AgentConfig anthropic = openai;
    anthropic.backend = BackendKind::Anthropic;
    anthropic.base_url = server.base_url();
    text.clear();
    auto r2 = AnthropicGenerator(anthropic, "key").generate(prompt(), sink);
    BOOST_TEST_INFO(r2.error_message);
    BOOST_TEST(static_cast<int>(r2.outcome) == static_cast<int>(chat::gen::Outcome::Done));
    BOOST_TEST(text == "echo: hello there");
    BOOST_TEST(r2.usage.model == "fake-gpt");
}

BOOST_AUTO_TEST_SUITE_END()
