#include "api/stream/hub.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>

#include "api/stream/fcgi_output.h"
#include "api/stream/stream_events.h"
#include "api/stream/stream_state.h"
#include "common/log.h"
#include "common/sse.h"

namespace chat::stream {
namespace {

constexpr uint64_t kInboxTag = 1;
constexpr uint64_t kResultsTag = 2;
constexpr uint64_t kZmqTag = 3;
constexpr uint64_t kStopTag = 4;
constexpr int kMaxLivePerRound = 20000;  // then let sockets and timers have a turn
constexpr auto kCloseGrace = std::chrono::seconds(5);
// Tokens published just before a client (re)connects may not be persisted yet, and if the worker
// is slow no later live token reveals the gap soon: one extra read after a worker's batch period.
constexpr auto kSettleRead = std::chrono::milliseconds(150);
// A stream with no Last-Event-ID on a turn this process has no live events of is nearly always
// one just posted: its start comes live once a worker claims it, and then PostgreSQL is not
// read at all. It is read if the start has not come by then (an old turn: this much later).
constexpr auto kStartWait = std::chrono::milliseconds(100);
constexpr std::string_view kHead =
    "Status: 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "X-Accel-Buffering: no\r\n\r\n";

void watch(int ep, int fd, uint64_t tag, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
}

}  // namespace

struct Hub::Stream {
    Stream(uint64_t id_, NewStream&& n, Clock::time_point now)
        : id(id_),
          out(std::move(n.fd), n.request_id),
          turn_id(std::move(n.turn_id)),
          state(n.cursor),
          opened(now),
          last_event(now),
          last_activity(now) {}

    uint64_t id;
    FcgiOutput out;
    std::string turn_id;
    StreamState state;
    Clock::time_point opened;
    Clock::time_point last_event;     // last bytes queued for the client (heartbeat timer)
    Clock::time_point last_activity;  // last live event or read (lost-done check timer)
    Clock::time_point read_done{};
    Clock::time_point next_read = Clock::time_point::max();
    Clock::time_point timer_at{};  // the deadline of its one valid timer entry
    Clock::time_point close_by{};
    long backoff_ms = 0;
    int gap_reads = 0;  // reads in a row that brought nothing new
    bool read_in_flight = false;
    bool want_write = false;
    bool closing = false;
    bool dead = false;
    bool dirty = false;
    bool end_read = false;        // the one immediate read after a live done/error was made
    bool awaiting_start = false;  // the first read waits kStartWait for the live start
};

Hub::Hub(HubConfig cfg, zmq::context_t& ctx)
    : cfg_(std::move(cfg)),
      sub_(wire::make_subscriber(ctx, cfg_.broker_sub)),
      subs_(sub_),
      db_(std::make_unique<DbPool>(cfg_.db_url, cfg_.db_threads, results_)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      stop_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!epoll_ || !stop_fd_) throw std::runtime_error("epoll/eventfd failed");
    watch(epoll_.get(), inbox_.fd(), kInboxTag, EPOLLIN);
    watch(epoll_.get(), results_.fd(), kResultsTag, EPOLLIN);
    watch(epoll_.get(), stop_fd_.get(), kStopTag, EPOLLIN);
    watch(epoll_.get(), sub_.get(zmq::sockopt::fd), kZmqTag, EPOLLIN);
}

Hub::~Hub() {
    stop();
}

void Hub::start() {
    thread_ = std::thread([this] { loop(); });
}

void Hub::add_stream(NewStream s) {
    inbox_.push(std::move(s));
}

void Hub::stop() {
    if (!thread_.joinable()) return;
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_.get(), &one, sizeof one);
    thread_.join();
}

