#include "workers/backends/json_fields.h"

#include <Poco/JSON/Parser.h>

namespace chat::backends::json {

std::optional<std::string> opt_string(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
    if (!obj || !obj->has(key)) return std::nullopt;
    auto v = obj->get(key);
    if (!v.isString()) return std::nullopt;
    return v.convert<std::string>();
}

std::optional<int64_t> opt_int(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
    if (!obj || !obj->has(key)) return std::nullopt;
    auto v = obj->get(key);
    if (!v.isNumeric()) return std::nullopt;
    try {
        return v.convert<int64_t>();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

Poco::JSON::Object::Ptr opt_object(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
    if (!obj || !obj->has(key)) return nullptr;
    auto v = obj->get(key);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
    return v.extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr opt_array(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
    if (!obj || !obj->has(key)) return nullptr;
    auto v = obj->get(key);
    if (v.type() != typeid(Poco::JSON::Array::Ptr)) return nullptr;
    return v.extract<Poco::JSON::Array::Ptr>();
}

Poco::JSON::Object::Ptr parse_object(const std::string& text) {
    try {
        auto v = Poco::JSON::Parser().parse(text);
        if (v.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
        return v.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace chat::backends::json
