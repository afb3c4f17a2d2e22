#include "tests/bench/stream_hold_scenario.h"

#include <algorithm>
#include <cstdio>
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
    int connecting = 0, open = 0, failed = 0;
};

// One long-lived stream; remembers how long it went without any event during the hold.
class HeldStream final : public ConnectionListener {
  public:
    HeldStream(EventLoop& loop, int port, HoldWindow& window)
        : conn_(loop, loopback(port)),
          window_(window),
          parser_([this](const SseEvent& ev) { on_event(ev); }) {}

    void open(const std::string& url) {
        ++window_.connecting;
        conn_.send(stream_request(url, -1), this);
    }
    void close() { conn_.close(); }
    // Healthy: still open, answered 200, got tokens during the hold and was never silent long.
    bool healthy(double now, double max_silence) const {
        return alive_ && status_ == 200 && hold_tokens_ > 0 &&
               std::max(max_silence_, now - std::max(last_event_, window_.start)) <= max_silence;
    }
    long hold_tokens() const { return hold_tokens_; }
    long heartbeats() const { return heartbeats_; }
    double max_silence(double now) const {
        return std::max(max_silence_, now - std::max(last_event_, window_.start));
    }

  private:
    void on_status(int status) override {
        status_ = status;
        --window_.connecting;
        if (status == 200) {
            alive_ = true;
            ++window_.open;
        } else {
            ++window_.failed;
        }
        last_event_ = now_s();
    }
    void on_body(std::string_view bytes) override { parser_.feed(bytes); }
    void on_complete(bool) override { end(); }  // a held stream must not end
    void on_connection_error(const char*) override {
        if (status_ == 0) {
            --window_.connecting;
            ++window_.failed;
        }
        end();
    }
    void end() {
        conn_.close();
        if (alive_) {
            alive_ = false;
            --window_.open;
            ++window_.failed;
        }
    }
    void on_event(const SseEvent& ev) {
        double now = now_s();
        if (window_.start > 0 && now > window_.start) {
            max_silence_ = std::max(max_silence_, now - std::max(last_event_, window_.start));
            if (ev.type == "token") ++hold_tokens_;
        }
        if (ev.type == "heartbeat") ++heartbeats_;
        last_event_ = now;
    }

    HttpConnection conn_;
    HoldWindow& window_;
    SseParser parser_;
    int status_ = 0;
    bool alive_ = false;
    double last_event_ = 0, max_silence_ = 0;
    long hold_tokens_ = 0, heartbeats_ = 0;
};

struct SlowTurn {
    std::string id, stream_url;
};

std::vector<SlowTurn> post_slow_turns(BlockingApi& api, int count) {
    std::vector<SlowTurn> turns;
    for (int i = 0; i < count; ++i) {
        std::string conv = api.create_conversation("bench slow " + std::to_string(i));
        HttpReply r = api.request("POST", "/api/v1/conversations/" + conv + "/messages",
                                  "{\"content\":\"a long slow answer please\"}");
        auto url = json_string(r.body, "stream_url");
        if (r.status != 202 || !url)
            throw std::runtime_error("post slow turn: HTTP " + std::to_string(r.status) + " " +
                                     r.body);
        turns.push_back({turn_id_of(*url), *url});
    }
    return turns;
}

void cancel_turns(BlockingApi& api, const std::vector<SlowTurn>& turns) {
    for (const auto& t : turns) api.request("POST", "/api/v1/turns/" + t.id + "/cancel", "{}");
}

}  // namespace

int run_stream_hold(const StreamHoldConfig& cfg) {
    BlockingApi api(cfg.target);
    std::vector<SlowTurn> turns = post_slow_turns(api, cfg.turns);
    MemoryTotal before = stack_memory(cfg.pid_dir);
    EventLoop loop;
    HoldWindow window;
    std::vector<std::unique_ptr<HeldStream>> streams;
    for (int i = 0; i < cfg.streams; ++i)
        streams.push_back(std::make_unique<HeldStream>(loop, cfg.target.port, window));

    double start = now_s(), cpu0 = own_cpu_seconds();
    double open_deadline = start + 180;
    size_t next = 0;
    loop.run([&] {
        while (next < streams.size() && window.connecting < cfg.max_connecting) {
            streams[next]->open(turns[next % turns.size()].stream_url);
            ++next;
        }
        return window.connecting > 0 || next < streams.size() ? now_s() < open_deadline : false;
    });
    double opened_in = now_s() - start;
    window.start = now_s();
    std::printf("opened %d of %d streams in %.1f s (%d failed); holding %.0f s\n", window.open,
                cfg.streams, opened_in, window.failed, cfg.hold_s);
    loop.run([&] { return now_s() < window.start + cfg.hold_s; });

    double end = now_s();
    MemoryTotal after = stack_memory(cfg.pid_dir);
    int held = 0;
    long tokens = 0, heartbeats = 0;
    double worst_silence = 0;
    for (const auto& s : streams) {
        held += s->healthy(end, cfg.max_silence_s) ? 1 : 0;
        tokens += s->hold_tokens();
        heartbeats += s->heartbeats();
        worst_silence = std::max(worst_silence, s->max_silence(end));
    }
    double per_1000 = held > 0 ? (after.rss_mib - before.rss_mib) / held * 1000 : 0;
    std::printf(
        "streams=%d over %d turns: %d held healthy (open, tokens during the hold, never "
        "silent > %.0f s); %ld tokens, %ld heartbeats; longest silence %.1f s\n",
        cfg.streams, cfg.turns, held, cfg.max_silence_s, tokens, heartbeats, worst_silence);
    std::printf(
        "stack memory (%d processes, PostgreSQL excluded): RSS %.1f MiB (PSS %.1f MiB) "
        "with streams, %.1f MiB (PSS %.1f) before; %.1f MiB RSS per 1,000 streams\n",
        after.processes, after.rss_mib, after.pss_mib, before.rss_mib, before.pss_mib, per_1000);
    result("streams_held", held);
    result("rss_mib_streams", after.rss_mib);
    result("pss_mib_streams", after.pss_mib);
    result("rss_mib_per_1000_streams", per_1000);
    result("stream_open_s", opened_in);
    result("longest_silence_s", worst_silence);
    report_own_cpu(own_cpu_seconds() - cpu0, end - start);
    for (auto& s : streams) s->close();
    cancel_turns(api, turns);
    return held == cfg.streams ? 0 : 1;
}

}  // namespace chat::bench
