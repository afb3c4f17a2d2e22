#include "workers/worker/turn_planner.h"

#include "workers/backends/agent_config.h"
#include "workers/backends/context_assembly.h"
#include "workers/backends/generator_factory.h"
#include "workers/local/local_generator.h"

namespace chat::worker {

TurnPlanner make_turn_planner() {
    auto agents =
        std::make_shared<backends::AgentRegistry>(backends::AgentRegistry::from_env_and_file());
    auto local = gen::LocalOptions::from_env();
    backends::LocalFactory make_local = [local] {
        return std::make_unique<gen::LocalGenerator>(local);
    };
    return [agents, make_local](const queue::ClaimedTurn& turn) {
        auto agent = agents->resolve(turn.agent_id, turn.model);
        auto ctx = backends::assemble_context(turn.admin_context, agent.system_prompt, turn.history,
                                              {agent.max_context_tokens, agent.max_output_tokens});
        TurnPlan plan;
        plan.prompt = std::move(ctx.prompt);
        plan.prompt.model = agent.model;
        // Every attempt of a turn gets the same seed, so a retried local turn says the same.
        plan.prompt.seed = std::hash<std::string>{}(turn.turn_id);
        plan.context_json = ctx.to_json();
        plan.generator = backends::make_generator(agent, make_local);
        return plan;
    };
}

}  // namespace chat::worker
