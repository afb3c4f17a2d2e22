#include "tests/stream/fcgi_stream_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace chat::stream::test {
namespace {

constexpr unsigned char kBeginRequest = 1, kEndRequest = 3, kParams = 4, kStdin = 5, kStdout = 6;

void append_record(std::string& out, unsigned char type, std::string_view content) {
    unsigned char h[8] = {1,
                          type,
                          0,
                          1,
                          static_cast<unsigned char>(content.size() >> 8),
                          static_cast<unsigned char>(content.size() & 0xff),
                          0,
                          0};
    out.append(reinterpret_cast<const char*>(h), 8);
    out.append(content);
}

void append_length(std::string& out, size_t n) {
    if (n < 128) {
        out += static_cast<char>(n);
        return;
    }
    out += static_cast<char>(0x80 | ((n >> 24) & 0x7f));
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
}

void append_param(std::string& out, const std::string& name, const std::string& value) {
    append_length(out, name.size());
    append_length(out, value.size());
    out += name;
    out += value;
}

// "Last-Event-ID" -> "HTTP_LAST_EVENT_ID"
std::string cgi_name(const std::string& header) {
    std::string out = "HTTP_";
    for (char c : header) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return out;
}

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

}  // namespace

FcgiStreamClient::FcgiStreamClient(int port, const std::string& request_uri,
                                   const Headers& headers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = loopback(port);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot connect to chat-stream on port " + std::to_string(port));
    auto q = request_uri.find('?');
    std::string params;
    append_param(params, "REQUEST_METHOD", "GET");
    append_param(params, "REQUEST_URI", request_uri);
    append_param(params, "QUERY_STRING", q == std::string::npos ? "" : request_uri.substr(q + 1));
    append_param(params, "SERVER_PROTOCOL", "HTTP/1.1");
    append_param(params, "CONTENT_LENGTH", "0");
    for (const auto& [k, v] : headers) append_param(params, cgi_name(k), v);
    std::string req;
    const char begin[8] = {0, 1 /* responder */, 0 /* no keep-conn */, 0, 0, 0, 0, 0};
    append_record(req, kBeginRequest, std::string_view(begin, 8));
    append_record(req, kParams, params);
    append_record(req, kParams, {});
    append_record(req, kStdin, {});
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
        throw std::runtime_error("cannot send the FastCGI request");
}

FcgiStreamClient::~FcgiStreamClient() {
    if (fd_ >= 0) ::close(fd_);
}

bool FcgiStreamClient::read_some(std::chrono::steady_clock::time_point deadline) {
    if (ended_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        ended_ = true;
        return false;
    }
    raw_.append(buf, static_cast<size_t>(n));
    take_records();
    return true;
}

void FcgiStreamClient::take_records() {
    while (raw_.size() >= 8) {
        auto h = reinterpret_cast<const unsigned char*>(raw_.data());
        size_t len = (static_cast<size_t>(h[4]) << 8) | h[5];
        size_t total = 8 + len + h[6];
        if (raw_.size() < total) return;
        if (h[1] == kStdout) out_.append(raw_, 8, len);
        if (h[1] == kEndRequest) ended_ = true;
        raw_.erase(0, total);
    }
}

int FcgiStreamClient::status(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!head_done_) {
        auto end = out_.find("\r\n\r\n");
        if (end != std::string::npos) {
            auto st = out_.find("Status: ");
            status_ = st < end ? std::stoi(out_.substr(st + 8, 3)) : 200;
            parser_.feed(std::string_view(out_).substr(end + 4));
            out_.clear();
            head_done_ = true;
            break;
        }
        if (!read_some(deadline)) break;
    }
    return status_;
}

std::optional<client::SseEvent> FcgiStreamClient::next(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (!head_done_ && status(timeout) == 0) return std::nullopt;
    while (true) {
        if (!out_.empty()) {
            parser_.feed(out_);
            out_.clear();
        }
        if (auto e = parser_.next()) return e;
        if (!read_some(deadline)) return std::nullopt;
    }
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    auto addr = loopback(0);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace chat::stream::test
