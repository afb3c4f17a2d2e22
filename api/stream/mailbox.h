// A thread-safe queue whose readiness is an eventfd, so an epoll loop can wait on it.
// Any thread may push(); one consumer thread calls take() when fd() is readable.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "api/stream/unique_fd.h"

namespace chat::stream {

template <typename T>
class Mailbox {
  public:
    Mailbox() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        if (!fd_) throw std::runtime_error("eventfd failed");
    }

    int fd() const { return fd_.get(); }

    void push(T item) {
        bool was_empty = false;
        {
            std::lock_guard lock(mu_);
            was_empty = items_.empty();
            items_.push_back(std::move(item));
        }
        // One wake-up per batch: the consumer takes everything at once.
        if (was_empty) signal();
    }

    // Everything queued so far, oldest first; clears the eventfd.
    std::vector<T> take() {
        uint64_t count = 0;
        [[maybe_unused]] auto n = ::read(fd_.get(), &count, sizeof count);
        std::lock_guard lock(mu_);
        std::vector<T> out;
        out.swap(items_);
        return out;
    }

  private:
    void signal() {
        uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(fd_.get(), &one, sizeof one);
    }

    UniqueFd fd_;
    std::mutex mu_;
    std::vector<T> items_;
};

}  // namespace chat::stream
