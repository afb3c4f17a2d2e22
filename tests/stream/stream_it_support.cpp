#include "tests/stream/stream_it_support.h"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

namespace chat::stream::test {

using chat::test::parse_object;

void read_until(EventStream& s, std::vector<SseEvent>& events,
                const std::function<bool(const SseEvent&)>& pred, Ms timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw std::runtime_error("timed out waiting for an event");
        auto e = s.next(left);
        if (!e) {
            if (s.ended()) throw std::runtime_error("the stream ended before the awaited event");
            continue;
        }
        events.push_back(*e);
        if (pred(*e)) return;
    }
}

void read_until_token(EventStream& s, std::vector<SseEvent>& events, int64_t seq, Ms timeout) {
    auto id = std::to_string(seq);
    read_until(
        s, events, [&](const SseEvent& e) { return e.event == "token" && e.id == id; }, timeout);
}

bool is_final(const SseEvent& e) {
    return e.event == "done" || e.event == "error";
}

std::string assemble(const std::vector<SseEvent>& events) {
    std::string text;
    for (const auto& e : events) {
        if (e.event == "reset") text.clear();
        if (e.event == "token") text += parse_object(e.data)->getValue<std::string>("text");
    }
    return text;
}

size_t expect_in_order(const std::vector<SseEvent>& events, int64_t after) {
    size_t tokens = 0;
    int64_t prev = after;
    bool restart = false;
    for (const auto& e : events) {
        if (e.event == "reset") {
            restart = true;
            continue;
        }
        if (e.event != "token") continue;
        int64_t seq = std::stoll(e.id);
        BOOST_TEST(parse_object(e.data)->getValue<int64_t>("seq") == seq);
        if (restart) {
            // A restarted attempt begins at its first seq: (A-1)*1000000 + 1.
            BOOST_TEST(seq % 1000000 == 1, "first token after reset has seq " << seq);
            restart = false;
        } else {
            BOOST_TEST(seq == prev + 1, "token " << seq << " follows " << prev);
        }
        prev = seq;
        ++tokens;
    }
    return tokens;
}

std::string stored_reply(const StackClient& c, const std::string& conversation_id) {
    auto r = c.get("/api/v1/conversations/" + conversation_id + "/messages?limit=100");
    if (r.status != 200) throw std::runtime_error("GET messages: " + std::to_string(r.status));
    auto items = parse_object(r.body)->getArray("items");
    std::string content;
    bool found = false;
    for (size_t i = 0; i < items->size(); ++i) {
        auto m = items->getObject(static_cast<unsigned>(i));
        if (m->getValue<std::string>("role") != "assistant") continue;
        content = m->getValue<std::string>("content");
        found = true;
    }
    if (!found) throw std::runtime_error("no assistant message in " + conversation_id);
    return content;
}

std::string stream_path(const std::string& turn_id) {
    return "/api/v1/turns/" + turn_id + "/stream";
}

}  // namespace chat::stream::test
