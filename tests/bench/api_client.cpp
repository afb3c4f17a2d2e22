#include "tests/bench/api_client.h"

#include <stdexcept>

#include "tests/bench/json_lite.h"

namespace chat::bench {
namespace {

std::string path_of(std::string_view url) {
    if (url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://") {
        size_t slash = url.find('/', url.find("//") + 2);
        return slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    }
    return std::string(url);
}

}  // namespace

std::string post_message_request(const std::string& api_key, std::string_view conversation_id,
                                 std::string_view content) {
    std::string body = "{\"content\":\"" + json_escape(content) + "\"}";
    std::string req = "POST /api/v1/conversations/";
    req.append(conversation_id);
    req += "/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + api_key +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
    return req;
}

std::string stream_request(std::string_view stream_url, long long last_event_id) {
    std::string req = "GET " + path_of(stream_url) +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (last_event_id >= 0) req += "Last-Event-ID: " + std::to_string(last_event_id) + "\r\n";
    req += "\r\n";
    return req;
}

std::string turn_id_of(std::string_view stream_url) {
    std::string_view marker = "/turns/";
    size_t p = stream_url.find(marker);
    if (p == std::string_view::npos) return {};
    p += marker.size();
    size_t end = stream_url.find('/', p);
    return std::string(stream_url.substr(p, end - p));
}

BlockingApi::BlockingApi(ApiTarget target)
    : target_(std::move(target)), conn_(loop_, loopback(target_.port)) {}

HttpReply BlockingApi::request(std::string_view method, std::string_view path,
                               std::string_view body, const std::string* api_key) {
    const std::string& key = api_key != nullptr ? *api_key : target_.key_for(0);
    std::string req(method);
    req += " ";
    req.append(path);
    req += " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\n";
    if (!body.empty() || method == "POST") {
        req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n";
    }
    req += "\r\n";
    req.append(body);
    for (int attempt = 0; attempt < 2; ++attempt) {  // once more if a kept-alive socket was stale
        reply_ = {};
        done_ = false;
        error_.clear();
        conn_.send(req, this);
        double deadline = now_s() + 30;
        loop_.run([&] {
            if (now_s() > deadline) error_ = "timeout";
            return !done_ && error_.empty();
        });
        if (done_) return reply_;
    }
    throw std::runtime_error(std::string(method) + " " + std::string(path) + ": " + error_);
}

std::string BlockingApi::create_conversation(std::string_view title, const std::string& api_key) {
    HttpReply r = request("POST", "/api/v1/conversations",
                          "{\"title\":\"" + json_escape(title) + "\"}", &api_key);
    auto id = json_string(r.body, "id");
    if (r.status != 201 || !id)
        throw std::runtime_error("create conversation: HTTP " + std::to_string(r.status) + " " +
                                 r.body);
    return *id;
}

void BlockingApi::on_complete(bool keep_alive) {
    done_ = true;
    if (!keep_alive) conn_.close();
}

void BlockingApi::on_connection_error(const char* what) {
    error_ = what;
}

}  // namespace chat::bench
