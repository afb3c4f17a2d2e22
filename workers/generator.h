// The generation backend interface: a worker hands a prompt to a Generator, which streams
// tokens back through a callback until it finishes, fails or is told to stop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/prompt_message.h"

namespace chat::gen {

using PromptMessage = chat::PromptMessage;

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

// Where a generator's tokens go. The sink is called for each token, in order, and returns false
// to stop generation (cancel or lost lease). A generator calls pause() before it waits (on the
// network, on a timer): the sink may hold tokens back to send several in one message, and pause()
// is its cue to send them, so holding adds no latency.
class TokenSink {
  public:
    using OnToken = std::function<bool(std::string_view token)>;
    using OnPause = std::function<void()>;

    TokenSink(OnToken on_token, OnPause on_pause)
        : on_token_(std::move(on_token)), on_pause_(std::move(on_pause)) {}
    // Any callable taking a token: a sink with nothing to hold back.
    template <typename F,
              typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, TokenSink> &&
                                          std::is_invocable_r_v<bool, F&, std::string_view>>>
    TokenSink(F on_token) : on_token_(std::move(on_token)) {}  // NOLINT: implicit on purpose

    bool operator()(std::string_view token) const { return on_token_(token); }
    void pause() const {
        if (on_pause_) on_pause_();
    }

  private:
    OnToken on_token_;
    OnPause on_pause_;
};

class Generator {
  public:
    virtual ~Generator() = default;
    // Blocks until generation ends. Must honour a false return from sink within a token, and
    // call sink.pause() before each wait.
    virtual Result generate(const Prompt& prompt, const TokenSink& sink) = 0;
};

}  // namespace chat::gen
