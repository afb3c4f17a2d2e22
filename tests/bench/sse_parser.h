// Incremental Server-Sent Events parser: bytes in (any split), complete events out.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace chat::bench {

struct SseEvent {
    std::string_view type;  // "message" when the event had no "event:" line
    std::string_view id;    // empty when the event had no "id:" line
    std::string_view data;  // data lines joined with '\n'
};

class SseParser {
  public:
    using Sink = std::function<void(const SseEvent&)>;
    explicit SseParser(Sink sink) : sink_(std::move(sink)) {}
    void feed(std::string_view bytes);
    void reset();

  private:
    void on_line(std::string_view line);

    Sink sink_;
    std::string line_;
    std::string type_, id_, data_;
    bool has_data_ = false;
};

}  // namespace chat::bench
