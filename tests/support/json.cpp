#include "tests/support/json.h"

#include <Poco/JSON/Parser.h>

#include <sstream>
#include <stdexcept>

namespace chat::test {
namespace {

Poco::Dynamic::Var parse(const std::string& text) {
    try {
        return Poco::JSON::Parser().parse(text);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("not JSON (" + e.displayText() + "): " + text.substr(0, 300));
    }
}

}  // namespace

Poco::JSON::Object::Ptr parse_object(const std::string& text) {
    auto v = parse(text);
    if (v.type() != typeid(Poco::JSON::Object::Ptr))
        throw std::runtime_error("not a JSON object: " + text.substr(0, 300));
    return v.extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr parse_array(const std::string& text) {
    auto v = parse(text);
    if (v.type() != typeid(Poco::JSON::Array::Ptr))
        throw std::runtime_error("not a JSON array: " + text.substr(0, 300));
    return v.extract<Poco::JSON::Array::Ptr>();
}

std::string to_json(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

std::string json_member(const std::string& name, const std::string& value) {
    Poco::JSON::Object o;
    o.set(name, value);
    return to_json(o);
}

}  // namespace chat::test
