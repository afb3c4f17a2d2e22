// One message of a conversation as a prompt holds it: what a claim reads from the queue
// (queue/turn_queue.h) and what a generator is given (workers/generator.h), with no copy between.
#pragma once

#include <string>

namespace chat {

struct PromptMessage {
    std::string id;    // message id (uuid), recorded in turns.context
    std::string role;  // "user" | "assistant"
    std::string content;
};

}  // namespace chat