void Hub::loop() {
    epoll_event evs[256];
    while (true) {
        int n = ::epoll_wait(epoll_.get(), evs, 256, next_timeout_ms(Clock::now()));
        if (n < 0 && errno != EINTR) {
            log::error(std::string("epoll_wait: ") + std::strerror(errno));
            break;
        }
        auto now = Clock::now();
        bool stopping = false;
        for (int i = 0; i < n; ++i) {
            uint64_t tag = evs[i].data.u64;
            if (tag == kInboxTag) {
                for (auto& s : inbox_.take()) open_stream(std::move(s), now);
            } else if (tag == kResultsTag) {
                for (auto& r : results_.take()) on_result(r, now);
            } else if (tag == kStopTag) {
                stopping = true;
            } else if (tag != kZmqTag) {
                on_socket_event(tag, evs[i].events);
            }
        }
        if (stopping) break;
        log_stats(now);
        if (now >= next_expiry_) {
            recent_.expire(now);
            next_expiry_ = now + std::chrono::seconds(1);
        }
        run_timers(now);
        drain_live(now);
        flush_dirty();
        publish_stats();
    }
    end_all_streams();
    publish_stats();
}

int Hub::next_timeout_ms(Clock::time_point now) {
    // ZMQ_FD is edge-like: if messages are still queued, it may never fire again by itself.
    if (zmq_backlog_ || (sub_.get(zmq::sockopt::events) & ZMQ_POLLIN)) return 0;
    auto next = timers_.next();
    if (!next) return 1000;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count() + 1;
    return static_cast<int>(std::clamp<int64_t>(ms, 0, 1000));
}

void Hub::open_stream(NewStream n, Clock::time_point now) {
    int fd = n.fd.get();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    uint64_t id = next_id_++;
    auto owned = std::make_unique<Stream>(id, std::move(n), now);
    Stream& s = *owned;
    // Only EPOLLRDHUP: EPOLLIN would fire for request bytes nobody reads (STACK-NOTES).
    epoll_event ev{};
    ev.events = EPOLLRDHUP;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        log::warn(std::string("cannot watch stream socket: ") + std::strerror(errno));
        return;
    }
    std::string head(kHead);
    append_stream_preamble(head, cfg_.retry_ms);
    s.out.append(head);
    streams_.emplace(id, std::move(owned));
    // Register first, take the turn's recent live events, then read the snapshot: live events
    // from now on reach the state, and whatever was published before is in memory, persisted,
    // or shows up as a gap.
    subs_.add(s.turn_id, id);
    ++opened_total_;
    mark_dirty(s);
    std::string sse;
    bool heard_of = false;  // this process has live events of the turn
    recent_.for_each(s.turn_id, [&](const wire::TurnEvent& e) {
        heard_of = true;
        s.state.on_live(e, sse);
    });
    deliver(s, sse, now);  // what follows a live start goes out now; the rest waits to sync
    schedule(s, now + std::chrono::milliseconds(cfg_.heartbeat_ms));
    if (s.state.synced()) {
        // The attempt's start was in memory, so was all it published since (memory drops its
        // oldest events first): PostgreSQL is read only for a gap, an end or silence.
        after_change(s, now);
        return;
    }
    if (!heard_of && s.state.read_after() == 0) {
        s.awaiting_start = true;
        s.next_read = now + kStartWait;
        schedule(s, s.next_read);
        return;
    }
    request_read(s, now);
}

void Hub::on_result(const SnapshotResult& r, Clock::time_point now) {
    auto read = reads_.finish(r.job_id);
    if (!read) return;
    ++reads_done_;
    ++reads_total_;
    read_wait_ms_ += std::chrono::duration<double, std::milli>(now - read->posted).count();
    for (uint64_t id : read->streams) {
        if (Stream* s = find(id)) apply_result(*s, r, now);
    }
}

void Hub::apply_result(Stream& s, const SnapshotResult& r, Clock::time_point now) {
    s.read_in_flight = false;
    s.read_done = now;
    s.last_activity = now;
    if (!r.snapshot) {
        s.backoff_ms = 1000;  // PostgreSQL unavailable: keep heartbeating and try again
    } else {
        bool first = !s.state.synced();
        int64_t before = s.state.last_sent();
        std::string sse;
        s.state.on_snapshot(*r.snapshot, r.after, sse);
        deliver(s, sse, now);
        // A gap the worker has not persisted yet (it writes every few tens of ms): ask again
        // soon a few times, then less and less often.
        s.gap_reads = s.state.last_sent() != before ? 0 : s.gap_reads + 1;
        s.backoff_ms = s.gap_reads < 8 ? 25 : std::min<long>(1000, 25L << (s.gap_reads - 7));
        // Only a running turn can have published tokens that are not persisted yet.
        if (first && !s.state.finished() && r.snapshot->status == "running") {
            s.next_read = now + kSettleRead;
            schedule(s, s.next_read);
        }
    }
    after_change(s, now);
}

