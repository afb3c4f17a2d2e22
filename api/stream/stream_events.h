// The SSE events of the stream endpoint (docs/API.md), formatted once: names and JSON bodies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::stream {

// Appends s as a JSON string literal (quotes included), escaping per RFC 8259.
void append_json_string(std::string& out, std::string_view s);

// The bytes a stream starts with after its headers: a retry hint and a comment, so nginx and
// the client see the response at once.
void append_stream_preamble(std::string& out, long retry_ms);

void append_token_event(std::string& out, int64_t seq, std::string_view text);
void append_reset_event(std::string& out, int attempt);
void append_heartbeat_event(std::string& out, int64_t elapsed_s);

// done: message_id (nullopt -> null), usage (raw JSON, nullopt -> null), finish_reason.
void append_done_event(std::string& out, const std::optional<std::string>& message_id,
                       const std::optional<std::string>& usage_json,
                       std::string_view finish_reason);

// error: {"code","message","retryable"}.
void append_error_event(std::string& out, std::string_view code, std::string_view message,
                        bool retryable);

// error from a stored/published JSON object {"code","message","retryable"}; missing or
// malformed fields fall back to a generic failure.
void append_error_event_from_json(std::string& out, const std::optional<std::string>& error_json);

// done from the worker's published JSON {"message_id","usage","finish_reason","status"}.
void append_done_event_from_json(std::string& out, std::string_view done_json);

}  // namespace chat::stream
