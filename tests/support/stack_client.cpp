#include "tests/support/stack_client.h"

#include <stdexcept>

#include "tests/support/json.h"
#include "tests/support/test_env.h"

namespace chat::test {
namespace {

void expect_status(const HttpResponse& r, int status, const std::string& what) {
    if (r.status != status)
        throw std::runtime_error(what + ": expected HTTP " + std::to_string(status) + ", got " +
                                 std::to_string(r.status) + " " + r.body);
}

}  // namespace

StackClient::StackClient()
    : StackClient(require_env("CHAT_TEST_BASE_URL"), require_env("CHAT_TEST_API_KEY")) {}

StackClient::StackClient(std::string base_url, std::string api_key)
    : http_(std::move(base_url)), api_key_(std::move(api_key)) {}

StackClient StackClient::admin() {
    return StackClient(require_env("CHAT_TEST_BASE_URL"), require_env("CHAT_TEST_ADMIN_KEY"));
}

HttpResponse StackClient::request(const std::string& method, const std::string& path,
                                  const std::string& body, const HeaderList& extra) const {
    HeaderList headers = extra;
    if (!api_key_.empty()) headers.emplace_back("Authorization", "Bearer " + api_key_);
    return http_.request(method, path, headers, body);
}

std::string StackClient::create_conversation(const std::string& title) const {
    auto r = post("/api/v1/conversations", json_member("title", title));
    expect_status(r, 201, "POST /api/v1/conversations");
    return parse_object(r.body)->getValue<std::string>("id");
}

Poco::JSON::Object::Ptr StackClient::post_message(const std::string& conversation_id,
                                                  const std::string& content) const {
    std::string path = "/api/v1/conversations/" + conversation_id + "/messages";
    auto r = post(path, json_member("content", content));
    expect_status(r, 202, "POST " + path);
    return parse_object(r.body);
}

std::unique_ptr<EventStream> StackClient::open_stream(
    const std::string& path, const std::optional<std::string>& last_event_id,
    std::chrono::milliseconds timeout) const {
    HeaderList headers;
    if (!api_key_.empty()) headers.emplace_back("Authorization", "Bearer " + api_key_);
    if (last_event_id) headers.emplace_back("Last-Event-ID", *last_event_id);
    return std::make_unique<EventStream>(http_.base_url(), path, headers, timeout);
}

std::vector<SseEvent> read_until_end(EventStream& stream, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<SseEvent> events;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("no done/error event within the timeout (" +
                                     std::to_string(events.size()) + " events read)");
        auto e = stream.next(left);
        if (!e) {
            if (stream.ended())
                throw std::runtime_error("the stream ended without done/error after " +
                                         std::to_string(events.size()) + " events");
            continue;
        }
        events.push_back(*e);
        if (e->event == "done" || e->event == "error") return events;
    }
}

std::string token_text(const std::vector<SseEvent>& events) {
    std::string text;
    for (const auto& e : events) {
        if (e.event == "token") text += parse_object(e.data)->getValue<std::string>("text");
    }
    return text;
}

}  // namespace chat::test