void Hub::on_socket_event(uint64_t id, uint32_t events) {
    Stream* s = find(id);
    if (!s) return;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        close_stream(id);  // the client (nginx) went away
    } else if (events & EPOLLOUT) {
        mark_dirty(*s);
    }
}

void Hub::drain_live(Clock::time_point now) {
    zmq_backlog_ = false;
    for (int i = 0; i < kMaxLivePerRound; ++i) {
        auto frames = wire::recv_multipart(sub_);
        if (frames.empty()) return;
        auto events = wire::parse_turn_events(frames);
        if (!events.empty()) dispatch(events, now);
    }
    zmq_backlog_ = true;
}

void Hub::dispatch(const std::vector<wire::TurnEvent>& events, Clock::time_point now) {
    for (const auto& e : events) recent_.record(e, now);
    for (uint64_t id : subs_.streams_of(events.front().turn_id)) {
        Stream* s = find(id);
        if (!s || s->closing || s->dead) continue;
        std::string sse;
        for (const auto& e : events) s->state.on_live(e, sse);
        s->last_activity = now;
        deliver(*s, sse, now);
        after_change(*s, now);
    }
}

void Hub::run_timers(Clock::time_point now) {
    while (auto e = timers_.pop_due(now)) {
        Stream* s = find(e->second);
        if (!s || s->timer_at != e->first) continue;  // superseded entry
        s->timer_at = {};
        on_tick(*s, now);
    }
}

void Hub::on_tick(Stream& s, Clock::time_point now) {
    if (s.closing) {
        if (now >= s.close_by) {
            s.dead = true;  // the client does not read its final bytes
            mark_dirty(s);
        } else {
            schedule(s, s.close_by);
        }
        return;
    }
    auto hb = std::chrono::milliseconds(cfg_.heartbeat_ms);
    auto check = std::chrono::milliseconds(cfg_.check_ms);
    if (now - s.last_event >= hb) {
        std::string sse;
        auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - s.opened).count();
        append_heartbeat_event(sse, elapsed);
        deliver(s, sse, now);
    }
    // Nothing live for a while: the done may have been lost, or the turn ended without one.
    if (!s.read_in_flight && (now - s.last_activity >= check || now >= s.next_read))
        request_read(s, now);
    auto next = std::min(s.last_event + hb, s.last_activity + check);
    schedule(s, std::min(next, s.next_read));
}

void Hub::after_change(Stream& s, Clock::time_point now) {
    if (s.closing || s.dead) return;
    if (s.awaiting_start && s.state.synced()) {
        s.awaiting_start = false;  // the start came live: no read
        s.next_read = Clock::time_point::max();
    }
    if (s.state.finished()) {
        begin_close(s, now);
        return;
    }
    if (!s.state.needs_read() || s.read_in_flight) return;
    auto due = s.read_done + std::chrono::milliseconds(s.backoff_ms);
    if (s.state.end_seen() && !s.end_read) {
        s.end_read = true;
        due = now;
    }
    if (now >= due) {
        request_read(s, now);
    } else {
        s.next_read = due;
        schedule(s, due);
    }
}

void Hub::deliver(Stream& s, const std::string& sse, Clock::time_point now) {
    if (sse.empty()) return;
    s.out.append(sse);
    s.last_event = now;
    mark_dirty(s);
    if (s.out.pending() > cfg_.max_backlog) {
        log::warn("dropping a stream whose client does not read");
        s.dead = true;
    }
}

