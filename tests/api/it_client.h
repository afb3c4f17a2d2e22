// The REST integration tests' view of the shared test client (api/client HttpClient via
// tests/support): exact bytes out (hostile bodies, odd headers), status/headers/body back,
// plus the JSON and problem+json checks these tests make on every reply.
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <string>
#include <vector>

#include "api/client/http_client.h"

namespace chat::test::api {

struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    const std::string& header(const std::string& lower_name) const;
    Poco::JSON::Object::Ptr json() const;  // throws std::runtime_error quoting the body
    std::string str(const std::string& field) const;
    bool is_problem(int expected_status) const;  // status + problem+json with that status
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class Client {
  public:
    Client(std::string base_url, std::string api_key);
    // Sends one request; body non-empty => Content-Type application/json unless headers set one.
    Reply send(const std::string& method, const std::string& path, const std::string& body = "",
               const Headers& headers = {}) const;
    Reply get(const std::string& path) const { return send("GET", path); }
    Reply post(const std::string& path, const std::string& body = "") const {
        return send("POST", path, body);
    }

    const std::string& key() const { return key_; }

  private:
    client::HttpClient http_;
    std::string key_;
};

}  // namespace chat::test::api
