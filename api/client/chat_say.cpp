// chat-say: send one message and print the reply as it streams.
//   chat-say [--url URL] [--key-file F] [--conversation ID] MESSAGE
// URL defaults to $CHAT_URL, else $CHAT_BASE_URL (what `stack.sh env` exports), else :8080; the
// key to $CHAT_API_KEY, else the file F, $CHAT_RUN_DIR/api-key or .run/api-key.
// Creates a conversation when none is given, posts the message, then follows the turn's event
// stream, printing each token as it arrives; a dropped stream is resumed with Last-Event-ID.
// Exit codes: 0 reply complete, 1 the server reported an error, 2 usage.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "api/client/event_stream.h"
#include "api/client/http_client.h"

namespace {

using chat::client::EventStream;
using chat::client::HeaderList;
using chat::client::HttpClient;
using chat::client::HttpResponse;
using Poco::JSON::Object;

constexpr int kMaxReconnects = 10;
constexpr auto kEventTimeout = std::chrono::seconds(60);  // heartbeats come every 2.5 s

struct Options {
    std::string url = "http://127.0.0.1:8080";
    std::string key_file = ".run/api-key";
    std::string conversation;
    std::string message;
};

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

Object::Ptr parse_object(const std::string& text) {
    try {
        return Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw Failure("unexpected answer (not a JSON object): " + text.substr(0, 200));
    }
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (const char* var : {"CHAT_BASE_URL", "CHAT_URL"})
        if (const char* u = std::getenv(var); u && *u) o.url = u;
    if (const char* run = std::getenv("CHAT_RUN_DIR"); run && *run)
        o.key_file = std::string(run) + "/api-key";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        bool has_value = i + 1 < argc;
        if (a == "--url" && has_value)
            o.url = argv[++i];
        else if (a == "--key-file" && has_value)
            o.key_file = argv[++i];
        else if (a == "--conversation" && has_value)
            o.conversation = argv[++i];
        else if (o.message.empty() && !a.empty() && a[0] != '-')
            o.message = a;
        else
            throw std::invalid_argument("unexpected argument '" + a + "'");
    }
    if (o.message.empty()) throw std::invalid_argument("no MESSAGE given");
    return o;
}

std::string read_key(const std::string& file) {
    if (const char* k = std::getenv("CHAT_API_KEY"); k && *k) return k;
    std::ifstream in(file);
    std::string key;
    if (!(in >> key)) throw Failure("cannot read an API key from " + file + " (run `make run`)");
    return key;
}

// POSTs JSON and returns the answer object; a non-`expected` status is a Failure with the detail.
Object::Ptr post(const HttpClient& http, const HeaderList& auth, const std::string& path,
                 const Object& body, int expected) {
    std::ostringstream text;
    body.stringify(text);
    HttpResponse r = http.request("POST", path, auth, text.str());
    if (r.status != expected)
        throw Failure("POST " + path + ": HTTP " + std::to_string(r.status) + " " + r.body);
    return parse_object(r.body);
}

// Prints the stream until `done` or `error`; reconnects after a drop. Returns the exit code.
int follow(const std::string& url, const HeaderList& auth, const std::string& stream_path) {
    std::string last_id;
    for (int attempt = 0; attempt <= kMaxReconnects; ++attempt) {
        HeaderList headers = auth;
        if (!last_id.empty()) headers.emplace_back("Last-Event-ID", last_id);
        try {
            EventStream stream(url, stream_path, headers);
            if (stream.status() != 200)
                throw Failure("stream: HTTP " + std::to_string(stream.status()) + " " +
                              stream.read_body(std::chrono::seconds(5)));
            while (auto e = stream.next(kEventTimeout)) {
                if (e->event == "token") {
                    std::cout << parse_object(e->data)->optValue<std::string>("text", "")
                              << std::flush;
                    last_id = e->id;
                } else if (e->event == "reset") {
                    std::cout << "\n[generation restarted]\n" << std::flush;
                } else if (e->event == "done") {
                    auto done = parse_object(e->data);
                    auto usage = done->getObject("usage");
                    std::cout << "\n";
                    std::cerr << "[done: " << (usage ? usage->optValue<int>("output_tokens", 0) : 0)
                              << " tokens, " << done->optValue<std::string>("finish_reason", "stop")
                              << "]\n";
                    return 0;
                } else if (e->event == "error") {
                    std::cout << "\n";
                    std::cerr << "error: "
                              << parse_object(e->data)->optValue<std::string>("message", e->data)
                              << "\n";
                    return 1;
                }
            }
        } catch (const std::runtime_error& e) {
            if (dynamic_cast<const Failure*>(&e)) throw;
            std::cerr << "\n[stream interrupted: " << e.what() << "]\n";
        }
        // The stream dropped without `done`: resume after the last token we printed.
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
    }
    throw Failure("the stream kept dropping; gave up after " + std::to_string(kMaxReconnects) +
                  " reconnects");
}

int run(const Options& o) {
    HttpClient http(o.url);
    HeaderList auth{{"Authorization", "Bearer " + read_key(o.key_file)}};
    std::string conversation = o.conversation;
    if (conversation.empty()) {
        Object body;
        body.set("title", o.message.substr(0, 60));
        conversation =
            post(http, auth, "/api/v1/conversations", body, 201)->getValue<std::string>("id");
        std::cerr << "[conversation " << conversation << "]\n";
    }
    Object body;
    body.set("content", o.message);
    auto posted =
        post(http, auth, "/api/v1/conversations/" + conversation + "/messages", body, 202);
    auto turn = posted->getObject("turn");
    if (!turn) throw Failure("202 without a turn object");
    return follow(o.url, auth, turn->getValue<std::string>("stream_url"));
}

}  // namespace

int main(int argc, char** argv) {
    constexpr const char* kUsage =
        "usage: chat-say [--url URL] [--key-file FILE] [--conversation ID] MESSAGE\n";
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
            std::cout << kUsage;
            return 0;
        }
    }
    Options options;
    try {
        options = parse_args(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "chat-say: " << e.what() << "\n" << kUsage;
        return 2;
    }
    try {
        return run(options);
    } catch (const std::exception& e) {
        std::cerr << "chat-say: " << e.what() << "\n";
        return 1;
    }
}
