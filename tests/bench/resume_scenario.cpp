#include "tests/bench/resume_scenario.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/bench/json_lite.h"
#include "tests/bench/latency_recorder.h"
#include "tests/bench/process_stats.h"
#include "tests/bench/report.h"
#include "tests/bench/sse_parser.h"

namespace chat::bench {
namespace {

constexpr long long kAttemptSeqSpan = 1000000;  // attempt A numbers tokens from (A-1)*1e6+1

// Where in a turn a drop happened: the first replayed event differs (a token made while the
// client was away, the next one the model makes, or the end), and so may the latency.
enum DropPoint { kBeforeFirstToken, kMidTurn, kAfterDone, kDropPoints };
constexpr const char* kDropPointNames[kDropPoints] = {"before the first token", "after token k",
                                                      "after done"};

struct ResumeTotals {
    long drops = 0, gaps = 0, dups = 0, errors = 0, turns = 0;
    LatencyRecorder reconnect_ms;
    LatencyRecorder reconnect_ms_at[kDropPoints];
    struct Finished {
        std::string api_key, turn_id, text;
    };
    std::vector<Finished> finished;
};

class ResumeClient final : public ConnectionListener {
  public:
    ResumeClient(EventLoop& loop, const ResumeConfig& cfg, ResumeTotals& totals, std::string key,
                 std::string conv, unsigned seed)
        : cfg_(cfg),
          totals_(totals),
          api_key_(std::move(key)),
          conversation_(std::move(conv)),
          conn_(loop, loopback(cfg.target.port)),
          rng_(seed),
          parser_([this](const SseEvent& ev) { on_event(ev); }) {}

    bool busy() const { return phase_ != Phase::kIdle; }
    void tick(bool keep_going);

  private:
    enum class Phase { kIdle, kPosting, kStreaming };
    void start_turn();
    void plan_drops();
    void drop();
    void reconnect();
    void on_status(int status) override;
    void on_body(std::string_view bytes) override;
    void on_complete(bool keep_alive) override;
    void on_connection_error(const char* what) override;
    void on_event(const SseEvent& ev);
    void on_token(const SseEvent& ev);
    void report_anomaly(const char* what, long long expected, long long seq) const;
    bool drop_due(int point) const { return !drops_.empty() && drops_.back() == point; }

