#include "tests/bench/stream_hold_scenario.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "tests/bench/json_lite.h"
#include "tests/bench/process_stats.h"
#include "tests/bench/report.h"
#include "tests/bench/sse_parser.h"

namespace chat::bench {
namespace {

struct HoldWindow {
    double start = 0;  // 0 until every stream is open
    int connecting = 0, open = 0;
    std::map<std::string, int> failures;  // why streams failed to open or ended
};

// One long-lived stream; remembers how long it went without any event during the hold.
class HeldStream final : public ConnectionListener {
  public:
    HeldStream(EventLoop& loop, int port, HoldWindow& window, bool queued_turn)
        : conn_(loop, loopback(port)),
          window_(window),
          queued_turn_(queued_turn),
          parser_([this](const SseEvent& ev) { on_event(ev); }) {}

    void open(const std::string& url) {
        ++window_.connecting;
        conn_.send(stream_request(url, -1), this);
    }
    void close() { conn_.close(); }
    bool queued_turn() const { return queued_turn_; }
    bool alive() const { return alive_; }
    double silence(double now) const {
        return std::max(max_silence_, now - std::max(last_event_, window_.start));
    }
    // Healthy: still open, answered 200, received events (tokens, or heartbeats while its
    // turn waits) during the hold, and was never silent for long.
    bool healthy(double now, double max_silence) const {
        return alive_ && status_ == 200 && hold_tokens_ + hold_heartbeats_ > 0 &&
               silence(now) <= max_silence;
    }
    long hold_tokens() const { return hold_tokens_; }
    long hold_heartbeats() const { return hold_heartbeats_; }

  private:
    void on_status(int status) override {
        status_ = status;
        --window_.connecting;
        if (status == 200) {
            alive_ = true;
            ++window_.open;
        } else {
            ++window_.failures["HTTP " + std::to_string(status)];
        }
        last_event_ = now_s();
    }
    void on_body(std::string_view bytes) override { parser_.feed(bytes); }
    void on_complete(bool) override { end("stream ended"); }  // a held stream must not end
    void on_connection_error(const char* what) override {
        if (status_ == 0) --window_.connecting;
        end(what);
    }
    void end(const char* why) {
        conn_.close();
        if (status_ == 0 || alive_) ++window_.failures[why];
        if (alive_) --window_.open;
        alive_ = false;
    }
    void on_event(const SseEvent& ev) {
        double now = now_s();
        if (window_.start > 0 && now > window_.start) {
            max_silence_ = std::max(max_silence_, now - std::max(last_event_, window_.start));
            if (ev.type == "token") ++hold_tokens_;
            if (ev.type == "heartbeat") ++hold_heartbeats_;
        }
        last_event_ = now;
    }

