#include "tests/api/it_client.h"

#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <stdexcept>

namespace chat::test::api {

const std::string& Reply::header(const std::string& lower_name) const {
    static const std::string empty;
    auto it = headers.find(lower_name);
    return it == headers.end() ? empty : it->second;
}

Poco::JSON::Object::Ptr Reply::json() const {
    try {
        Poco::JSON::Parser parser;
        return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        throw std::runtime_error("not a JSON object (status " + std::to_string(status) +
                                 "): " + body);
    }
}

std::string Reply::str(const std::string& field) const {
    auto o = json();
    if (!o->has(field) || o->isNull(field))
        throw std::runtime_error("no '" + field + "' in " + body);
    return o->getValue<std::string>(field);
}

bool Reply::is_problem(int expected_status) const {
    if (status != expected_status) return false;
    if (header("content-type").rfind("application/problem+json", 0) != 0) return false;
    auto o = json();
    return o->getValue<int>("status") == expected_status && o->has("title") && o->has("detail");
}

Client::Client(std::string base_url, std::string api_key)
    : http_(std::move(base_url), std::chrono::seconds(15)), key_(std::move(api_key)) {}

Reply Client::send(const std::string& method, const std::string& path, const std::string& body,
                   const Headers& headers) const {
    Headers all = headers;
    bool has_auth = false;
    for (const auto& [k, v] : headers)
        has_auth = has_auth || Poco::icompare(k, "authorization") == 0;
    if (!has_auth && !key_.empty()) all.emplace_back("Authorization", "Bearer " + key_);
    auto res = http_.request(method, path, all, body);
    return Reply{res.status, std::move(res.headers), std::move(res.body)};
}

}  // namespace chat::test::api
