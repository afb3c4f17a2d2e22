#include "workers/backends/openai_generator.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

#include "workers/backends/json_fields.h"
#include "workers/backends/sse_call.h"

namespace chat::backends {
namespace {

using Poco::JSON::Object;

Poco::JSON::Object::Ptr message_json(const std::string& role, const std::string& content) {
    auto m = Poco::makeShared<Object>();
    m->set("role", role);
    m->set("content", content);
    return m;
}

UpstreamError stream_error(const Object::Ptr& chunk) {
    std::string type;
    std::string message;
    int code = 0;
    if (auto err = json::opt_object(chunk, "error")) {
        type = json::opt_string(err, "type").value_or("");
        message = json::opt_string(err, "message").value_or("");
        if (auto code_text = json::opt_string(err, "code")) {
            type += type.empty() ? *code_text : " " + *code_text;
        }
        code = static_cast<int>(json::opt_int(err, "code").value_or(0));
    } else {
        message = json::opt_string(chunk, "error").value_or("unspecified error");
    }
    return from_error_type(type, code, "in-stream error: " + message);
}

// Interprets one chunk; false stops reading.
bool handle_chunk(const SseEvent& event, StreamState& state, ReplyTracker& tracker) {
    if (event.data == "[DONE]") {
        state.finished = true;
        return false;
    }
    Object::Ptr chunk = json::parse_object(event.data);
    if (!chunk) {
        state.error =
            protocol_error("malformed JSON in stream chunk: " + event.data.substr(0, 200));
        return false;
    }
    if (chunk->has("error")) {
        state.error = stream_error(chunk);
        return false;
    }
    if (auto model = json::opt_string(chunk, "model")) tracker.set_model(*model);
    if (auto usage = json::opt_object(chunk, "usage")) {
        if (auto n = json::opt_int(usage, "prompt_tokens")) tracker.set_input_tokens(*n);
        if (auto n = json::opt_int(usage, "completion_tokens")) tracker.set_output_tokens(*n);
    }
    auto choices = json::opt_array(chunk, "choices");
    if (!choices || choices->size() == 0) return true;  // e.g. the usage-only final chunk
    auto choice = choices->getObject(0);
    if (auto reason = json::opt_string(choice, "finish_reason")) {
        tracker.set_finish_reason(map_openai_finish_reason(*reason));
    }
    auto delta = json::opt_object(choice, "delta");
    return tracker.emit(json::opt_string(delta, "content").value_or(""));
}

}  // namespace

std::string map_openai_finish_reason(const std::string& reason) {
    if (reason == "length") return "length";
    if (reason == "content_filter") return "content_filter";
    if (reason == "tool_calls" || reason == "function_call") return "tool_calls";
    return "stop";
}

std::string openai_request_body(const AgentConfig& config, const gen::Prompt& prompt,
                                const std::string& model) {
    Object body;
    body.set("model", model);
    Poco::JSON::Array messages;
    if (!prompt.system.empty()) messages.add(message_json("system", prompt.system));
    for (const auto& m : prompt.messages) messages.add(message_json(m.role, m.content));
    body.set("messages", messages);
    body.set("stream", true);
    Object stream_options;
    stream_options.set("include_usage", true);
    body.set("stream_options", stream_options);
    if (config.max_output_tokens > 0) body.set("max_tokens", config.max_output_tokens);
    if (config.temperature) body.set("temperature", *config.temperature);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
}

OpenAIGenerator::OpenAIGenerator(AgentConfig config, std::string api_key)
    : config_(std::move(config)), api_key_(std::move(api_key)) {}

gen::Result OpenAIGenerator::generate(const gen::Prompt& prompt, const gen::TokenSink& sink) {
    const std::string model = prompt.model.empty() ? config_.model : prompt.model;
    StreamingPost request;
    request.url = config_.base_url + "/chat/completions";
    request.body = openai_request_body(config_, prompt, model);
    request.timeouts = config_.timeouts;
    request.ca_file = config_.ca_file;
    if (!api_key_.empty()) request.headers.emplace_back("Authorization", "Bearer " + api_key_);
    ReplyTracker tracker(prompt, model, sink);
    auto on_event = [&tracker](const SseEvent& event, StreamState& state) {
        return handle_chunk(event, state, tracker);
    };
    return run_sse_call(request, tracker, on_event, /*finish_reason_ends_stream=*/true);
}

}  // namespace chat::backends