    const ResumeConfig& cfg_;
    ResumeTotals& totals_;
    std::string api_key_;
    std::string conversation_;
    HttpConnection conn_;
    std::mt19937 rng_;
    SseParser parser_;
    Phase phase_ = Phase::kIdle;
    int status_ = 0;
    std::string body_, url_;
    std::vector<int> drops_;  // tokens received after which to drop; back() is next
    int tokens_ = 0;
    long long last_seq_ = 0;
    std::string text_;
    bool dropping_ = false, done_ = false, reconnected_ = false;
    double reconnect_at_ = 0;  // > 0 until the first event after a reconnect
    DropPoint dropped_at_ = kMidTurn;
    double away_until_ = 0;  // > 0 while dropped: when to reconnect
};

void ResumeClient::tick(bool keep_going) {
    if (dropping_) drop();
    if (away_until_ > 0 && now_s() >= away_until_) reconnect();
    if (phase_ == Phase::kIdle && keep_going) start_turn();
}

void ResumeClient::start_turn() {
    phase_ = Phase::kPosting;
    status_ = 0;
    body_.clear();
    conn_.send(post_message_request(api_key_, conversation_, "resume benchmark question"), this);
}

// Drop points in tokens received: 0 = before the first token, tokens+1 = after done.
void ResumeClient::plan_drops() {
    std::uniform_int_distribution<int> point(0, cfg_.tokens_per_turn + 1);
    drops_.clear();
    for (int i = 0; i < cfg_.drops_per_turn; ++i) drops_.push_back(point(rng_));
    std::sort(drops_.rbegin(), drops_.rend());
    drops_.erase(std::unique(drops_.begin(), drops_.end()), drops_.end());
}

void ResumeClient::drop() {
    dropping_ = false;
    int point = drops_.back();
    dropped_at_ = point == 0                     ? kBeforeFirstToken
                  : point > cfg_.tokens_per_turn ? kAfterDone
                                                 : kMidTurn;
    drops_.pop_back();
    ++totals_.drops;
    conn_.close();
    parser_.reset();
    status_ = 0;
    done_ = false;
    away_until_ = now_s() + cfg_.away_ms / 1000.0;
}

void ResumeClient::reconnect() {
    away_until_ = 0;
    reconnect_at_ = now_s();
    reconnected_ = true;
    conn_.send(stream_request(url_, last_seq_ > 0 ? last_seq_ : -1), this);
}

void ResumeClient::on_status(int status) {
    status_ = status;
    if (phase_ == Phase::kStreaming && status == 200 && drop_due(0) && tokens_ == 0)
        dropping_ = true;
}

void ResumeClient::on_body(std::string_view bytes) {
    if (phase_ == Phase::kPosting) {
        body_.append(bytes);
    } else if (!dropping_) {
        parser_.feed(bytes);
    }
}

void ResumeClient::on_event(const SseEvent& ev) {
    if (dropping_ || ev.type == "heartbeat") return;
    if (reconnect_at_ > 0) {
        double ms = (now_s() - reconnect_at_) * 1000;
        totals_.reconnect_ms.add(ms);
        totals_.reconnect_ms_at[dropped_at_].add(ms);
        reconnect_at_ = 0;
    }
    if (ev.type == "token") {
        on_token(ev);
    } else if (ev.type == "reset") {
        long long attempt = json_int(ev.data, "attempt").value_or(1);
        last_seq_ = (attempt - 1) * kAttemptSeqSpan;
        text_.clear();
        tokens_ = 0;
    } else if (ev.type == "done") {
        done_ = true;
        if (drop_due(cfg_.tokens_per_turn + 1)) dropping_ = true;
    } else if (ev.type == "error") {
        ++totals_.errors;
    }
}

// The first few anomalies are printed with their context, so a failure can be chased.
void ResumeClient::report_anomaly(const char* what, long long expected, long long seq) const {
    if (totals_.gaps + totals_.dups > 5) return;
    std::printf("  %s in turn %s: expected seq %lld, got %lld (tokens so far %d, %s)\n", what,
                turn_id_of(url_).c_str(), expected, seq, tokens_,
                reconnected_ ? "after a reconnect" : "on the first connection");
}

void ResumeClient::on_token(const SseEvent& ev) {
    long long seq = std::atoll(std::string(ev.id).c_str());
    long long expected = last_seq_ + 1;
    if (seq < expected) {
        ++totals_.dups;
        report_anomaly("duplicate", expected, seq);
        return;
    }
    if (seq > expected) {
        ++totals_.gaps;
        report_anomaly("gap", expected, seq);
    }
    last_seq_ = seq;
    text_ += json_string(ev.data, "text").value_or("");
    ++tokens_;
    if (drop_due(tokens_)) dropping_ = true;
}

void ResumeClient::on_complete(bool keep_alive) {
    if (!keep_alive) conn_.close();
    if (phase_ == Phase::kPosting) {
        auto url = json_string(body_, "stream_url");
        if (status_ != 202 || !url) {
            ++totals_.errors;
            phase_ = Phase::kIdle;
            return;
        }
        url_ = *url;
        phase_ = Phase::kStreaming;
        plan_drops();
        reconnected_ = false;
        tokens_ = 0;
        last_seq_ = 0;
        text_.clear();
        done_ = false;
        reconnect_at_ = 0;
        conn_.send(stream_request(url_, -1), this);
        return;
    }
    if (dropping_) return;  // the stream ended in the same read as the drop point
    if (!done_ || status_ != 200) ++totals_.errors;
    ++totals_.turns;
    totals_.finished.push_back({api_key_, turn_id_of(url_), text_});
    phase_ = Phase::kIdle;
}

void ResumeClient::on_connection_error(const char*) {
    ++totals_.errors;
    dropping_ = false;
    phase_ = Phase::kIdle;
}

// Compares each assembled text with the stored reply; returns the number that differ.
long count_mismatches(BlockingApi& api, const ResumeTotals& totals) {
    long mismatches = 0;
    for (const auto& f : totals.finished) {
        HttpReply r = api.request("GET", "/api/v1/turns/" + f.turn_id, {}, &f.api_key);
        auto content = json_string(r.body, "content");
        if (r.status != 200 || !content || *content != f.text) ++mismatches;
    }
    return mismatches;
}

}  // namespace

int run_resume(const ResumeConfig& cfg) {
    BlockingApi api(cfg.target);
    EventLoop loop;
    ResumeTotals totals;
    std::vector<std::unique_ptr<ResumeClient>> clients;
    for (int i = 0; i < cfg.clients; ++i) {
        const std::string& key = cfg.target.key_for(static_cast<size_t>(i));
        std::string conv = api.create_conversation("bench resume " + std::to_string(i), key);
        clients.push_back(
            std::make_unique<ResumeClient>(loop, cfg, totals, key, conv, cfg.seed * 7919 + i));
    }
    double start = now_s(), cpu0 = own_cpu_seconds(), deadline = start + 120;
    loop.run([&] {
        bool keep_going = totals.drops < cfg.drops;
        bool any_busy = false;
        for (auto& c : clients) {
            c->tick(keep_going);
            any_busy = any_busy || c->busy();
        }
        return (keep_going || any_busy) && now_s() < deadline;
    });
    double wall = now_s() - start, cpu = own_cpu_seconds() - cpu0;
    long mismatches = count_mismatches(api, totals);
    std::printf(
        "resume: %ld drops over %ld turns (away %d ms each); reconnect -> first replayed event "
        "p50 %.2f ms p90 %.2f ms p99 %.2f ms; %ld gaps, %ld duplicates, %ld texts differing "
        "from the stored reply, %ld errors\n",
        totals.drops, totals.turns, cfg.away_ms, totals.reconnect_ms.percentile(50),
        totals.reconnect_ms.percentile(90), totals.reconnect_ms.percentile(99), totals.gaps,
        totals.dups, mismatches, totals.errors);
    for (int k = 0; k < kDropPoints; ++k) {
        const auto& r = totals.reconnect_ms_at[k];
        std::printf("  dropped %s: %zu reconnects, p50 %.2f ms p90 %.2f ms p99 %.2f ms\n",
                    kDropPointNames[k], r.count(), r.percentile(50), r.percentile(90),
                    r.percentile(99));
    }
    result("resume_drops", static_cast<double>(totals.drops));
    result("resume_p50_ms", totals.reconnect_ms.percentile(50));
    result("resume_p99_ms", totals.reconnect_ms.percentile(99));
    result("resume_gaps", static_cast<double>(totals.gaps));
    result("resume_dups", static_cast<double>(totals.dups));
    result("resume_mismatches", static_cast<double>(mismatches));
    result("errors", static_cast<double>(totals.errors));
    report_own_cpu(cpu, wall);
    bool clean = totals.gaps == 0 && totals.dups == 0 && mismatches == 0 && totals.errors == 0;
    return clean ? 0 : 1;
}

}  // namespace chat::bench
