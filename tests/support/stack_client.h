// A client of the running stack (through nginx), authenticated as one user, with shortcuts for
// the calls most tests make. HTTP failures to connect throw std::runtime_error; HTTP error
// statuses are returned, except in the shortcuts, which throw when the status is not the
// documented success.
#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/client/event_stream.h"
#include "api/client/http_client.h"

namespace chat::test {

using client::EventStream;
using client::HeaderList;
using client::HttpResponse;
using client::SseEvent;

class StackClient {
  public:
    // The normal test user (CHAT_TEST_API_KEY) at CHAT_TEST_BASE_URL.
    StackClient();
    // Any key; "" sends no Authorization header.
    StackClient(std::string base_url, std::string api_key);
    // The admin user (CHAT_TEST_ADMIN_KEY).
    static StackClient admin();

    // One request with this client's Authorization header plus `extra` headers.
    HttpResponse request(const std::string& method, const std::string& path,
                         const std::string& body = "", const HeaderList& extra = {}) const;
    HttpResponse get(const std::string& path) const { return request("GET", path); }
    HttpResponse post(const std::string& path, const std::string& body) const {
        return request("POST", path, body);
    }

    // POST /api/v1/conversations; returns the new id (throws unless 201).
    std::string create_conversation(const std::string& title = "test") const;
    // POST /api/v1/conversations/{id}/messages; returns the whole 202 body {message, turn}.
    Poco::JSON::Object::Ptr post_message(const std::string& conversation_id,
                                         const std::string& content) const;

    // Opens an event stream path (a turn's stream_url, or /api/v1/turns/ID/stream) with this
    // client's key, optionally resuming after last_event_id.
    std::unique_ptr<EventStream> open_stream(
        const std::string& path, const std::optional<std::string>& last_event_id = std::nullopt,
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    const std::string& base_url() const { return http_.base_url(); }

  private:
    client::HttpClient http_;
    std::string api_key_;
};

// Reads events until a `done` or `error` event (included in the result); throws
// std::runtime_error if neither arrives before the timeout or the stream ends without one.
std::vector<SseEvent> read_until_end(EventStream& stream, std::chrono::milliseconds timeout);

// The concatenated data.text of the `token` events, in order.
std::string token_text(const std::vector<SseEvent>& events);

}  // namespace chat::test
