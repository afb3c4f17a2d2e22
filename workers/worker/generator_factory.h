// Chooses the generator for a claimed turn (its agent and model) from the configuration.
#pragma once

#include "workers/worker/turn_runner.h"

namespace chat::worker {

GeneratorFactory make_generator_factory();

}  // namespace chat::worker
