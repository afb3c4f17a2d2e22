#include "api/stream/fcgi_output.h"

#include <sys/socket.h>

#include <cerrno>

#include "common/fcgi.h"

namespace chat::stream {
namespace {
constexpr size_t kKeepCapacity = 64 * 1024;
}

void FcgiOutput::append(std::string_view bytes) {
    if (bytes.empty()) return;  // an empty stdout record would end the response
    fcgi::append_stdout_record(buf_, request_id_, bytes);
}

void FcgiOutput::append_end() {
    fcgi::append_end_request(buf_, request_id_);
}

FcgiOutput::Flush FcgiOutput::flush() {
    while (off_ < buf_.size()) {
        ssize_t n = ::send(fd_.get(), buf_.data() + off_, buf_.size() - off_, MSG_NOSIGNAL);
        if (n > 0) {
            off_ += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // Keep the buffer from growing by its already-written prefix.
            if (off_ > buf_.size() / 2) {
                buf_.erase(0, off_);
                off_ = 0;
            }
            return Flush::Blocked;
        }
        return Flush::Failed;
    }
    buf_.clear();
    off_ = 0;
    if (buf_.capacity() > kKeepCapacity) buf_.shrink_to_fit();
    return Flush::Done;
}

void FcgiOutput::discard_input() {
    char scratch[4096];
    for (int i = 0; i < 16; ++i) {
        ssize_t n = ::recv(fd_.get(), scratch, sizeof scratch, MSG_DONTWAIT);
        if (n <= 0) break;
    }
}

}  // namespace chat::stream
