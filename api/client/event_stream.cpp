#include "api/client/event_stream.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/URI.h>

#include <algorithm>
#include <stdexcept>

namespace chat::client {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

EventStream::EventStream(const std::string& base_url, const std::string& path,
                         const HeaderList& headers, std::chrono::milliseconds timeout) {
    Poco::URI uri(base_url);
    auto deadline = Clock::now() + timeout;
    try {
        socket_.connect(Poco::Net::SocketAddress(uri.getHost(), uri.getPort()),
                        Poco::Timespan(std::chrono::microseconds(timeout).count()));
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot connect to " + base_url + ": " + e.displayText());
    }
    open_ = true;
    socket_.setNoDelay(true);
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" +
                      std::to_string(uri.getPort()) +
                      "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n"
                      "Connection: close\r\n";
    for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
    req += "\r\n";
    socket_.sendBytes(req.data(), static_cast<int>(req.size()));
    read_head(deadline);
}

EventStream::~EventStream() {
    close();
}

void EventStream::close() {
    if (!open_) return;
    open_ = false;
    ended_ = true;
    try {
        socket_.close();
    } catch (const Poco::Exception&) {
        // Closing an already broken socket: nothing left to release.
    }
}

std::string EventStream::header(const std::string& lower_name) const {
    auto it = headers_.find(lower_name);
    return it == headers_.end() ? "" : it->second;
}

bool EventStream::receive(Clock::time_point deadline, std::string& into) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() < 0) left = std::chrono::microseconds(0);
    if (!socket_.poll(Poco::Timespan(left.count()), Poco::Net::Socket::SELECT_READ)) return false;
    char buf[16384];
    int n = 0;
    try {
        n = socket_.receiveBytes(buf, sizeof buf);
    } catch (const Poco::Exception&) {
        n = 0;  // reset by peer: the same as an end of stream for the reader
    }
    if (n <= 0) {
        ended_ = true;
        return false;
    }
    into.append(buf, static_cast<size_t>(n));
    return true;
}

void EventStream::read_head(Clock::time_point deadline) {
    std::string raw;
    size_t end;
    while ((end = raw.find("\r\n\r\n")) == std::string::npos) {
        if (!receive(deadline, raw))
            throw std::runtime_error(ended_ ? "connection closed before the response head"
                                            : "timed out waiting for the response head");
        if (raw.size() > 65536) throw std::runtime_error("response head too large");
    }
    std::string head = raw.substr(0, end);
    size_t pos = head.find("\r\n");
    std::string status_line = head.substr(0, pos);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12)
        throw std::runtime_error("bad status line: " + status_line);
    status_ = std::stoi(status_line.substr(9, 3));
    while (pos != std::string::npos && pos < head.size()) {
        size_t next = head.find("\r\n", pos + 2);
        std::string line =
            head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        auto colon = line.find(':');
        if (colon != std::string::npos)
            headers_[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
        pos = next;
    }
    chunked_ = lower(header("transfer-encoding")).find("chunked") != std::string::npos;
    take_body(std::string_view(raw).substr(end + 4));
}

void EventStream::take_body(std::string_view bytes) {
    if (chunked_) {
        chunks_.feed(bytes, body_);
        if (chunks_.finished()) ended_ = true;
    } else {
        body_.append(bytes);
    }
}

bool EventStream::read_more(Clock::time_point deadline) {
    if (ended_) return false;
    std::string piece;
    if (!receive(deadline, piece)) return false;
    take_body(piece);
    return true;
}

std::optional<SseEvent> EventStream::next(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (true) {
        parser_.feed(body_);
        body_.clear();
        if (auto e = parser_.next()) return e;
        if (!read_more(deadline)) {
            parser_.feed(body_);
            body_.clear();
            return parser_.next();
        }
    }
}

std::string EventStream::read_body(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    size_t want = std::string::npos;
    if (auto cl = header("content-length"); !cl.empty()) want = std::stoul(cl);
    while (body_.size() < want && read_more(deadline)) {
    }
    std::string out = std::move(body_);
    body_.clear();
    return out;
}

}  // namespace chat::client
