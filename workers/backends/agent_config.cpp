#include "workers/backends/agent_config.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace chat::backends {
namespace {

using Poco::JSON::Object;

constexpr const char* kOpenAIKeyEnv = "CHAT_OPENAI_API_KEY";
constexpr const char* kAnthropicKeyEnv = "CHAT_ANTHROPIC_API_KEY";

BackendKind parse_backend(const std::string& name, const std::string& where) {
    if (name == "local") return BackendKind::Local;
    if (name == "openai") return BackendKind::OpenAI;
    if (name == "anthropic") return BackendKind::Anthropic;
    throw AgentConfigError(where + ": backend must be local, openai or anthropic, not '" + name +
                           "'");
}

std::string strip_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::string default_model(BackendKind kind) {
    switch (kind) {
        case BackendKind::OpenAI:
            return "gpt-4o-mini";
        case BackendKind::Anthropic:
            return "claude-sonnet-4-5";
        case BackendKind::Local:
            break;
    }
    return "local";
}

double env_number(const EnvLookup& env, const char* name, double fallback) {
    auto value = env(name);
    if (!value || value->empty()) return fallback;
    char* end = nullptr;
    double parsed = std::strtod(value->c_str(), &end);
    if (end == value->c_str() || *end != '\0' || !std::isfinite(parsed) || parsed < 0) {
        throw AgentConfigError(std::string(name) + ": not a non-negative number: '" + *value + "'");
    }
    return parsed;
}

// Endpoint, key variable and model an agent of this backend gets when it names none.
AgentConfig backend_defaults(const EnvLookup& env, BackendKind kind) {
    AgentConfig a;
    a.backend = kind;
    a.model = default_model(kind);
    if (kind == BackendKind::OpenAI) {
        a.base_url = env("CHAT_OPENAI_BASE_URL").value_or("https://api.openai.com/v1");
        a.api_key_env = kOpenAIKeyEnv;
    } else if (kind == BackendKind::Anthropic) {
        a.base_url = env("CHAT_ANTHROPIC_BASE_URL").value_or("https://api.anthropic.com");
        a.api_key_env = kAnthropicKeyEnv;
    }
    a.base_url = strip_trailing_slash(a.base_url);
    a.max_context_tokens = static_cast<long>(env_number(env, "CHAT_MAX_CONTEXT_TOKENS", 8192));
    a.max_output_tokens = static_cast<long>(env_number(env, "CHAT_MAX_OUTPUT_TOKENS", 1024));
    a.timeouts.connect_ms =
        static_cast<long>(env_number(env, "CHAT_UPSTREAM_CONNECT_TIMEOUT_S", 10) * 1000);
    a.timeouts.silence_ms =
        static_cast<long>(env_number(env, "CHAT_UPSTREAM_SILENCE_TIMEOUT_S", 90) * 1000);
    a.timeouts.total_ms =
        static_cast<long>(env_number(env, "CHAT_UPSTREAM_TOTAL_TIMEOUT_S", 600) * 1000);
    return a;
}

AgentConfig env_default_agent(const EnvLookup& env) {
    std::string backend = env("CHAT_BACKEND").value_or("local");
    if (backend.empty()) backend = "local";
    AgentConfig a = backend_defaults(env, parse_backend(backend, "CHAT_BACKEND"));
    if (auto model = env("CHAT_MODEL"); model && !model->empty()) a.model = *model;
    if (auto t = env("CHAT_TEMPERATURE"); t && !t->empty()) {
        a.temperature = env_number(env, "CHAT_TEMPERATURE", 0);
    }
    return a;
}

double number_field(const Object& obj, const std::string& key, const std::string& where) {
    auto v = obj.get(key);
    if (!v.isNumeric()) throw AgentConfigError(where + "." + key + " must be a number");
    double d = v.convert<double>();
    if (!std::isfinite(d) || d < 0) throw AgentConfigError(where + "." + key + " must be >= 0");
    return d;
}

std::string string_field(const Object& obj, const std::string& key, const std::string& where) {
    auto v = obj.get(key);
    if (!v.isString()) throw AgentConfigError(where + "." + key + " must be a string");
    return v.convert<std::string>();
}

void apply_timeouts(const Object& obj, HttpTimeouts& t, const std::string& where) {
    for (const auto& key : obj.getNames()) {
        long ms = static_cast<long>(number_field(obj, key, where) * 1000);
        if (key == "connect_s")
            t.connect_ms = ms;
        else if (key == "silence_s")
            t.silence_ms = ms;
        else if (key == "total_s")
            t.total_ms = ms;
        else
            throw AgentConfigError(where + ": unknown key '" + key + "'");
    }
}

AgentConfig parse_agent(const EnvLookup& env, const AgentConfig& env_default, const std::string& id,
                        const Object& obj) {
    const std::string where = "agents." + id;
    if (!obj.has("backend")) throw AgentConfigError(where + ": backend is required");
    BackendKind kind = parse_backend(string_field(obj, "backend", where), where);
    AgentConfig a = kind == env_default.backend ? env_default : backend_defaults(env, kind);
    a.id = id;
    for (const auto& key : obj.getNames()) {
        if (key == "backend") continue;
        if (key == "model")
            a.model = string_field(obj, key, where);
        else if (key == "base_url")
            a.base_url = strip_trailing_slash(string_field(obj, key, where));
        else if (key == "api_key_env")
            a.api_key_env = string_field(obj, key, where);
        else if (key == "system_prompt")
            a.system_prompt = string_field(obj, key, where);
        else if (key == "ca_file")
            a.ca_file = string_field(obj, key, where);
        else if (key == "max_context_tokens")
            a.max_context_tokens = static_cast<long>(number_field(obj, key, where));
        else if (key == "max_output_tokens")
            a.max_output_tokens = static_cast<long>(number_field(obj, key, where));
        else if (key == "temperature")
            a.temperature = number_field(obj, key, where);
        else if (key == "timeouts") {
            auto t = obj.getObject(key);
            if (!t) throw AgentConfigError(where + ".timeouts must be an object");
            apply_timeouts(*t, a.timeouts, where + ".timeouts");
        } else {
            throw AgentConfigError(where + ": unknown key '" + key + "'");
        }
    }
    return a;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw AgentConfigError("CHAT_AGENTS_FILE: cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string_view backend_name(BackendKind kind) {
    switch (kind) {
        case BackendKind::OpenAI:
            return "openai";
        case BackendKind::Anthropic:
            return "anthropic";
        case BackendKind::Local:
            break;
    }
    return "local";
}

AgentRegistry AgentRegistry::from_env_and_file() {
    EnvLookup env = [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
    std::string file = env("CHAT_AGENTS_FILE").value_or("");
    return load(env, file.empty() ? std::string() : read_file(file));
}

AgentRegistry AgentRegistry::load(const EnvLookup& env, std::string_view agents_json) {
    AgentRegistry reg;
    reg.default_ = env_default_agent(env);
    if (agents_json.empty()) return reg;
    Object::Ptr root;
    try {
        root = Poco::JSON::Parser().parse(std::string(agents_json)).extract<Object::Ptr>();
    } catch (const std::exception& e) {
        throw AgentConfigError(std::string("agents file: not a JSON object: ") + e.what());
    }
    for (const auto& key : root->getNames()) {
        if (key != "agents" && key != "default_agent") {
            throw AgentConfigError("agents file: unknown key '" + key + "'");
        }
    }
    if (root->has("agents") && !root->getObject("agents")) {
        throw AgentConfigError("agents file: \"agents\" must be an object of id -> agent");
    }
    if (auto agents = root->getObject("agents")) {
        for (const auto& id : agents->getNames()) {
            auto obj = agents->getObject(id);
            if (!obj) throw AgentConfigError("agents." + id + " must be an object");
            reg.agents_.emplace(id, parse_agent(env, reg.default_, id, *obj));
        }
    }
    if (root->has("default_agent")) {
        std::string id = string_field(*root, "default_agent", "agents file");
        auto it = reg.agents_.find(id);
        if (it == reg.agents_.end())
            throw AgentConfigError("default_agent '" + id + "' is not defined");
        reg.default_ = it->second;
    }
    return reg;
}

AgentConfig AgentRegistry::resolve(std::string_view agent_id,
                                   std::string_view model_override) const {
    auto it = agents_.find(agent_id);
    AgentConfig a = it == agents_.end() ? default_ : it->second;
    if (!model_override.empty()) a.model = std::string(model_override);
    return a;
}

bool AgentRegistry::has_agent(std::string_view agent_id) const {
    return agents_.find(agent_id) != agents_.end();
}

}  // namespace chat::backends
