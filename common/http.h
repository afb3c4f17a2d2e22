// HTTP request/response values shared by the FastCGI and CGI front ends, and the one
// translation of errors into application/problem+json (RFC 9457).
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::http {

struct Request {
    std::string method;
    std::string path;                            // raw path, without the query string
    std::string query;                           // raw query string, without '?'
    std::map<std::string, std::string> headers;  // lower-case names ("authorization")
    std::string body;
    std::string remote_addr;

    // Header value or "" when absent.
    const std::string& header(const std::string& lower_name) const;
    // The first value of a query parameter, percent-decoded; nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// Thrown anywhere below a handler to answer with a problem+json error.
class Error : public std::runtime_error {
  public:
    Error(int status, std::string title, std::string detail)
        : std::runtime_error(detail), status_(status), title_(std::move(title)) {}
    Error& with_header(std::string name, std::string value) {
        headers_.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    int status() const { return status_; }
    const std::string& title() const { return title_; }
    const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

  private:
    int status_;
    std::string title_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

std::string_view reason_phrase(int status);

// A problem+json response: {type, title, status, detail}.
Response problem(int status, std::string_view title, std::string_view detail);

// The CGI/FastCGI response head ("Status: ...\r\nContent-Type: ...\r\n\r\n") followed by the body.
std::string serialize(const Response& r);

// Percent-decodes s ('+' as space); nullopt when an escape is malformed.
std::optional<std::string> percent_decode(std::string_view s);

// Both handlers answer a query string longer than this with 414 (before parsing anything).
inline constexpr size_t kMaxQueryBytes = 2048;
// Throws Error(414) when r.query is longer than kMaxQueryBytes.
void check_query_size(const Request& r);

}  // namespace chat::http
