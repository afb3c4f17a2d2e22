#include "tests/backends/fake_upstream.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace chat::backends::test {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool read_request(Poco::Net::StreamSocket& socket, RecordedRequest& req) {
    std::string raw;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    while ((header_end = raw.find("\r\n\r\n")) == std::string::npos) {
        int n = socket.receiveBytes(buf, sizeof buf);
        if (n <= 0) return false;
        raw.append(buf, static_cast<std::size_t>(n));
    }
    std::istringstream head(raw.substr(0, header_end));
    std::string line;
    std::getline(head, line);
    std::istringstream request_line(line);
    request_line >> req.method >> req.target;
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[lower(line.substr(0, colon))] = value;
    }
    std::size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
        length = std::stoul(it->second);
    }
    req.body = raw.substr(header_end + 4);
    while (req.body.size() < length) {
        int n = socket.receiveBytes(buf, sizeof buf);
        if (n <= 0) return false;
        req.body.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

bool Conn::send(std::string_view bytes) {
    try {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            int n = socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent),
                                      MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

bool Conn::sse_headers() {
    return send(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
}

bool Conn::chunk(std::string_view bytes) {
    std::ostringstream size;
    size << std::hex << bytes.size() << "\r\n";
    return send(size.str() + std::string(bytes) + "\r\n");
}

bool Conn::end_chunks() {
    return send("0\r\n\r\n");
}

bool Conn::status(int code, std::string_view reason, std::string_view json_body,
                  std::string_view extra_headers) {
    std::ostringstream out;
    out << "HTTP/1.1 " << code << ' ' << reason << "\r\nContent-Type: application/json\r\n"
        << extra_headers << "Content-Length: " << json_body.size()
        << "\r\nConnection: close\r\n\r\n"
        << json_body;
    return send(out.str());
}

void Conn::pace() {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void Conn::stall(std::chrono::milliseconds limit) {
    owner_.released_or_stopping(limit);
}

bool Conn::peer_closed(std::chrono::milliseconds wait) {
    try {
        if (!socket_.poll(Poco::Timespan(wait.count() * 1000), Poco::Net::Socket::SELECT_READ)) {
            return false;
        }
        char buf[256];
        return socket_.receiveBytes(buf, sizeof buf) <= 0;
    } catch (const Poco::Exception&) {
        return true;  // reset by peer
    }
}

FakeUpstream::FakeUpstream(std::vector<Script> scripts)
    : server_(Poco::Net::SocketAddress("127.0.0.1", 0)), scripts_(std::move(scripts)) {
    thread_ = std::thread([this] { serve(); });
}

FakeUpstream::FakeUpstream(std::vector<Script> scripts, const std::string& cert_file,
                           const std::string& key_file)
    : tls_(true), scripts_(std::move(scripts)) {
    Poco::Net::initializeSSL();
    auto context =
        Poco::makeAuto<Poco::Net::Context>(Poco::Net::Context::TLS_SERVER_USE, key_file, cert_file,
                                           "", Poco::Net::Context::VERIFY_NONE);
    server_ = Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
    thread_ = std::thread([this] { serve(); });
}

FakeUpstream::~FakeUpstream() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

std::string FakeUpstream::base_url() const {
    std::string port = std::to_string(server_.address().port());
    return tls_ ? "https://localhost:" + port : "http://127.0.0.1:" + port;
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
    std::lock_guard lock(mu_);
    return requests_;
}

bool FakeUpstream::wait_done(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return done_; });
}

void FakeUpstream::release() {
    {
        std::lock_guard lock(mu_);
        released_ = true;
    }
    cv_.notify_all();
}

bool FakeUpstream::released_or_stopping(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return released_ || stopping_; });
}

void FakeUpstream::serve() {
    for (auto& script : scripts_) {
        // Poll so the destructor can stop a server whose client never came.
        while (!server_.poll(Poco::Timespan(50'000), Poco::Net::Socket::SELECT_READ)) {
            std::lock_guard lock(mu_);
            if (stopping_) return;
        }
        Poco::Net::StreamSocket socket = server_.acceptConnection();
        socket.setNoDelay(true);
        socket.setReceiveTimeout(Poco::Timespan(5, 0));
        RecordedRequest req;
        try {
            if (!read_request(socket, req)) continue;
        } catch (const Poco::Exception&) {
            continue;
        }
        {
            std::lock_guard lock(mu_);
            requests_.push_back(req);
        }
        Conn conn(socket, *this);
        script(conn, req);
        socket.close();
    }
    {
        std::lock_guard lock(mu_);
        done_ = true;
    }
    cv_.notify_all();
}

std::string sse_event(std::string_view data, std::string_view event) {
    std::string out;
    if (!event.empty()) out += "event: " + std::string(event) + "\n";
    std::size_t start = 0;
    while (true) {
        std::size_t nl = data.find('\n', start);
        out += "data: " + std::string(data.substr(start, nl - start)) + "\n";
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return out + "\n";
}

}  // namespace chat::backends::test
