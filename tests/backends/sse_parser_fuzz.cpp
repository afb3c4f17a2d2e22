// libFuzzer target for the upstream SSE parser: arbitrary bytes fed in arbitrary splits must never
// crash, overflow or hang, and the split must not change the events (checked against one feed).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "workers/backends/sse_parser.h"

using chat::backends::SseEvent;
using chat::backends::SseParser;

namespace {

std::vector<SseEvent> parse(std::string_view input, std::size_t split_every) {
    SseParser parser(1 << 16);
    std::vector<SseEvent> events;
    auto collect = [&](const SseEvent& e) {
        events.push_back(e);
        return true;
    };
    for (std::size_t pos = 0; pos < input.size(); pos += split_every) {
        if (parser.feed(input.substr(pos, split_every), collect) != SseParser::Status::Continue) {
            break;
        }
    }
    return events;
}

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].data != b[i].data || a[i].event != b[i].event || a[i].id != b[i].id) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t split = 1 + data[0] % 7;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto whole = parse(input, input.size() + 1);
    auto pieces = parse(input, split);
    if (input.size() < (1 << 16) && !same(whole, pieces)) std::abort();
    return 0;
}
