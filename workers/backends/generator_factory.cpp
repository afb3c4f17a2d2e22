#include "workers/backends/generator_factory.h"

#include <cstdlib>

#include "workers/backends/anthropic_generator.h"
#include "workers/backends/openai_generator.h"

namespace chat::backends {
namespace {

std::string key_from_env(const std::string& variable) {
    if (variable.empty()) return {};
    const char* value = std::getenv(variable.c_str());
    return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::unique_ptr<gen::Generator> make_generator(const AgentConfig& agent,
                                               const LocalFactory& make_local) {
    switch (agent.backend) {
        case BackendKind::OpenAI:
            return std::make_unique<OpenAIGenerator>(agent, key_from_env(agent.api_key_env));
        case BackendKind::Anthropic:
            return std::make_unique<AnthropicGenerator>(agent, key_from_env(agent.api_key_env));
        case BackendKind::Local:
            break;
    }
    return make_local ? make_local() : nullptr;
}

}  // namespace chat::backends
