// The generation backend interface: a worker hands a prompt to a Generator, which streams
// tokens back through a callback until it finishes, fails or is told to stop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chat::gen {

struct PromptMessage {
    std::string id;    // message id (uuid), recorded in turns.context
    std::string role;  // "user" | "assistant"
    std::string content;
};

struct Prompt {
    std::string system;                   // admin context + agent prompt; may be empty
    std::vector<PromptMessage> messages;  // oldest first; the newest user message is last
    std::string model;                    // requested model ("" = backend default)
    uint64_t seed = 0;                    // for deterministic generators
};

struct Usage {
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    bool estimated = false;  // true when the upstream reported none and we counted ourselves
    std::string model;
};

enum class Outcome { Done, Cancelled, Failed };

struct Result {
    Outcome outcome = Outcome::Done;
    std::string finish_reason;  // "stop", "length", "cancelled", ...
    Usage usage;
    // For Failed: a stable code (upstream_unavailable, rate_limited, bad_request, timeout,
    // upstream_error), a human message, and whether the queue should retry the turn.
    std::string error_code;
    std::string error_message;
    bool retryable = false;
    long retry_after_ms = 0;  // upstream's hint (e.g. Retry-After), 0 = none
};

// Called for each token, in order. Returns false to stop generation (cancel or lost lease).
using TokenSink = std::function<bool(std::string_view token)>;

class Generator {
  public:
    virtual ~Generator() = default;
    // Blocks until generation ends. Must honour a false return from sink within a token.
    virtual Result generate(const Prompt& prompt, const TokenSink& sink) = 0;
};

}  // namespace chat::gen
