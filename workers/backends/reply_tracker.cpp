#include "workers/backends/reply_tracker.h"

#include "workers/backends/token_estimate.h"

namespace chat::backends {

int64_t estimate_prompt_tokens(const gen::Prompt& prompt) {
    int64_t total =
        prompt.system.empty() ? 0 : estimate_tokens(prompt.system) + kMessageOverheadTokens;
    for (const auto& m : prompt.messages)
        total += estimate_tokens(m.content) + kMessageOverheadTokens;
    return total;
}

ReplyTracker::ReplyTracker(const gen::Prompt& prompt, std::string model, const gen::TokenSink& sink)
    : prompt_(prompt), sink_(sink), model_(std::move(model)) {}

bool ReplyTracker::emit(std::string_view text) {
    if (cancelled_) return false;
    if (text.empty()) return true;
    text_.append(text);
    if (!sink_(text)) cancelled_ = true;
    return !cancelled_;
}

void ReplyTracker::set_model(std::string model) {
    if (!model.empty()) model_ = std::move(model);
}

gen::Usage ReplyTracker::usage() const {
    gen::Usage u;
    u.model = model_;
    u.input_tokens = input_tokens_.value_or(estimate_prompt_tokens(prompt_));
    u.output_tokens = output_tokens_.value_or(estimate_tokens(text_));
    u.estimated = !input_tokens_ || !output_tokens_;
    return u;
}

gen::Result ReplyTracker::done() const {
    gen::Result r;
    r.outcome = gen::Outcome::Done;
    r.finish_reason = finish_reason_.empty() ? "stop" : finish_reason_;
    r.usage = usage();
    return r;
}

gen::Result ReplyTracker::cancel_result() const {
    gen::Result r;
    r.outcome = gen::Outcome::Cancelled;
    r.finish_reason = "cancelled";
    r.usage = usage();
    // The upstream's output count (if any arrived) predates the cut; count what was emitted.
    r.usage.output_tokens = estimate_tokens(text_);
    r.usage.estimated = true;
    return r;
}

gen::Result ReplyTracker::failed(const UpstreamError& error) const {
    gen::Result r;
    r.outcome = gen::Outcome::Failed;
    r.finish_reason = "error";
    r.usage = usage();
    r.error_code = error.code;
    r.error_message = error.message;
    r.retryable = error.retryable;
    r.retry_after_ms = error.retry_after_ms;
    return r;
}

}  // namespace chat::backends
