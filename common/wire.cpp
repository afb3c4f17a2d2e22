#include "common/wire.h"

#include "common/ids.h"

#include <charconv>

namespace chat::wire {
namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string_view kind_name(Kind k) {
    switch (k) {
        case Kind::Start:
            return "start";
        case Kind::Token:
            return "token";
        case Kind::Done:
            return "done";
        case Kind::Error:
            return "error";
    }
    return "token";
}

void publish(zmq::socket_t& pub, const TurnEvent& e) {
    auto kind = kind_name(e.kind);
    std::string m;
    m.reserve(kTurnPrefix.size() + e.turn_id.size() + kind.size() + 28 + e.data.size());
    m += kTurnPrefix;
    m += e.turn_id;
    m += ' ';
    m += kind;
    m += ' ';
    m += std::to_string(e.attempt);
    m += ' ';
    m += std::to_string(e.seq);
    m += '\n';
    m += e.data;
    pub.send(zmq::buffer(m), zmq::send_flags::none);
}

void publish_wake(zmq::socket_t& pub) {
    pub.send(zmq::buffer(kWakeTopic), zmq::send_flags::none);
}

void publish_cancel(zmq::socket_t& pub, std::string_view turn_id) {
    std::string topic(kCancelPrefix);
    topic += turn_id;
    pub.send(zmq::buffer(topic), zmq::send_flags::none);
}

std::optional<TurnEvent> parse_turn_event(const std::vector<zmq::message_t>& f) {
    if (f.size() != 1) return std::nullopt;
    auto m = f[0].to_string_view();
    if (m.substr(0, kTurnPrefix.size()) != kTurnPrefix) return std::nullopt;
    auto eol = m.find('\n');
    if (eol == std::string_view::npos) return std::nullopt;
    auto header = m.substr(kTurnPrefix.size(), eol - kTurnPrefix.size());
    std::string_view fields[4];
    for (int i = 0; i < 4; ++i) {
        auto sp = i < 3 ? header.find(' ') : header.size();
        if (sp == std::string_view::npos) return std::nullopt;
        fields[i] = header.substr(0, sp);
        header.remove_prefix(std::min(sp + 1, header.size()));
    }
    if (!header.empty()) return std::nullopt;  // a fifth field
    TurnEvent e;
    if (!is_uuid(fields[0])) return std::nullopt;
    e.turn_id = std::string(fields[0]);
    if (fields[1] == "start")
        e.kind = Kind::Start;
    else if (fields[1] == "token")
        e.kind = Kind::Token;
    else if (fields[1] == "done")
        e.kind = Kind::Done;
    else if (fields[1] == "error")
        e.kind = Kind::Error;
    else
        return std::nullopt;
    if (!parse_number(fields[2], e.attempt) || !parse_number(fields[3], e.seq)) return std::nullopt;
    e.data = std::string(m.substr(eol + 1));
    return e;
}

std::vector<zmq::message_t> recv_multipart(zmq::socket_t& s) {
    std::vector<zmq::message_t> frames;
    while (true) {
        zmq::message_t m;
        auto flags = frames.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none;
        if (!s.recv(m, flags)) return frames;
        bool more = m.more();
        frames.push_back(std::move(m));
        if (!more) return frames;
    }
}

zmq::socket_t make_publisher(zmq::context_t& ctx, const std::string& endpoint) {
    zmq::socket_t s(ctx, zmq::socket_type::pub);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::sndhwm, 0);
    s.connect(endpoint);
    return s;
}

zmq::socket_t make_subscriber(zmq::context_t& ctx, const std::string& endpoint) {
    zmq::socket_t s(ctx, zmq::socket_type::sub);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvhwm, 0);
    s.connect(endpoint);
    return s;
}

}  // namespace chat::wire
