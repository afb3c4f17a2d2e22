// The ZeroMQ wire protocol, written down once. All messages go PUB -> broker (XSUB/XPUB) -> SUB.
// PUB/SUB may drop messages, so nothing here is needed for correctness: every token is also
// persisted with its seq, wake-ups have a polling safety net, cancels have the lease check.
//
// Turn events, one frame (one ZeroMQ message part is cheapest for every hop; subscribers match the
// "t/" prefix, or "t/<turn-uuid>" for one turn):
//   "t/<turn-uuid> <kind> <attempt> <seq>\n<data>"   kind: start | token | done | error
//   start: a worker began `attempt`; seq = the attempt's seq base (first token is base+1); data =
//          the attempt's first tokens, encoded as for "tokens" (none: ""), so a reply that comes
//          at once costs one message less
//   token: data = the token's UTF-8 text (any bytes, newlines included); seq = its number
//   done:  data = JSON {"message_id","usage","finish_reason","status"}; seq = last token seq
//   error: data = JSON {"code","message","retryable"}; seq = last token seq
//   tokens: several consecutive tokens, seq = the first one's; data = "<bytes>:<text>" for each
//           (a worker sends what its generator gave between two waits as one message)
// Queue wake-up, topic "w/<h>", 1 frame: a turn was queued; h (one hex digit) is its shard,
//   wake_shard(turn id). The worker owning the shard claims; one with no runner idle passes the
//   wake-up on as "q". (Heard by every worker, a wake-up would cost a claim in each of them.)
// Queue wake-up, topic "q", 1 frame: a turn was queued; every idle worker tries to claim.
// Cancel, topic "c/<turn-uuid>", 1 frame: the worker holding that turn stops it.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chat::wire {

inline constexpr std::string_view kTurnPrefix = "t/";
inline constexpr std::string_view kWakeTopic = "q";
inline constexpr std::string_view kWakeShardPrefix = "w/";
inline constexpr int kWakeShards = 16;
inline constexpr std::string_view kCancelPrefix = "c/";

enum class Kind { Start, Token, Done, Error };

struct TurnEvent {
    std::string turn_id;
    Kind kind = Kind::Token;
    int attempt = 0;
    int64_t seq = 0;
    std::string data;
};

std::string_view kind_name(Kind k);

// Sends a turn event as one message.
void publish(zmq::socket_t& pub, const TurnEvent& e);
// Sends an attempt's start with its first tokens (numbered seq_base + 1 on), as one message.
void publish_start(zmq::socket_t& pub, std::string_view turn_id, int attempt, int64_t seq_base,
                   const std::vector<std::string>& tokens);
// Sends consecutive tokens, the first numbered first_seq, as one message ("token" when one).
void publish_tokens(zmq::socket_t& pub, std::string_view turn_id, int attempt, int64_t first_seq,
                    const std::vector<std::string>& tokens);
// The shard of a turn's wake-up, 0 .. kWakeShards - 1, and its topic "w/<hex digit>".
int wake_shard(std::string_view turn_id);
std::string wake_shard_topic(int shard);
// To every worker ("q").
void publish_wake(zmq::socket_t& pub);
// To the owner of the turn's shard.
void publish_wake(zmq::socket_t& pub, std::string_view turn_id);
void publish_cancel(zmq::socket_t& pub, std::string_view turn_id);

// Validates and decodes a received message into its turn events, all of one turn (several for
// "tokens", each a Token event with its own seq; a start with tokens is its Start event, then
// them); malformed frames give none (dropped).
std::vector<TurnEvent> parse_turn_events(const std::vector<zmq::message_t>& frames);

// Receives all frames of one message without blocking; empty when nothing is waiting.
std::vector<zmq::message_t> recv_multipart(zmq::socket_t& s);

// A PUB socket connected to the broker, with no high-water-mark loss and linger 0.
zmq::socket_t make_publisher(zmq::context_t& ctx, const std::string& endpoint);
// A SUB socket connected to the broker (subscriptions are added by the caller).
zmq::socket_t make_subscriber(zmq::context_t& ctx, const std::string& endpoint);

}  // namespace chat::wire
