#include "tests/bench/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>

namespace chat::bench {

EventLoop::EventLoop() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

EventLoop::~EventLoop() {
    close(epfd_);
}

void EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = handler;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl add");
}

void EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = handler;
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl mod");
}

void EventLoop::remove(int fd) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::run(const std::function<bool()>& tick) {
    std::array<epoll_event, 512> events{};
    while (tick()) {
        int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 2);
        if (n < 0 && errno != EINTR)
            throw std::system_error(errno, std::generic_category(), "epoll_wait");
        for (int i = 0; i < n; ++i)
            static_cast<IoHandler*>(events[i].data.ptr)->on_io(events[i].events);
    }
}

double now_s() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

double wall_s(double monotonic_s) {
    using namespace std::chrono;
    static const double offset =
        duration<double>(system_clock::now().time_since_epoch()).count() - now_s();
    return monotonic_s + offset;
}

}  // namespace chat::bench
