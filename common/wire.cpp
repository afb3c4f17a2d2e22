#include "common/wire.h"

#include "common/ids.h"

#include <charconv>
#include <limits>

namespace chat::wire {
namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

constexpr std::string_view kTokensKind = "tokens";

// "<bytes>:<text>" repeated; all or nothing, so a damaged message never yields a seq gap.
std::vector<TurnEvent> split_tokens(TurnEvent first, std::string_view data) {
    std::vector<TurnEvent> out;
    int64_t seq = first.seq;
    while (!data.empty()) {
        auto colon = data.find(':');
        size_t n = 0;
        if (colon == std::string_view::npos || !parse_number(data.substr(0, colon), n) ||
            n > data.size() - colon - 1 || seq == std::numeric_limits<int64_t>::max())
            return {};
        TurnEvent e{first.turn_id, Kind::Token, first.attempt, seq++,
                    std::string(data.substr(colon + 1, n))};
        out.push_back(std::move(e));
        data.remove_prefix(colon + 1 + n);
    }
    return out;
}

std::string event_header(std::string_view turn_id, std::string_view kind, int attempt, int64_t seq,
                         size_t data_size) {
    std::string m;
    m.reserve(kTurnPrefix.size() + turn_id.size() + kind.size() + 28 + data_size);
    m += kTurnPrefix;
    m += turn_id;
    m += ' ';
    m += kind;
    m += ' ';
    m += std::to_string(attempt);
    m += ' ';
    m += std::to_string(seq);
    m += '\n';
    return m;
}

void send_event(zmq::socket_t& pub, std::string_view turn_id, std::string_view kind, int attempt,
                int64_t seq, std::string_view data) {
    auto m = event_header(turn_id, kind, attempt, seq, data.size());
    m += data;
    pub.send(zmq::buffer(m), zmq::send_flags::none);
}

// A header, then each token as "<bytes>:<text>".
void send_encoded(zmq::socket_t& pub, std::string_view turn_id, std::string_view kind, int attempt,
                  int64_t seq, const std::vector<std::string>& tokens) {
    size_t size = 0;
    for (const auto& t : tokens) size += t.size() + 8;
    auto m = event_header(turn_id, kind, attempt, seq, size);
    for (const auto& t : tokens) {
        m += std::to_string(t.size());
        m += ':';
        m += t;
    }
    pub.send(zmq::buffer(m), zmq::send_flags::none);
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
    send_event(pub, e.turn_id, kind_name(e.kind), e.attempt, e.seq, e.data);
}

void publish_start(zmq::socket_t& pub, std::string_view turn_id, int attempt, int64_t seq_base,
                   const std::vector<std::string>& tokens) {
    send_encoded(pub, turn_id, kind_name(Kind::Start), attempt, seq_base, tokens);
}

void publish_tokens(zmq::socket_t& pub, std::string_view turn_id, int attempt, int64_t first_seq,
                    const std::vector<std::string>& tokens) {
    if (tokens.empty()) return;
    if (tokens.size() == 1) {
        send_event(pub, turn_id, kind_name(Kind::Token), attempt, first_seq, tokens[0]);
        return;
    }
    send_encoded(pub, turn_id, kTokensKind, attempt, first_seq, tokens);
}

int wake_shard(std::string_view turn_id) {
    return static_cast<int>(stable_hash(turn_id) % kWakeShards);
}

std::string wake_shard_topic(int shard) {
    std::string topic(kWakeShardPrefix);
    topic += "0123456789abcdef"[shard & 15];
    return topic;
}

void publish_wake(zmq::socket_t& pub) {
    pub.send(zmq::buffer(kWakeTopic), zmq::send_flags::none);
}

void publish_wake(zmq::socket_t& pub, std::string_view turn_id) {
    auto topic = wake_shard_topic(wake_shard(turn_id));
    pub.send(zmq::buffer(topic), zmq::send_flags::none);
}

void publish_cancel(zmq::socket_t& pub, std::string_view turn_id) {
    std::string topic(kCancelPrefix);
    topic += turn_id;
    pub.send(zmq::buffer(topic), zmq::send_flags::none);
}

std::vector<TurnEvent> parse_turn_events(const std::vector<zmq::message_t>& f) {
    std::vector<TurnEvent> out;
    if (f.size() != 1) return out;
    auto m = f[0].to_string_view();
    if (m.substr(0, kTurnPrefix.size()) != kTurnPrefix) return out;
    auto eol = m.find('\n');
    if (eol == std::string_view::npos) return out;
    auto header = m.substr(kTurnPrefix.size(), eol - kTurnPrefix.size());
    std::string_view fields[4];
    for (int i = 0; i < 4; ++i) {
        auto sp = i < 3 ? header.find(' ') : header.size();
        if (sp == std::string_view::npos) return out;
        fields[i] = header.substr(0, sp);
        header.remove_prefix(std::min(sp + 1, header.size()));
    }
    if (!header.empty() || !is_uuid(fields[0])) return out;  // a fifth field, or no turn id
    TurnEvent e;
    if (!parse_number(fields[2], e.attempt) || !parse_number(fields[3], e.seq)) return out;
    e.turn_id = std::string(fields[0]);
    auto data = m.substr(eol + 1);
    if (fields[1] == kTokensKind) return split_tokens(std::move(e), data);
    if (fields[1] == "start") {
        e.kind = Kind::Start;
        if (e.seq == std::numeric_limits<int64_t>::max()) return out;
        TurnEvent first{e.turn_id, Kind::Token, e.attempt, e.seq + 1, {}};
        auto tokens = split_tokens(std::move(first), data);
        if (!data.empty() && tokens.empty()) return out;
        out.push_back(std::move(e));
        for (auto& t : tokens) out.push_back(std::move(t));
        return out;
    }
    if (fields[1] == "token")
        e.kind = Kind::Token;
    else if (fields[1] == "done")
        e.kind = Kind::Done;
    else if (fields[1] == "error")
        e.kind = Kind::Error;
    else
        return out;
    e.data = std::string(data);
    out.push_back(std::move(e));
    return out;
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
