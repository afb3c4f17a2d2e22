// The hub: one thread that owns every open stream of the process. It waits in epoll on the
// streams' FastCGI connections (EPOLLRDHUP = client gone, EPOLLOUT = room to write), the single
// ZeroMQ SUB socket, a mailbox of newly accepted streams and a mailbox of snapshot results from
// the DbPool, and drives each stream's StreamState. add_stream() is thread-safe; everything else
// runs on the hub thread. stop() ends open streams cleanly (clients reconnect elsewhere).
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/stream/db_pool.h"
#include "api/stream/mailbox.h"
#include "api/stream/recent_events.h"
#include "api/stream/shared_reads.h"
#include "api/stream/timer_queue.h"
#include "api/stream/turn_subscriptions.h"
#include "api/stream/unique_fd.h"
#include "common/wire.h"

namespace chat::stream {

struct HubConfig {
    std::string db_url;
    std::string broker_sub;
    int db_threads = 2;
    long heartbeat_ms = 2500;      // a heartbeat after this long without any event
    long check_ms = 2500;          // re-read PostgreSQL after this long without live news
    long retry_ms = 1000;          // the SSE retry hint
    size_t max_backlog = 1 << 20;  // a client this far behind is dropped
    long stats_s = 60;             // interval of the statistics log line
};

// An accepted, validated request handed over by an acceptor thread.
struct NewStream {
    UniqueFd fd;
    int request_id = 1;
    std::string turn_id;
    std::optional<int64_t> cursor;
};

// Figures for /metrics/stream; read from any thread.
struct HubStats {
    uint64_t open_streams = 0;
    uint64_t followed_turns = 0;
    uint64_t recent_turns = 0;
    uint64_t streams_opened = 0;
    uint64_t snapshot_reads = 0;
};

class Hub {
  public:
    Hub(HubConfig cfg, zmq::context_t& ctx);
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;
    ~Hub();

    void start();
    void add_stream(NewStream s);
    void stop();
    HubStats stats() const;

  private:
    using Clock = std::chrono::steady_clock;
    struct Stream;

    void loop();
    int next_timeout_ms(Clock::time_point now);
    void open_stream(NewStream n, Clock::time_point now);
    void on_result(const SnapshotResult& r, Clock::time_point now);
    void apply_result(Stream& s, const SnapshotResult& r, Clock::time_point now);
    void on_socket_event(uint64_t id, uint32_t events);
    void drain_live(Clock::time_point now);
    // The events of one message (one turn's): each stream of the turn gets them in one write.
    void dispatch(const std::vector<wire::TurnEvent>& events, Clock::time_point now);
    void run_timers(Clock::time_point now);
    void on_tick(Stream& s, Clock::time_point now);
    void flush_dirty();
    void after_change(Stream& s, Clock::time_point now);
    void deliver(Stream& s, const std::string& sse, Clock::time_point now);
    void request_read(Stream& s, Clock::time_point now);
    void begin_close(Stream& s, Clock::time_point now);
    void close_stream(uint64_t id);
    void schedule(Stream& s, Clock::time_point at);
    void mark_dirty(Stream& s);
    void set_events(Stream& s, bool want_write);
    void end_all_streams();
    void log_stats(Clock::time_point now);
    void publish_stats();
    Stream* find(uint64_t id);

    HubConfig cfg_;
    zmq::socket_t sub_;
    TurnSubscriptions subs_;
    Mailbox<NewStream> inbox_;
    Mailbox<SnapshotResult> results_;
    std::unique_ptr<DbPool> db_;  // after results_: its threads push there until joined
    UniqueFd epoll_;
    UniqueFd stop_fd_;
    std::unordered_map<uint64_t, std::unique_ptr<Stream>> streams_;
    TimerQueue timers_;
    SharedReads reads_;
    RecentEvents recent_;
    Clock::time_point next_expiry_{};
    std::vector<uint64_t> dirty_;
    uint64_t next_id_ = 16;
    bool zmq_backlog_ = false;
    Clock::time_point next_stats_{};
    size_t logged_streams_ = 0;
    uint64_t reads_done_ = 0;
    uint64_t reads_total_ = 0;
    uint64_t opened_total_ = 0;
    struct SharedStats {
        std::atomic<uint64_t> open{0}, turns{0}, recent{0}, opened{0}, reads{0};
    } shared_stats_;
    double read_wait_ms_ = 0;
    std::thread thread_;
};

}  // namespace chat::stream
