#include "workers/backends/context_assembly.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <sstream>

#include "workers/backends/token_estimate.h"

namespace chat::backends {
namespace {

int64_t message_cost(std::string_view content) {
    return estimate_tokens(content) + kMessageOverheadTokens;
}

std::string join_system(std::string_view admin_context, std::string_view agent_prompt) {
    std::string system(admin_context);
    if (!system.empty() && !agent_prompt.empty()) system += "\n\n";
    system += agent_prompt;
    return system;
}

// Indices of the older messages that fit, newest first: walks back from the newest and stops
// at the first one that does not fit, so nothing older than a dropped message is sent.
std::vector<std::size_t> select_history(const std::vector<gen::PromptMessage>& history,
                                        int64_t budget, int64_t& used) {
    std::vector<std::size_t> kept;
    for (std::size_t i = history.size() - 1; i-- > 0;) {
        if (history[i].content.empty()) continue;
        int64_t cost = message_cost(history[i].content);
        if (used + cost > budget) break;
        used += cost;
        kept.push_back(i);
    }
    // A reply whose question was dropped would open the conversation mid-turn.
    while (!kept.empty() && history[kept.back()].role != "user") {
        used -= message_cost(history[kept.back()].content);
        kept.pop_back();
    }
    return kept;
}

}  // namespace

AssembledContext assemble_context(std::string_view admin_context, std::string_view agent_prompt,
                                  const std::vector<gen::PromptMessage>& history,
                                  const ContextBudget& budget) {
    AssembledContext out;
    out.prompt.system = join_system(admin_context, agent_prompt);
    out.budget_tokens = std::max<int64_t>(0, budget.max_context_tokens - budget.max_output_tokens);
    int64_t used = out.prompt.system.empty() ? 0 : message_cost(out.prompt.system);
    if (!history.empty()) {
        used += message_cost(history.back().content);
        out.over_budget = used > out.budget_tokens;
        std::vector<std::size_t> kept = select_history(history, out.budget_tokens, used);
        for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
            out.prompt.messages.push_back(history[*it]);
        }
        out.prompt.messages.push_back(history.back());
        out.dropped_messages = history.size() - out.prompt.messages.size();
    } else {
        out.over_budget = used > out.budget_tokens;
    }
    for (const auto& m : out.prompt.messages) out.message_ids.push_back(m.id);
    out.estimated_tokens = used;
    return out;
}

std::string AssembledContext::to_json() const {
    Poco::JSON::Object obj;
    Poco::JSON::Array ids;
    for (const auto& id : message_ids) ids.add(id);
    obj.set("message_ids", ids);
    obj.set("estimated_tokens", estimated_tokens);
    obj.set("budget_tokens", budget_tokens);
    obj.set("dropped_messages", static_cast<int64_t>(dropped_messages));
    obj.set("over_budget", over_budget);
    std::ostringstream out;
    obj.stringify(out);
    return out.str();
}

}  // namespace chat::backends
