#include "tests/bench/turn_scenario.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tests/bench/json_lite.h"
#include "tests/bench/latency_recorder.h"
#include "tests/bench/process_stats.h"
#include "tests/bench/report.h"
#include "tests/bench/sse_parser.h"

namespace chat::bench {
namespace {

// One counted turn as its client saw it; times are EventLoop seconds.
struct TurnTimeline {
    std::string turn_id;
    double post = 0, accepted = 0, first_token = 0, done = 0;
};

// What all clients add up; times are EventLoop seconds.
struct TurnTotals {
    double window_start = 0, window_end = 0;
    long turns = 0, token_events = 0, errors = 0, rejected_posts = 0;
    LatencyRecorder post_ms, first_token_ms, done_ms;
    std::vector<TurnTimeline> timeline;  // only with TurnLoadConfig::timeline_path
    bool in_window(double t) const { return t >= window_start && t < window_end; }
};

class TurnClient;

// The turn id of a stream URL, /api/v1/turns/{id}/stream?token=...
std::string turn_id_of(const std::string& stream_url) {
    const std::string marker = "/turns/";
    auto from = stream_url.find(marker);
    if (from == std::string::npos) return "";
    from += marker.size();
    return stream_url.substr(from, stream_url.find('/', from) - from);
}

void write_timeline(const std::string& path, const std::vector<TurnTimeline>& turns) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) {
        std::fprintf(stderr, "chat-bench: cannot write %s\n", path.c_str());
        return;
    }
    for (const auto& t : turns)
        std::fprintf(f, "%s,%.6f,%.6f,%.6f,%.6f\n", t.turn_id.c_str(), wall_s(t.post),
                     wall_s(t.accepted), wall_s(t.first_token), wall_s(t.done));
    std::fclose(f);
}

// One stream (browser tab) following the client's current turn.
class TabStream final : public ConnectionListener {
  public:
    TabStream(EventLoop& loop, int port, TurnClient& owner, int index)
        : conn_(loop, loopback(port)),
          owner_(owner),
          index_(index),
          parser_([this](const SseEvent& ev) { on_event(ev); }) {}
    void open(const std::string& stream_url);

  private:
    void on_status(int status) override { status_ = status; }
    void on_body(std::string_view bytes) override { parser_.feed(bytes); }
    void on_complete(bool keep_alive) override;
    void on_connection_error(const char* what) override;
    void on_event(const SseEvent& ev);

    HttpConnection conn_;
    TurnClient& owner_;
    int index_;
    SseParser parser_;
    int status_ = 0;
    bool saw_done_ = false;
};

class TurnClient final : public ConnectionListener {
  public:
    TurnClient(EventLoop& loop, const TurnLoadConfig& cfg, TurnTotals& totals, std::string key,
               std::vector<std::string> convs)
        : cfg_(cfg),
          totals_(totals),
          api_key_(std::move(key)),
          conversations_(std::move(convs)),
          post_conn_(loop, loopback(cfg.target.port)) {
        for (int i = 0; i < cfg.tabs; ++i)
            tabs_.push_back(std::make_unique<TabStream>(loop, cfg.target.port, *this, i));
    }
    void start_turn();
    void tick(double now, bool keep_going);
    bool busy() const { return busy_; }

    void tab_token(int index);
    void tab_done(int index);
    void tab_finished(bool ok);

  private:
    void on_status(int status) override { post_status_ = status; }
    void on_body(std::string_view bytes) override { post_body_.append(bytes); }
    void on_complete(bool keep_alive) override;
    void on_connection_error(const char* what) override;

    const TurnLoadConfig& cfg_;
    TurnTotals& totals_;
    std::string api_key_;
    std::vector<std::string> conversations_;
    HttpConnection post_conn_;
    std::vector<std::unique_ptr<TabStream>> tabs_;
    int post_status_ = 0;
    std::string post_body_;
    bool busy_ = false;
    bool turn_ok_ = true;
    int tabs_open_ = 0;
    double post_at_ = 0, accepted_at_ = 0, first_token_at_ = 0, done_at_ = 0;
    std::string stream_url_;
    double retry_at_ = 0;  // after a refused POST
    int seed_ = 0;
};

void TabStream::open(const std::string& stream_url) {
    status_ = 0;
    saw_done_ = false;
    parser_.reset();
    conn_.send(stream_request(stream_url, -1), this);
}

void TabStream::on_event(const SseEvent& ev) {
    if (ev.type == "token") {
        owner_.tab_token(index_);
    } else if (ev.type == "done") {
        saw_done_ = true;
        owner_.tab_done(index_);
    }
}

void TabStream::on_complete(bool keep_alive) {
    if (!keep_alive) conn_.close();
    owner_.tab_finished(status_ == 200 && saw_done_);
}

void TabStream::on_connection_error(const char*) {
    owner_.tab_finished(false);
}

void TurnClient::start_turn() {
    busy_ = true;
    turn_ok_ = true;
    post_status_ = 0;
    post_body_.clear();
    first_token_at_ = done_at_ = 0;
    post_at_ = now_s();
    std::string content = "Benchmark question " + std::to_string(++seed_) + ": tell me more.";
    const auto& conv = conversations_[static_cast<size_t>(seed_) % conversations_.size()];
    post_conn_.send(post_message_request(api_key_, conv, content), this);
}

