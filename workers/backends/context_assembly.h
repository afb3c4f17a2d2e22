// Builds the prompt for one turn: the system prompt (admin context + agent prompt), then as much
// of the conversation as fits the model's token budget, oldest turns dropped first. The system
// prompt and the newest message are always sent, even if they alone exceed the budget.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "workers/generator.h"

namespace chat::backends {

struct ContextBudget {
    int64_t max_context_tokens = 8192;  // the model's window
    int64_t max_output_tokens = 1024;   // reserved for the reply
};

struct AssembledContext {
    gen::Prompt prompt;                    // model and seed are left for the caller
    std::vector<std::string> message_ids;  // the messages sent, oldest first
    int64_t estimated_tokens = 0;          // system + sent messages, with framing
    int64_t budget_tokens = 0;             // input budget the selection was made against
    std::size_t dropped_messages = 0;      // history left out (too old or empty)
    bool over_budget = false;              // the mandatory parts alone exceed the budget

    // {"message_ids":[...],"estimated_tokens":N,"budget_tokens":B,"dropped_messages":K,
    //  "over_budget":false} for turns.context.
    std::string to_json() const;
};

// history: the conversation oldest first with edits applied; the newest user message last.
// Messages with empty content are skipped (upstreams reject them), except the newest.
AssembledContext assemble_context(std::string_view admin_context, std::string_view agent_prompt,
                                  const std::vector<gen::PromptMessage>& history,
                                  const ContextBudget& budget);

}  // namespace chat::backends
