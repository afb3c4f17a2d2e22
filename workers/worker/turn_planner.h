// Plans one claimed turn: which agent serves it (conversation agent or per-message model), the
// prompt that fits the model's token budget, and the generator to run.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "queue/turn_queue.h"
#include "workers/generator.h"

namespace chat::worker {

struct TurnPlan {
    std::unique_ptr<gen::Generator> generator;
    gen::Prompt prompt;
    std::string context_json;  // what was sent (message ids, token estimate), for turns.context
};

using TurnPlanner = std::function<TurnPlan(const queue::ClaimedTurn&)>;

// Reads the agents (CHAT_BACKEND, CHAT_AGENTS_FILE, ...) and the local generator settings once.
// Throws when the configuration is invalid, so a misconfigured worker fails at start.
TurnPlanner make_turn_planner();

}  // namespace chat::worker
