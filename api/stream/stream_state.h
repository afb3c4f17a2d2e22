// The pure logic of one SSE stream: merges the persisted token log (snapshots from PostgreSQL)
// with the live ZeroMQ feed into one in-order, gap-free, duplicate-free sequence of SSE bytes.
// No I/O: the hub feeds it snapshots and live events and asks what it needs next.
//
// Rules (issue 4): tokens go out strictly by seq; a live token beyond last_sent+1 waits until a
// snapshot fills the gap; a newer attempt means `reset` (when the client holds text of the older
// one) and a restart from that attempt's first seq; a client cursor from an older attempt or
// beyond anything that can exist also gets `reset` and a replay; the final event goes out only
// after every token up to the final seq. A live `start` of the attempt the client's cursor is in
// (or any attempt, without a cursor) lets the stream go on before the first snapshot: from there
// the live feed is complete but for losses, which show up as gaps; a snapshot read meanwhile
// still corrects a newer attempt with a reset. Not thread-safe: owned by the hub thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/stream/snapshot.h"
#include "common/wire.h"

namespace chat::stream {

class StreamState {
  public:
    // How far a running turn's published seq may run ahead of its persisted last_seq before a
    // client cursor beyond it is treated as garbage.
    static constexpr int64_t kMaxUnpersisted = 100000;
    // Bounds of what is held while waiting for the snapshot or for a gap to fill.
    static constexpr size_t kMaxEarlyEvents = 4096;
    static constexpr size_t kMaxAheadTokens = 8192;

    // cursor: the client's Last-Event-ID / ?after. nullopt = from the start; negative = garbage.
    explicit StreamState(std::optional<int64_t> cursor);

    // Consumes a snapshot taken with stream_snapshot(turn, after).
    void on_snapshot(const Snapshot& s, int64_t after, std::string& out);
    // Consumes one live event of this stream's turn.
    void on_live(const wire::TurnEvent& e, std::string& out);

    // True while the stream needs a snapshot: before the first one, on a gap, after a reset
    // that needs a replay, or to confirm a live error.
    bool needs_read() const;
    // The cursor to read the next snapshot after.
    int64_t read_after() const;
    bool finished() const { return finished_; }
    // A live done or error arrived before all its tokens: the worker published it after its
    // final commit, so PostgreSQL holds every token now and one read ends the stream.
    bool end_seen() const { return final_.has_value() || verify_error_; }
    bool synced() const { return synced_; }
    int attempt() const { return attempt_; }
    int64_t last_sent() const { return last_sent_; }

  private:
    struct PendingFinal {
        int64_t last_seq;
        std::string bytes;
    };

    void sync_initial(const Snapshot& s, std::string& out);
    bool can_sync_live(const wire::TurnEvent& start) const;
    bool cursor_unservable(const Snapshot& s) const;
    void switch_attempt(int attempt, std::string& out);
    void restart_attempt(std::string& out);
    void apply_tokens(const Snapshot& s, std::string& out);
    void replay_early(std::string& out);
    void accept_token(int64_t seq, const std::string& text, std::string& out);
    void emit_token(int64_t seq, const std::string& text, std::string& out);
    void drain_ahead(std::string& out);
    void offer_final(int64_t last_seq, std::string bytes, std::string& out);
    void offer_snapshot_final(const Snapshot& s, std::string& out);

    std::optional<int64_t> cursor_;
    bool synced_ = false;
    bool finished_ = false;
    bool resync_ = false;        // a replay from last_sent_ is needed (reset, overflow)
    bool verify_error_ = false;  // a live error awaits confirmation from PostgreSQL
    int attempt_ = 0;
    int64_t last_sent_ = 0;
    std::vector<wire::TurnEvent> early_;    // live events before the first snapshot
    std::map<int64_t, std::string> ahead_;  // live tokens beyond last_sent_ + 1
    std::optional<PendingFinal> final_;     // final event waiting for its tokens
};

}  // namespace chat::stream