    HttpConnection conn_;
    HoldWindow& window_;
    bool queued_turn_;
    SseParser parser_;
    int status_ = 0;
    bool alive_ = false;
    double last_event_ = 0, max_silence_ = 0;
    long hold_tokens_ = 0, hold_heartbeats_ = 0;
};

struct SlowTurn {
    std::string api_key, id, stream_url;
};

std::vector<SlowTurn> post_slow_turns(BlockingApi& api, const ApiTarget& target, int count) {
    std::vector<SlowTurn> turns;
    for (int i = 0; i < count; ++i) {
        const std::string& key = target.key_for(static_cast<size_t>(i));
        std::string conv = api.create_conversation("bench slow " + std::to_string(i), key);
        HttpReply r = api.request("POST", "/api/v1/conversations/" + conv + "/messages",
                                  "{\"content\":\"a long slow answer please\"}", &key);
        auto url = json_string(r.body, "stream_url");
        if (r.status != 202 || !url)
            throw std::runtime_error("post slow turn: HTTP " + std::to_string(r.status) + " " +
                                     r.body);
        turns.push_back({key, turn_id_of(*url), *url});
    }
    return turns;
}

void cancel_turns(BlockingApi& api, const std::vector<SlowTurn>& turns) {
    for (const auto& t : turns)
        api.request("POST", "/api/v1/turns/" + t.id + "/cancel", "{}", &t.api_key);
}

void print_memory(const char* label, const MemoryTotal& m) {
    std::printf("%s: RSS %.1f MiB (PSS %.1f MiB) in %d processes:", label, m.rss_mib, m.pss_mib,
                m.processes);
    for (const auto& [name, rss] : m.rss_mib_by_name) std::printf(" %s %.1f", name.c_str(), rss);
    std::printf("\n");
}

// Prints the figures and returns the number of healthy streams.
int report_hold(const StreamHoldConfig& cfg, const HoldWindow& window,
                const std::vector<std::unique_ptr<HeldStream>>& streams, double end) {
    int healthy[2] = {0, 0}, total[2] = {0, 0}, with_tokens = 0, heartbeats_only = 0;
    long tokens = 0, heartbeats = 0;
    double worst = 0;
    for (const auto& s : streams) {
        int k = s->queued_turn() ? 1 : 0;
        ++total[k];
        bool ok = s->healthy(end, cfg.max_silence_s);
        healthy[k] += ok ? 1 : 0;
        with_tokens += ok && s->hold_tokens() > 0 ? 1 : 0;
        heartbeats_only += ok && s->hold_tokens() == 0 ? 1 : 0;
        tokens += s->hold_tokens();
        heartbeats += s->hold_heartbeats();
        if (s->alive()) worst = std::max(worst, s->silence(end));
    }
    std::printf(
        "held %d of %d streams healthy (open, receiving events, never silent > %.0f s): "
        "%d/%d on the running turns, %d/%d on the queued turns; %d got tokens, %d "
        "heartbeats only; during the hold %ld tokens and %ld heartbeats; longest "
        "silence of an open stream %.1f s\n",
        healthy[0] + healthy[1], cfg.streams, cfg.max_silence_s, healthy[0], total[0], healthy[1],
        total[1], with_tokens, heartbeats_only, tokens, heartbeats, worst);
    for (const auto& [why, n] : window.failures) std::printf("  failed: %d x %s\n", n, why.c_str());
    result("longest_silence_s", worst);
    return healthy[0] + healthy[1];
}

}  // namespace

int run_stream_hold(const StreamHoldConfig& cfg) {
    BlockingApi api(cfg.target);
    std::vector<SlowTurn> turns = post_slow_turns(api, cfg.target, cfg.turns + cfg.queued_turns);
    MemoryTotal before = stack_memory(cfg.pid_dir);
    EventLoop loop;
    HoldWindow window;
    std::vector<std::unique_ptr<HeldStream>> streams;
    for (int i = 0; i < cfg.streams; ++i) {
        bool queued = static_cast<int>(i % turns.size()) >= cfg.turns;
        streams.push_back(std::make_unique<HeldStream>(loop, cfg.target.port, window, queued));
    }
    double start = now_s(), cpu0 = own_cpu_seconds();
    size_t next = 0;
    loop.run([&] {
        while (next < streams.size() && window.connecting < cfg.max_connecting) {
            streams[next]->open(turns[next % turns.size()].stream_url);
            ++next;
        }
        return (window.connecting > 0 || next < streams.size()) && now_s() < start + 180;
    });
    window.start = now_s();
    std::printf("opened %d of %d streams in %.1f s; holding %.0f s\n", window.open, cfg.streams,
                window.start - start, cfg.hold_s);
    loop.run([&] { return now_s() < window.start + cfg.hold_s; });

    double end = now_s();
    MemoryTotal after = stack_memory(cfg.pid_dir);
    int held = report_hold(cfg, window, streams, end);
    double per_1000 = held > 0 ? (after.rss_mib - before.rss_mib) / held * 1000 : 0;
    print_memory("stack memory before the streams (PostgreSQL excluded)", before);
    print_memory("stack memory holding the streams", after);
    std::printf("%.1f MiB RSS per 1,000 streams (growth over the baseline)\n", per_1000);
    result("streams_held", held);
    result("rss_mib_streams", after.rss_mib);
    result("pss_mib_streams", after.pss_mib);
    result("rss_mib_per_1000_streams", per_1000);
    result("stream_open_s", window.start - start);
    report_own_cpu(own_cpu_seconds() - cpu0, end - start);
    for (auto& s : streams) s->close();
    cancel_turns(api, turns);
    return held == cfg.streams ? 0 : 1;
}

}  // namespace chat::bench
