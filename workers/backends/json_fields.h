// Tolerant accessors for upstream JSON: a missing, null or wrongly typed field reads as nullopt
// or nullptr instead of throwing, because upstream chunks vary by server.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>

namespace chat::backends::json {

std::optional<std::string> opt_string(const Poco::JSON::Object::Ptr& obj, const std::string& key);
std::optional<int64_t> opt_int(const Poco::JSON::Object::Ptr& obj, const std::string& key);
Poco::JSON::Object::Ptr opt_object(const Poco::JSON::Object::Ptr& obj, const std::string& key);
Poco::JSON::Array::Ptr opt_array(const Poco::JSON::Object::Ptr& obj, const std::string& key);

// Parses text as a JSON object; nullptr when it is not valid JSON or not an object.
Poco::JSON::Object::Ptr parse_object(const std::string& text);

}  // namespace chat::backends::json
