#include "tests/bench/http_response_parser.h"

#include <strings.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace chat::bench {
namespace {

bool header_is(std::string_view line, std::string_view name, std::string_view* value) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    if (strncasecmp(line.data(), name.data(), name.size()) != 0) return false;
    std::string_view v = line.substr(name.size() + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    *value = v;
    return true;
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return std::tolower(a) == std::tolower(b); });
    return it != hay.end();
}

}  // namespace

void HttpResponseParser::start(ResponseListener* listener) {
    listener_ = listener;
    state_ = State::kStatus;
    line_.clear();
    remaining_ = 0;
    chunked_ = false;
    keep_alive_ = true;
    has_length_ = false;
}

bool HttpResponseParser::feed(std::string_view data) {
    while (!data.empty() && state_ != State::kIdle) {
        if (state_ == State::kBody || state_ == State::kChunkData) {
            size_t n = std::min<size_t>(data.size(), static_cast<size_t>(remaining_));
            listener_->on_body(data.substr(0, n));
            data.remove_prefix(n);
            remaining_ -= static_cast<long>(n);
            if (remaining_ == 0) {
                if (state_ == State::kBody) {
                    complete();
                } else {
                    state_ = State::kChunkEnd;
                }
            }
            continue;
        }
        size_t nl = data.find('\n');
        if (nl == std::string_view::npos) {
            line_.append(data);
            if (line_.size() > 65536) return false;
            return true;
        }
        line_.append(data.substr(0, nl));
        data.remove_prefix(nl + 1);
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        std::string line = std::move(line_);
        line_.clear();
        if (!on_line(line)) return false;
    }
    return true;
}

bool HttpResponseParser::on_line(std::string_view line) {
    switch (state_) {
        case State::kStatus: {
            if (line.size() < 12 || line.substr(0, 5) != "HTTP/") return false;
            int status = std::atoi(std::string(line.substr(9, 3)).c_str());
            if (line.substr(0, 8) == "HTTP/1.0") keep_alive_ = false;
            state_ = State::kHeaders;
            listener_->on_status(status);
            return true;
        }
        case State::kHeaders:
            return line.empty() ? end_headers() : on_header(line);
        case State::kChunkSize:
            remaining_ = std::strtol(std::string(line).c_str(), nullptr, 16);
            if (remaining_ < 0) return false;
            state_ = remaining_ == 0 ? State::kTrailer : State::kChunkData;
            return true;
        case State::kChunkEnd:
            state_ = State::kChunkSize;
            return line.empty();
        case State::kTrailer:
            if (line.empty()) complete();
            return true;
        default:
            return false;
    }
}

bool HttpResponseParser::on_header(std::string_view line) {
    std::string_view v;
    if (header_is(line, "Content-Length", &v)) {
        remaining_ = std::atol(std::string(v).c_str());
        has_length_ = true;
    } else if (header_is(line, "Transfer-Encoding", &v)) {
        chunked_ = contains_nocase(v, "chunked");
    } else if (header_is(line, "Connection", &v)) {
        if (contains_nocase(v, "close")) keep_alive_ = false;
    }
    return true;
}

bool HttpResponseParser::end_headers() {
    if (chunked_) {
        state_ = State::kChunkSize;
    } else if (has_length_ && remaining_ > 0) {
        state_ = State::kBody;
    } else if (has_length_) {
        complete();
    } else {
        return false;  // close-delimited bodies are not used by nginx for HTTP/1.1
    }
    return true;
}

void HttpResponseParser::complete() {
    state_ = State::kIdle;
    listener_->on_complete(keep_alive_);
}

}  // namespace chat::bench
