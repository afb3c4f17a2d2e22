#include "common/wire.h"

#include "common/ids.h"

#include <charconv>

namespace chat::wire {
namespace {

template <typename T>
bool parse_number(const zmq::message_t& m, T& out) {
    auto* b = static_cast<const char*>(m.data());
    auto [p, ec] = std::from_chars(b, b + m.size(), out);
    return ec == std::errc() && p == b + m.size();
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
    std::string topic(kTurnPrefix);
    topic += e.turn_id;
    auto kind = kind_name(e.kind);
    std::string attempt = std::to_string(e.attempt);
    std::string seq = std::to_string(e.seq);
    pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(kind), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(attempt), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(seq), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(e.data), zmq::send_flags::none);
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
    if (f.size() != 5) return std::nullopt;
    auto topic = f[0].to_string_view();
    if (topic.substr(0, kTurnPrefix.size()) != kTurnPrefix) return std::nullopt;
    TurnEvent e;
    e.turn_id = std::string(topic.substr(kTurnPrefix.size()));
    if (!is_uuid(e.turn_id)) return std::nullopt;
    auto kind = f[1].to_string_view();
    if (kind == "start")
        e.kind = Kind::Start;
    else if (kind == "token")
        e.kind = Kind::Token;
    else if (kind == "done")
        e.kind = Kind::Done;
    else if (kind == "error")
        e.kind = Kind::Error;
    else
        return std::nullopt;
    if (!parse_number(f[2], e.attempt) || !parse_number(f[3], e.seq)) return std::nullopt;
    e.data = f[4].to_string();
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
