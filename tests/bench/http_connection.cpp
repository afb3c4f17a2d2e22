#include "tests/bench/http_connection.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace chat::bench {

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

HttpConnection::HttpConnection(EventLoop& loop, const sockaddr_in& server)
    : loop_(loop), server_(server) {}

HttpConnection::~HttpConnection() {
    close();
}

void HttpConnection::open() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++connects_;
    int rc = connect(fd_, reinterpret_cast<const sockaddr*>(&server_), sizeof server_);
    connecting_ = rc != 0;
    if (rc != 0 && errno != EINPROGRESS) {
        int err = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::system_error(err, std::generic_category(), "connect");
    }
    loop_.add(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP, this);
}

void HttpConnection::close() {
    if (fd_ < 0) return;
    loop_.remove(fd_);
    ::close(fd_);
    fd_ = -1;
    connecting_ = false;
    ++generation_;
    out_.clear();
    out_pos_ = 0;
}

void HttpConnection::send(std::string request, ConnectionListener* listener) {
    listener_ = listener;
    out_ = std::move(request);
    out_pos_ = 0;
    parser_.start(listener);
    if (fd_ < 0) {
        open();  // the request goes out once connected (EPOLLOUT)
        return;
    }
    flush();
}

void HttpConnection::flush() {
    while (out_pos_ < out_.size()) {
        ssize_t n = ::send(fd_, out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) return;
            return fail("send failed");
        }
        out_pos_ += static_cast<size_t>(n);
    }
}

void HttpConnection::fail(const char* what) {
    close();
    if (listener_ != nullptr) listener_->on_connection_error(what);
}

void HttpConnection::on_io(uint32_t events) {
    if (fd_ < 0) return;
    uint64_t gen = generation_;
    if (connecting_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return fail("connect failed");
        connecting_ = false;
        loop_.modify(fd_, EPOLLIN | EPOLLRDHUP, this);
        flush();
        if (gen != generation_) return;
    }
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    std::array<char, 65536> buf;
    for (;;) {
        ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
        if (n > 0) {
            if (!parser_.feed({buf.data(), static_cast<size_t>(n)}))
                return fail("bad HTTP response");
            if (gen != generation_) return;
            continue;
        }
        if (n < 0 && errno == EAGAIN) return;
        // Peer closed (or error): fine between responses, an error in the middle of one.
        bool mid_response = !parser_.idle();
        close();
        if (mid_response && listener_ != nullptr)
            listener_->on_connection_error("connection closed");
        return;
    }
}

}  // namespace chat::bench
