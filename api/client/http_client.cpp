#include "api/client/http_client.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace chat::client {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
}

HttpClient::HttpClient(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {
    Poco::URI uri(base_url_);
    if (uri.getScheme() != "http" || uri.getHost().empty())
        throw std::runtime_error("not an http:// URL: " + base_url_);
    host_ = uri.getHost();
    port_ = uri.getPort();
}

HttpResponse HttpClient::request(const std::string& method, const std::string& path,
                                 const HeaderList& headers, const std::string& body) const {
    Poco::Net::HTTPClientSession session(host_, port_);
    session.setTimeout(Poco::Timespan(std::chrono::microseconds(timeout_).count()));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    bool has_type = false;
    for (const auto& [name, value] : headers) {
        if (lower(name) == "content-type") {
            has_type = true;
            if (value.empty()) continue;
        }
        req.set(name, value);
    }
    if (!body.empty() && !has_type) req.setContentType("application/json");
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    HttpResponse out;
    try {
        session.sendRequest(req) << body;
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        out.status = static_cast<int>(resp.getStatus());
        for (const auto& [name, value] : resp) out.headers[lower(name)] = value;
        std::ostringstream text;
        Poco::StreamCopier::copyStream(in, text);
        out.body = text.str();
    } catch (const Poco::Exception& e) {
        throw std::runtime_error(method + " " + base_url_ + path + " failed: " + e.displayText());
    }
    return out;
}

}  // namespace chat::client
