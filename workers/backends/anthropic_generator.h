// Generator for the Anthropic Messages API: POST {base_url}/v1/messages with stream:true and
// the named events message_start .. message_stop (ping and error included).
#pragma once

#include <string>

#include "workers/backends/agent_config.h"
#include "workers/generator.h"

namespace chat::backends {

class AnthropicGenerator : public gen::Generator {
  public:
    AnthropicGenerator(AgentConfig config, std::string api_key);

    // Thread-compatible: one generate() at a time per instance; instances are cheap.
    gen::Result generate(const gen::Prompt& prompt, const gen::TokenSink& sink) override;

  private:
    AgentConfig config_;
    std::string api_key_;
};

// The JSON request body (exposed for tests).
std::string anthropic_request_body(const AgentConfig& config, const gen::Prompt& prompt,
                                   const std::string& model);

// Maps an Anthropic stop_reason onto ours: stop, length, tool_calls, content_filter.
std::string map_anthropic_stop_reason(const std::string& reason);

}  // namespace chat::backends
