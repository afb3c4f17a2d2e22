// JSON helpers for tests (Poco JSON). Parse errors throw std::runtime_error quoting the text.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>

namespace chat::test {

Poco::JSON::Object::Ptr parse_object(const std::string& text);
Poco::JSON::Array::Ptr parse_array(const std::string& text);
std::string to_json(const Poco::JSON::Object& object);
// A JSON object with one string member: {"name": value}, for short request bodies.
std::string json_member(const std::string& name, const std::string& value);

}  // namespace chat::test
