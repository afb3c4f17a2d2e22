#include "workers/backends/anthropic_generator.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

#include "workers/backends/json_fields.h"
#include "workers/backends/sse_call.h"

namespace chat::backends {
namespace {

using Poco::JSON::Object;

constexpr const char* kApiVersion = "2023-06-01";

UpstreamError error_event(const Object::Ptr& data) {
    auto err = json::opt_object(data, "error");
    std::string type = json::opt_string(err, "type").value_or("");
    std::string message = json::opt_string(err, "message").value_or("unspecified error");
    return from_error_type(type, 0, "in-stream error: " + message);
}

void on_message_start(const Object::Ptr& data, ReplyTracker& tracker) {
    auto message = json::opt_object(data, "message");
    if (auto model = json::opt_string(message, "model")) tracker.set_model(*model);
    auto usage = json::opt_object(message, "usage");
    if (auto n = json::opt_int(usage, "input_tokens")) tracker.set_input_tokens(*n);
}

void on_message_delta(const Object::Ptr& data, ReplyTracker& tracker) {
    auto delta = json::opt_object(data, "delta");
    if (auto reason = json::opt_string(delta, "stop_reason")) {
        tracker.set_finish_reason(map_anthropic_stop_reason(*reason));
    }
    // output_tokens in message_delta is cumulative for the whole message.
    auto usage = json::opt_object(data, "usage");
    if (auto n = json::opt_int(usage, "output_tokens")) tracker.set_output_tokens(*n);
    if (auto n = json::opt_int(usage, "input_tokens")) tracker.set_input_tokens(*n);
}

// Interprets one event; false stops reading.
bool handle_event(const SseEvent& event, StreamState& state, ReplyTracker& tracker) {
    Object::Ptr data = json::parse_object(event.data);
    if (!data) {
        state.error = protocol_error("malformed JSON in '" + event.event +
                                     "' event: " + event.data.substr(0, 200));
        return false;
    }
    // The event name and the data's "type" agree; fall back to the latter if a proxy drops names.
    const std::string type =
        event.event.empty() ? json::opt_string(data, "type").value_or("") : event.event;
    if (type == "message_start") {
        on_message_start(data, tracker);
    } else if (type == "content_block_delta") {
        auto delta = json::opt_object(data, "delta");
        if (json::opt_string(delta, "type").value_or("") == "text_delta") {
            return tracker.emit(json::opt_string(delta, "text").value_or(""));
        }
    } else if (type == "message_delta") {
        on_message_delta(data, tracker);
    } else if (type == "message_stop") {
        state.finished = true;
        return false;
    } else if (type == "error") {
        state.error = error_event(data);
        return false;
    }
    // ping, content_block_start/stop and future event types need no action.
    return true;
}

}  // namespace

std::string map_anthropic_stop_reason(const std::string& reason) {
    if (reason == "max_tokens") return "length";
    if (reason == "tool_use") return "tool_calls";
    if (reason == "refusal") return "content_filter";
    return "stop";  // end_turn, stop_sequence, pause_turn
}

std::string anthropic_request_body(const AgentConfig& config, const gen::Prompt& prompt,
                                   const std::string& model) {
    Object body;
    body.set("model", model);
    body.set("max_tokens", config.max_output_tokens > 0 ? config.max_output_tokens : 1024);
    body.set("stream", true);
    if (!prompt.system.empty()) body.set("system", prompt.system);
    Poco::JSON::Array messages;
    for (const auto& m : prompt.messages) {
        auto msg = Poco::makeShared<Object>();
        msg->set("role", m.role);
        msg->set("content", m.content);
        messages.add(msg);
    }
    body.set("messages", messages);
    if (config.temperature) body.set("temperature", *config.temperature);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
}

AnthropicGenerator::AnthropicGenerator(AgentConfig config, std::string api_key)
    : config_(std::move(config)), api_key_(std::move(api_key)) {}

gen::Result AnthropicGenerator::generate(const gen::Prompt& prompt, const gen::TokenSink& sink) {
    const std::string model = prompt.model.empty() ? config_.model : prompt.model;
    ReplyTracker tracker(prompt, model, sink);
    if (api_key_.empty()) {
        // The public API rejects keyless calls; say which variable is missing instead.
        return tracker.failed(UpstreamError{
            "bad_request", "no Anthropic API key: set " + config_.api_key_env, false, 0});
    }
    StreamingPost request;
    request.url = config_.base_url + "/v1/messages";
    request.body = anthropic_request_body(config_, prompt, model);
    request.timeouts = config_.timeouts;
    request.ca_file = config_.ca_file;
    request.headers.emplace_back("anthropic-version", kApiVersion);
    request.headers.emplace_back("x-api-key", api_key_);
    auto on_event = [&tracker](const SseEvent& event, StreamState& state) {
        return handle_event(event, state, tracker);
    };
    return run_sse_call(request, tracker, on_event, /*finish_reason_ends_stream=*/false);
}

}  // namespace chat::backends
