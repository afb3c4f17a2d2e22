#include "api/client/chunked_decoder.h"

#include <stdexcept>

namespace chat::client {
namespace {

size_t parse_chunk_size(const std::string& line) {
    size_t n = 0, digits = 0;
    for (char c : line) {
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            break;  // chunk extensions (";...") are ignored
        if (++digits > 12) throw std::runtime_error("chunk size too large");
        n = n * 16 + static_cast<size_t>(v);
    }
    if (digits == 0) throw std::runtime_error("malformed chunk size line");
    return n;
}

}  // namespace

void ChunkedDecoder::feed(std::string_view bytes, std::string& out) {
    size_t i = 0;
    while (i < bytes.size() && state_ != State::Done) {
        if (state_ == State::Data) {
            size_t n = std::min(remaining_, bytes.size() - i);
            out.append(bytes.substr(i, n));
            i += n;
            remaining_ -= n;
            if (remaining_ == 0) state_ = State::DataEnd;
            continue;
        }
        char c = bytes[i++];
        if (c == '\r') continue;
        if (c != '\n') {
            if (line_.size() > 1024) throw std::runtime_error("chunk header line too long");
            line_ += c;
            continue;
        }
        // A complete line.
        if (state_ == State::Size) {
            remaining_ = parse_chunk_size(line_);
            state_ = remaining_ == 0 ? State::Trailer : State::Data;
        } else if (state_ == State::DataEnd) {
            if (!line_.empty()) throw std::runtime_error("missing CRLF after chunk data");
            state_ = State::Size;
        } else if (state_ == State::Trailer && line_.empty()) {
            state_ = State::Done;
        }
        line_.clear();
    }
}

}  // namespace chat::client
