// Validation of everything a client sends: JSON bodies, their fields, query parameters and
// headers. Every function throws http::Error (400/415) with a message naming the problem.
// Unknown JSON fields and unknown query parameters are ignored (documented in docs/API.md).
#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

#include "common/http.h"

namespace chat::rest {

// Limits on field sizes, in Unicode code points.
inline constexpr size_t kMaxContentChars = 32000;
inline constexpr size_t kMaxTitleChars = 500;
inline constexpr size_t kMaxNameChars = 200;  // agent_id, model

// Parses a JSON object body. The Content-Type must be application/json (415 otherwise), the
// body valid UTF-8 and a JSON object (400). When !required an empty body is an empty object.
Poco::JSON::Object::Ptr parse_json_body(const http::Request& req, bool required);

// A string field: nullopt when absent; 400 when null, not a string, not valid UTF-8, holding
// a NUL character, or longer than max_chars.
std::optional<std::string> string_field(const Poco::JSON::Object& o, const std::string& name,
                                        size_t max_chars);

// A string field that may be null: present says whether the key was sent at all.
struct NullableString {
    bool present = false;
    std::optional<std::string> value;
};
NullableString nullable_string_field(const Poco::JSON::Object& o, const std::string& name,
                                     size_t max_chars);

// A boolean field: nullopt when absent; 400 for anything but true/false.
std::optional<bool> bool_field(const Poco::JSON::Object& o, const std::string& name);

// The message text: required, a string, not blank, at most kMaxContentChars.
std::string content_field(const Poco::JSON::Object& o);

// ?limit=N: default when absent; 400 unless 1 <= N <= max.
int limit_param(const http::Request& req, int fallback, int max);
// ?name=true|false: default when absent; 400 otherwise.
bool bool_param(const http::Request& req, const std::string& name, bool fallback);
// ?name=<uuid>: nullopt when absent; 400 when not a UUID.
std::optional<std::string> uuid_param(const http::Request& req, const std::string& name);

// The Idempotency-Key header: nullopt when absent; 400 unless 1..200 printable ASCII.
std::optional<std::string> idempotency_key(const http::Request& req);

}  // namespace chat::rest
