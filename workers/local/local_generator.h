// The built-in generator: no network, no key. Deterministic for a given prompt and seed, its
// text depends on the conversation, and it honours cancellation within a token.
//
// Test directives, recognised in the newest user message (documented in the README):
//   /fail       fail with a retryable upstream_unavailable error (exercises retries, dead letter)
//   /fail-hard  fail with a non-retryable bad_request error
//   /slow       at least 60 ms per token, so a test can act while the reply is streaming
#pragma once

#include "workers/generator.h"

namespace chat::gen {

struct LocalOptions {
    int tokens = 64;   // CHAT_LOCAL_TOKENS
    int delay_ms = 0;  // CHAT_LOCAL_DELAY_MS, per token; 0 = as fast as possible
    static LocalOptions from_env();
};

class LocalGenerator : public Generator {
  public:
    explicit LocalGenerator(LocalOptions opts) : opts_(opts) {}
    Result generate(const Prompt& prompt, const TokenSink& sink) override;

  private:
    LocalOptions opts_;
};

// The tokens LocalGenerator would produce (exposed for tests).
std::vector<std::string> local_reply_tokens(const Prompt& prompt, int count);

}  // namespace chat::gen
