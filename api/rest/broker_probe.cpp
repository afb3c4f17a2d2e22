#include "api/rest/broker_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace chat::rest {
namespace {

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

bool connect_with_timeout(int family, const sockaddr* addr, socklen_t len, int timeout_ms) {
    Fd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return false;
    if (::connect(fd.get(), addr, len) == 0) return true;
    if (errno != EINPROGRESS) return false;
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    int err = 0;
    socklen_t errlen = sizeof err;
    return ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &errlen) == 0 && err == 0;
}

bool tcp_reachable(const std::string& hostport, int timeout_ms) {
    auto colon = hostport.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = hostport.substr(0, colon);
    if (host == "*" || host.empty()) host = "127.0.0.1";
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), hostport.substr(colon + 1).c_str(), &hints, &res) != 0)
        return false;
    bool ok = connect_with_timeout(res->ai_family, res->ai_addr, res->ai_addrlen, timeout_ms);
    ::freeaddrinfo(res);
    return ok;
}

bool ipc_reachable(const std::string& path, int timeout_ms) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) return false;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return connect_with_timeout(AF_UNIX, reinterpret_cast<const sockaddr*>(&addr), sizeof addr,
                                timeout_ms);
}

}  // namespace

bool broker_reachable(const std::string& endpoint, int timeout_ms) {
    if (endpoint.rfind("tcp://", 0) == 0) return tcp_reachable(endpoint.substr(6), timeout_ms);
    if (endpoint.rfind("ipc://", 0) == 0) return ipc_reachable(endpoint.substr(6), timeout_ms);
    return false;
}

}  // namespace chat::rest
