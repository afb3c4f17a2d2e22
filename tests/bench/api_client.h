// The chat API as the load tool uses it: request builders for the hot path, and a blocking
// client (its own loop and keep-alive connection) for set-up and verification calls.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/bench/event_loop.h"
#include "tests/bench/http_connection.h"

namespace chat::bench {

// Where the API is and whose keys the clients use: client i acts as user keys[i % size], so
// load can come from many users (one user's requests serialise on its rate and limit rows).
struct ApiTarget {
    int port = 28080;
    std::vector<std::string> api_keys;
    const std::string& key_for(size_t client) const { return api_keys[client % api_keys.size()]; }
};

std::string post_message_request(const std::string& api_key, std::string_view conversation_id,
                                 std::string_view content);
// GET of a stream_url (absolute or path); last_event_id < 0 sends no Last-Event-ID.
std::string stream_request(std::string_view stream_url, long long last_event_id);
// The turn id inside a stream_url (/api/v1/turns/{id}/stream?...).
std::string turn_id_of(std::string_view stream_url);

struct HttpReply {
    int status = 0;
    std::string body;
};

class BlockingApi final : private ConnectionListener {
  public:
    explicit BlockingApi(ApiTarget target);
    // As the target's first user unless api_key is given.
    HttpReply request(std::string_view method, std::string_view path, std::string_view body = {},
                      const std::string* api_key = nullptr);
    // POST /api/v1/conversations as that user; throws on failure.
    std::string create_conversation(std::string_view title, const std::string& api_key);

  private:
    void on_status(int status) override { reply_.status = status; }
    void on_body(std::string_view bytes) override { reply_.body.append(bytes); }
    void on_complete(bool keep_alive) override;
    void on_connection_error(const char* what) override;

    ApiTarget target_;
    EventLoop loop_;
    HttpConnection conn_;
    HttpReply reply_;
    bool done_ = false;
    std::string error_;
};

}  // namespace chat::bench
