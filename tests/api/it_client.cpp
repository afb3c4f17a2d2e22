#include "tests/api/it_client.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cctype>
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

Client::Client(std::string base_url, std::string api_key) : key_(std::move(api_key)) {
    Poco::URI uri(base_url);
    host_ = uri.getHost();
    port_ = uri.getPort();
}

Reply Client::send(const std::string& method, const std::string& path, const std::string& body,
                   const Headers& headers) const {
    Poco::Net::HTTPClientSession session(host_, port_);
    session.setTimeout(Poco::Timespan(15, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    bool has_type = false;
    bool has_auth = false;
    for (const auto& [k, v] : headers) {
        req.set(k, v);
        has_type = has_type || Poco::icompare(k, "content-type") == 0;
        has_auth = has_auth || Poco::icompare(k, "authorization") == 0;
    }
    if (!has_auth && !key_.empty()) req.set("Authorization", "Bearer " + key_);
    if (!body.empty() && !has_type) req.setContentType("application/json");
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    Reply r;
    r.status = static_cast<int>(res.getStatus());
    for (const auto& [k, v] : res) {
        std::string name = k;
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = v;
    }
    Poco::StreamCopier::copyToString(in, r.body);
    return r;
}

}  // namespace chat::test::api
