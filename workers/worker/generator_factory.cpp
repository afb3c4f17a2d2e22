#include "workers/worker/generator_factory.h"

#include "workers/local/local_generator.h"

namespace chat::worker {

GeneratorFactory make_generator_factory() {
    auto local = gen::LocalOptions::from_env();
    return
        [local](const queue::ClaimedTurn&) { return std::make_unique<gen::LocalGenerator>(local); };
}

}  // namespace chat::worker
