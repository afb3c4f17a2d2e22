// A single-threaded epoll loop for the load tool: fds register an IoHandler; a tick callback
// runs on every iteration (at least every few ms) for timers and pacing. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>

namespace chat::bench {

class IoHandler {
  public:
    virtual void on_io(uint32_t events) = 0;

  protected:
    ~IoHandler() = default;
};

class EventLoop {
  public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    void add(int fd, uint32_t events, IoHandler* handler);
    void modify(int fd, uint32_t events, IoHandler* handler);
    void remove(int fd);

    // Runs until tick() returns false; tick runs after each batch of events or timeout.
    void run(const std::function<bool()>& tick);

  private:
    int epfd_;
};

// Monotonic time in seconds.
double now_s();

// The wall-clock time (seconds since the epoch) of a now_s() reading, to line the load tool's
// times up with PostgreSQL's timestamps.
double wall_s(double monotonic_s);

}  // namespace chat::bench