void Hub::request_read(Stream& s, Clock::time_point now) {
    if (s.read_in_flight || s.closing || s.dead) return;
    s.awaiting_start = false;
    s.read_in_flight = true;
    s.next_read = Clock::time_point::max();
    s.last_activity = now;
    int64_t after = s.state.read_after();
    if (uint64_t job = reads_.join_or_start(s.turn_id, after, s.opened, s.id, now))
        db_->post({job, s.turn_id, after});
}

void Hub::begin_close(Stream& s, Clock::time_point now) {
    s.out.append_end();
    s.closing = true;
    s.close_by = now + kCloseGrace;
    mark_dirty(s);
    schedule(s, s.close_by);
}

void Hub::close_stream(uint64_t id) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    Stream& s = *it->second;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, s.out.fd(), nullptr);
    s.out.discard_input();
    subs_.remove(s.turn_id, id);
    streams_.erase(it);
}

void Hub::schedule(Stream& s, Clock::time_point at) {
    // One valid entry per stream, the earliest wanted; later ones are re-pushed when it fires.
    if (s.timer_at != Clock::time_point{} && s.timer_at <= at) return;
    s.timer_at = at;
    timers_.push(at, s.id);
}

void Hub::mark_dirty(Stream& s) {
    if (s.dirty) return;
    s.dirty = true;
    dirty_.push_back(s.id);
}

void Hub::flush_dirty() {
    auto ids = std::move(dirty_);
    dirty_.clear();
    for (uint64_t id : ids) {
        Stream* s = find(id);
        if (!s) continue;
        s->dirty = false;
        if (s->dead) {
            close_stream(id);
            continue;
        }
        auto r = s->out.flush();
        if (r == FcgiOutput::Flush::Failed || (r == FcgiOutput::Flush::Done && s->closing)) {
            close_stream(id);
            continue;
        }
        set_events(*s, r == FcgiOutput::Flush::Blocked);
    }
}

void Hub::set_events(Stream& s, bool want_write) {
    if (s.want_write == want_write) return;
    s.want_write = want_write;
    epoll_event ev{};
    ev.events = EPOLLRDHUP | (want_write ? EPOLLOUT : 0u);
    ev.data.u64 = s.id;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, s.out.fd(), &ev);
}

void Hub::end_all_streams() {
    // End every response properly so nginx closes the client side and browsers reconnect
    // (to another handler) from their Last-Event-ID.
    for (auto& [id, s] : streams_) {
        if (!s->closing) {
            std::string sse;
            sse::append_comment(sse, "server shutting down");
            s->out.append(sse);
            s->out.append_end();
        }
        s->out.flush();
        s->out.discard_input();
    }
    log::info("ended " + std::to_string(streams_.size()) + " open streams");
    streams_.clear();
}

void Hub::log_stats(Clock::time_point now) {
    // One line per interval while anything is open: enough to see load, leaks and DB lag.
    if (now < next_stats_) return;
    next_stats_ = now + std::chrono::seconds(cfg_.stats_s);
    if (streams_.empty() && logged_streams_ == 0) return;
    logged_streams_ = streams_.size();
    auto avg_ms = reads_done_ ? read_wait_ms_ / static_cast<double>(reads_done_) : 0.0;
    log::info("open streams " + std::to_string(streams_.size()) + " on " +
              std::to_string(subs_.turns()) + " turns; " + std::to_string(reads_done_) +
              " reads, avg " + std::to_string(avg_ms) + " ms");
    reads_done_ = 0;
    read_wait_ms_ = 0;
}

void Hub::publish_stats() {
    shared_stats_.open.store(streams_.size(), std::memory_order_relaxed);
    shared_stats_.turns.store(subs_.turns(), std::memory_order_relaxed);
    shared_stats_.recent.store(recent_.turns(), std::memory_order_relaxed);
    shared_stats_.opened.store(opened_total_, std::memory_order_relaxed);
    shared_stats_.reads.store(reads_total_, std::memory_order_relaxed);
}

HubStats Hub::stats() const {
    auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(shared_stats_.open), get(shared_stats_.turns), get(shared_stats_.recent),
            get(shared_stats_.opened), get(shared_stats_.reads)};
}

Hub::Stream* Hub::find(uint64_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
}

}  // namespace chat::stream
