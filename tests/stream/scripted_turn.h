// A turn whose "worker" is the test itself, so stream tests can decide exactly what is
// published live over ZeroMQ and what is persisted in PostgreSQL, and when: lost live tokens,
// late persistence, a lost `done`, a worker that dies and an attempt that restarts.
// It writes through the same SQL functions as chat-worker (persist_tokens, finish_turn) on a turn
// in a fresh conversation of the test user; the turn is created with available_at in the future
// so the stack's own worker never claims it. The destructor fails a turn left unfinished.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/db.h"

namespace chat::stream::test {

// One PUB socket connected to the broker, proven to reach subscribers (a new PUB loses its
// first messages: STACK-NOTES).
class TestPublisher {
  public:
    TestPublisher();
    zmq::socket_t& socket() { return pub_; }

  private:
    zmq::context_t ctx_;
    zmq::socket_t pub_;
};

class ScriptedTurn {
  public:
    // conversation_id: a fresh conversation of the test user (made through the REST API).
    ScriptedTurn(TestPublisher& pub, const std::string& conversation_id,
                 const std::string& user_text = "scripted");
    ~ScriptedTurn();

    const std::string& id() const { return turn_id_; }
    int attempt() const { return attempt_; }
    // The seq the next token of the current attempt gets.
    int64_t next_seq() const { return next_seq_; }

    // Takes the turn as a new attempt (as a worker would after the previous one's lease ran out)
    // and publishes `start` unless publish is false.
    int claim(bool publish = true);
    // Publishes one token live (without persisting it); returns its seq. The seq is taken
    // from next_seq() and advances it.
    int64_t publish_token(const std::string& text);
    // Publishes an already numbered token again (duplicate or delayed delivery).
    void republish_token(int64_t seq, const std::string& text);
    // Numbers a token without publishing it (a lost live message); returns its seq.
    int64_t skip_token(const std::string& text);
    // Persists every numbered token not yet persisted (one persist_tokens batch); returns
    // cancel_requested.
    bool persist();
    // finish_turn with the rest of the tokens; publishes `done` unless publish is false.
    // status: done | cancelled. Returns the assistant message id ("" when none).
    std::string finish(const std::string& status = "done", bool publish = true);
    // Publishes an `error` event and gives the turn back (retry_turn) or dead-letters it.
    void fail(bool retryable, bool publish = true);

  private:
    void publish(const std::string& kind, int64_t seq, const std::string& data);

    TestPublisher& pub_;
    db::Connection db_;
    std::string turn_id_;
    std::string owner_;
    int attempt_ = 0;
    int64_t next_seq_ = 1;
    int64_t persisted_to_ = 0;
    std::vector<std::string> numbered_;  // texts of the current attempt, seq base+1 first
    bool finished_ = false;
};

}  // namespace chat::stream::test
