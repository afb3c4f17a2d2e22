// Agents: which backend, model, endpoint, key and generation settings serve a conversation.
// The default agent comes from the environment alone (CHAT_BACKEND, CHAT_MODEL, CHAT_OPENAI_*,
// CHAT_ANTHROPIC_*); CHAT_AGENTS_FILE optionally names a JSON file with more agents
// (format: docs/backends.md). Keys are never stored: an agent names the variable holding it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "workers/backends/upstream_http.h"

namespace chat::backends {

enum class BackendKind { Local, OpenAI, Anthropic };

std::string_view backend_name(BackendKind kind);  // "local" | "openai" | "anthropic"

struct AgentConfig {
    std::string id;  // "" for the default agent
    BackendKind backend = BackendKind::Local;
    std::string model;
    std::string base_url;       // OpenAI: ".../v1"; Anthropic: "https://api.anthropic.com"
    std::string api_key_env;    // name of the env variable with the key ("" = no key)
    std::string system_prompt;  // the agent prompt, appended to the admin context
    long max_context_tokens = 8192;
    long max_output_tokens = 1024;
    std::optional<double> temperature;  // unset = the upstream's default
    HttpTimeouts timeouts;
    std::string ca_file;  // extra CA bundle for https endpoints
};

// Thrown by the loaders for an unreadable or invalid agents file or environment.
class AgentConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

class AgentRegistry {
  public:
    // Reads the process environment and CHAT_AGENTS_FILE (if set). Throws AgentConfigError.
    static AgentRegistry from_env_and_file();
    // The same from explicit inputs (tests): agents_json = file content, "" = no file.
    static AgentRegistry load(const EnvLookup& env, std::string_view agents_json);

    // The agent for a conversation: unknown or empty ids get the default agent; a non-empty
    // model_override replaces the model name. Returned by value; safe to call from any thread.
    AgentConfig resolve(std::string_view agent_id, std::string_view model_override = {}) const;

    const AgentConfig& default_agent() const { return default_; }
    bool has_agent(std::string_view agent_id) const;

  private:
    AgentConfig default_;
    std::map<std::string, AgentConfig, std::less<>> agents_;
};

}  // namespace chat::backends
