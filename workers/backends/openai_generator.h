// Generator for OpenAI-compatible chat completions (OpenAI, llama.cpp server, vLLM, Ollama):
// POST {base_url}/chat/completions with stream:true, reading "data:" chunks until [DONE].
#pragma once

#include <string>

#include "workers/backends/agent_config.h"
#include "workers/generator.h"

namespace chat::backends {

class OpenAIGenerator : public gen::Generator {
  public:
    // api_key "" sends no Authorization header (local servers).
    OpenAIGenerator(AgentConfig config, std::string api_key);

    // Thread-compatible: one generate() at a time per instance; instances are cheap.
    gen::Result generate(const gen::Prompt& prompt, const gen::TokenSink& sink) override;

  private:
    AgentConfig config_;
    std::string api_key_;
};

// The JSON request body (exposed for tests).
std::string openai_request_body(const AgentConfig& config, const gen::Prompt& prompt,
                                const std::string& model);

// Maps an OpenAI finish_reason onto ours: stop, length, content_filter, tool_calls.
std::string map_openai_finish_reason(const std::string& reason);

}  // namespace chat::backends
