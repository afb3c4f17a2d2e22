#include <boost/test/unit_test.hpp>

#include <map>
#include <ostream>

#include "workers/backends/agent_config.h"
#include "workers/backends/generator_factory.h"

using namespace chat::backends;

namespace chat::backends {
std::ostream& operator<<(std::ostream& os, BackendKind kind) {
    return os << backend_name(kind);
}
}  // namespace chat::backends

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

class StubLocal : public chat::gen::Generator {
  public:
    chat::gen::Result generate(const chat::gen::Prompt&, const chat::gen::TokenSink&) override {
        return {};
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_config)

BOOST_AUTO_TEST_CASE(default_is_local_without_any_environment) {
    auto reg = AgentRegistry::load(env_of({}), "");
    BOOST_TEST(reg.default_agent().backend == BackendKind::Local);
    BOOST_TEST(reg.resolve("anything").backend == BackendKind::Local);
}

BOOST_AUTO_TEST_CASE(env_selects_openai_default_agent) {
    auto reg = AgentRegistry::load(env_of({{"CHAT_BACKEND", "openai"},
                                           {"CHAT_MODEL", "qwen2.5"},
                                           {"CHAT_OPENAI_BASE_URL", "http://127.0.0.1:8081/v1/"},
                                           {"CHAT_UPSTREAM_SILENCE_TIMEOUT_S", "2.5"}}),
                                   "");
    const auto a = reg.resolve("");
    BOOST_TEST(backend_name(a.backend) == "openai");
    BOOST_TEST(a.model == "qwen2.5");
    BOOST_TEST(a.base_url == "http://127.0.0.1:8081/v1");
    BOOST_TEST(a.api_key_env == "CHAT_OPENAI_API_KEY");
    BOOST_TEST(a.timeouts.silence_ms == 2500);
}

BOOST_AUTO_TEST_CASE(env_anthropic_defaults_to_public_api) {
    auto reg = AgentRegistry::load(env_of({{"CHAT_BACKEND", "anthropic"}}), "");
    BOOST_TEST(reg.default_agent().base_url == "https://api.anthropic.com");
    BOOST_TEST(reg.default_agent().api_key_env == "CHAT_ANTHROPIC_API_KEY");
    BOOST_TEST(!reg.default_agent().model.empty());
}

BOOST_AUTO_TEST_CASE(bad_env_backend_is_an_error) {
    BOOST_CHECK_THROW(AgentRegistry::load(env_of({{"CHAT_BACKEND", "gpt"}}), ""), AgentConfigError);
}

BOOST_AUTO_TEST_CASE(file_agents_resolve_and_unknown_falls_back_to_default) {
    const char* file = R"({
      "agents": {
        "claude": {"backend": "anthropic", "model": "claude-x", "system_prompt": "Be brief.",
                   "max_context_tokens": 100000, "max_output_tokens": 2048, "temperature": 0.2,
                   "timeouts": {"connect_s": 3, "silence_s": 0.5, "total_s": 60}},
        "llama": {"backend": "openai", "base_url": "http://127.0.0.1:8081/v1",
                  "api_key_env": ""}
      }
    })";
    auto reg = AgentRegistry::load(env_of({{"CHAT_MODEL", "m"}}), file);
    auto claude = reg.resolve("claude");
    BOOST_TEST(claude.id == "claude");
    BOOST_TEST(claude.model == "claude-x");
    BOOST_TEST(claude.system_prompt == "Be brief.");
    BOOST_TEST(claude.max_context_tokens == 100000);
    BOOST_TEST(claude.max_output_tokens == 2048);
    BOOST_TEST(claude.temperature.value_or(-1) == 0.2);
    BOOST_TEST(claude.timeouts.connect_ms == 3000);
    BOOST_TEST(claude.timeouts.silence_ms == 500);
    BOOST_TEST(claude.base_url == "https://api.anthropic.com");
    auto llama = reg.resolve("llama", "override-model");
    BOOST_TEST(llama.model == "override-model");
    BOOST_TEST(llama.api_key_env == "");
    BOOST_TEST(reg.resolve("nobody").backend == BackendKind::Local);
    BOOST_TEST(reg.resolve("nobody", "x").model == "x");
}

BOOST_AUTO_TEST_CASE(default_agent_can_come_from_the_file) {
    auto reg = AgentRegistry::load(
        env_of({}), R"({"default_agent": "a", "agents": {"a": {"backend": "openai"}}})");
    BOOST_TEST(reg.default_agent().backend == BackendKind::OpenAI);
    BOOST_TEST(reg.resolve("").id == "a");
}

BOOST_AUTO_TEST_CASE(invalid_files_are_rejected_with_a_reason) {
    auto env = env_of({});
    BOOST_CHECK_THROW(AgentRegistry::load(env, "not json"), AgentConfigError);
    BOOST_CHECK_THROW(AgentRegistry::load(env, R"({"agents": []})"), AgentConfigError);
    BOOST_CHECK_THROW(AgentRegistry::load(env, R"({"agents": {"a": {}}})"), AgentConfigError);
    BOOST_CHECK_THROW(AgentRegistry::load(env, R"({"agents": {"a": {"backend": "x"}}})"),
                      AgentConfigError);
    BOOST_CHECK_THROW(
        AgentRegistry::load(env, R"({"agents": {"a": {"backend": "local", "modle": "x"}}})"),
        AgentConfigError);
    BOOST_CHECK_THROW(AgentRegistry::load(
                          env, R"({"agents": {"a": {"backend": "local", "temperature": "hot"}}})"),
                      AgentConfigError);
    BOOST_CHECK_THROW(AgentRegistry::load(env, R"({"default_agent": "zz", "agents": {}})"),
                      AgentConfigError);
}

BOOST_AUTO_TEST_CASE(factory_uses_the_local_factory_only_for_local) {
    int local_calls = 0;
    LocalFactory local = [&] {
        ++local_calls;
        return std::make_unique<StubLocal>();
    };
    AgentConfig a;
    BOOST_TEST(make_generator(a, local) != nullptr);
    BOOST_TEST(local_calls == 1);
    a.backend = BackendKind::OpenAI;
    BOOST_TEST(make_generator(a, local) != nullptr);
    a.backend = BackendKind::Anthropic;
    BOOST_TEST(make_generator(a, local) != nullptr);
    BOOST_TEST(local_calls == 1);
}

BOOST_AUTO_TEST_SUITE_END()
