// State of one streaming reply shared by the upstream clients: forwards text to the sink,
// remembers what the upstream reported (usage, model, finish reason) and builds the gen::Result,
// estimating usage where the upstream sent none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "workers/backends/upstream_error.h"
#include "workers/generator.h"

namespace chat::backends {

class ReplyTracker {
  public:
    // prompt and sink must outlive the tracker.
    ReplyTracker(const gen::Prompt& prompt, std::string model, const gen::TokenSink& sink);

    // Forwards a text piece (empty pieces are skipped). False once the sink asked to stop.
    bool emit(std::string_view text);
    bool cancelled() const { return cancelled_; }
    // The upstream's bytes so far are handled; the next read may wait.
    void pause() const { sink_.pause(); }

    void set_input_tokens(int64_t n) { input_tokens_ = n; }
    void set_output_tokens(int64_t n) { output_tokens_ = n; }
    void set_model(std::string model);
    void set_finish_reason(std::string reason) { finish_reason_ = std::move(reason); }
    bool has_finish_reason() const { return !finish_reason_.empty(); }

    gen::Result done() const;
    gen::Result cancel_result() const;
    gen::Result failed(const UpstreamError& error) const;

  private:
    gen::Usage usage() const;

    const gen::Prompt& prompt_;
    const gen::TokenSink& sink_;
    std::string model_;
    std::string text_;  // everything emitted, for the output estimate
    bool cancelled_ = false;
    std::optional<int64_t> input_tokens_;
    std::optional<int64_t> output_tokens_;
    std::string finish_reason_;
};

// Estimated input tokens of a prompt (system + messages + framing).
int64_t estimate_prompt_tokens(const gen::Prompt& prompt);

}  // namespace chat::backends