void TurnClient::on_complete(bool keep_alive) {
    double now = now_s();
    if (!keep_alive) post_conn_.close();
    auto url = json_string(post_body_, "stream_url");
    if (post_status_ != 202 || !url) {
        ++totals_.rejected_posts;  // e.g. 409 while a previous turn is still finishing
        busy_ = false;
        retry_at_ = now + 0.05;
        return;
    }
    if (totals_.in_window(now)) totals_.post_ms.add((now - post_at_) * 1000);
    accepted_at_ = now;
    stream_url_ = *url;
    tabs_open_ = static_cast<int>(tabs_.size());
    for (auto& tab : tabs_) tab->open(stream_url_);
}

void TurnClient::on_connection_error(const char*) {
    ++totals_.errors;
    busy_ = false;
    retry_at_ = now_s() + 0.05;
}

void TurnClient::tab_token(int index) {
    double now = now_s();
    if (totals_.in_window(now)) ++totals_.token_events;
    if (index == 0 && first_token_at_ == 0) first_token_at_ = now;
}

void TurnClient::tab_done(int index) {
    if (index == 0) done_at_ = now_s();
}

void TurnClient::tab_finished(bool ok) {
    if (!ok) turn_ok_ = false;
    if (--tabs_open_ > 0) return;
    busy_ = false;
    if (!turn_ok_ || done_at_ == 0) {
        ++totals_.errors;
        return;
    }
    if (!totals_.in_window(done_at_)) return;
    ++totals_.turns;
    if (first_token_at_ > 0) totals_.first_token_ms.add((first_token_at_ - post_at_) * 1000);
    totals_.done_ms.add((done_at_ - post_at_) * 1000);
    if (!cfg_.timeline_path.empty())
        totals_.timeline.push_back(
            {turn_id_of(stream_url_), post_at_, accepted_at_, first_token_at_, done_at_});
}

void TurnClient::tick(double now, bool keep_going) {
    if (!busy_ && keep_going && now >= retry_at_) start_turn();
}

void print_totals(const TurnLoadConfig& cfg, const TurnTotals& t, double cpu_s, double wall_s) {
    double d = cfg.duration_s;
    std::printf(
        "clients=%d tabs=%d window=%.1fs: %ld turns (%.0f turns/s), %ld token events "
        "(%.0f events/s), %ld errors, %ld refused POSTs\n",
        cfg.clients, cfg.tabs, d, t.turns, t.turns / d, t.token_events, t.token_events / d,
        t.errors, t.rejected_posts);
    std::printf(
        "POST->202 ms p50 %.2f p99 %.2f | POST->first token p50 %.2f p99 %.2f | "
        "POST->done p50 %.2f p99 %.2f\n",
        t.post_ms.percentile(50), t.post_ms.percentile(99), t.first_token_ms.percentile(50),
        t.first_token_ms.percentile(99), t.done_ms.percentile(50), t.done_ms.percentile(99));
    std::printf("POST->done p90 %.2f ms; turns over 1 s: %zu of %zu\n", t.done_ms.percentile(90),
                t.done_ms.count_above(1000), t.done_ms.count());
    result("turns_per_s", t.turns / d);
    result("turns_over_1s", static_cast<double>(t.done_ms.count_above(1000)));
    result("events_per_s", t.token_events / d);
    result("post_p50_ms", t.post_ms.percentile(50));
    result("post_p99_ms", t.post_ms.percentile(99));
    result("ttft_p50_ms", t.first_token_ms.percentile(50));
    result("ttft_p99_ms", t.first_token_ms.percentile(99));
    result("done_p50_ms", t.done_ms.percentile(50));
    result("done_p99_ms", t.done_ms.percentile(99));
    result("errors", static_cast<double>(t.errors));
    report_own_cpu(cpu_s, wall_s);
}

}  // namespace

int run_turn_load(const TurnLoadConfig& cfg) {
    BlockingApi api(cfg.target);
    EventLoop loop;
    TurnTotals totals;
    std::vector<std::unique_ptr<TurnClient>> clients;
    for (int i = 0; i < cfg.clients; ++i) {
        const std::string& key = cfg.target.key_for(static_cast<size_t>(i));
        std::vector<std::string> convs;
        for (int k = 0; k < std::max(1, cfg.conversations_per_client); ++k) {
            convs.push_back(api.create_conversation(
                "bench client " + std::to_string(i) + "/" + std::to_string(k), key));
        }
        clients.push_back(std::make_unique<TurnClient>(loop, cfg, totals, key, std::move(convs)));
    }
    double start = now_s();
    double cpu0 = own_cpu_seconds();
    totals.window_start = start + cfg.warmup_s;
    totals.window_end = totals.window_start + cfg.duration_s;
    double drain_deadline = totals.window_end + 15;
    loop.run([&] {
        double now = now_s();
        bool keep_going = now < totals.window_end;
        bool any_busy = false;
        for (auto& c : clients) {
            c->tick(now, keep_going);
            any_busy = any_busy || c->busy();
        }
        return keep_going || (any_busy && now < drain_deadline);
    });
    print_totals(cfg, totals, own_cpu_seconds() - cpu0, now_s() - start);
    if (!cfg.timeline_path.empty()) write_timeline(cfg.timeline_path, totals.timeline);
    return totals.errors == 0 ? 0 : 1;
}

}  // namespace chat::bench
