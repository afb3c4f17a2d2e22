// Builds the Generator an agent asks for. The local generator is the worker's own (injected as
// a factory so this library does not depend on it); network backends read their key from the
// environment variable the agent names, at creation time.
#pragma once

#include <functional>
#include <memory>

#include "workers/backends/agent_config.h"
#include "workers/generator.h"

namespace chat::backends {

using LocalFactory = std::function<std::unique_ptr<gen::Generator>()>;

// Never returns null for openai/anthropic; for local returns whatever make_local returns.
std::unique_ptr<gen::Generator> make_generator(const AgentConfig& agent,
                                               const LocalFactory& make_local);

}  // namespace chat::backends
