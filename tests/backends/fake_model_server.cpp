// chat-fake-model: a tiny model server speaking both upstream wire formats, for running the real
// stack end to end without a network or model weights. It replies "echo: <last user message>"
// word by word: POST /v1/chat/completions (OpenAI-compatible SSE, usage chunk, [DONE]) and
// POST /v1/messages (Anthropic events incl. ping). Prints "listening <port>" when ready.
// usage: chat-fake-model [--port N] [--delay-ms N]
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Poco::JSON::Object;
long g_delay_ms = 0;

std::string json_string(const std::string& s) {
    std::ostringstream out;
    Poco::JSON::Stringifier::formatString(s, out);
    return out.str();
}

std::vector<std::string> reply_pieces(const Object::Ptr& body) {
    std::string last_user;
    if (auto messages = body->getArray("messages")) {
        for (std::size_t i = 0; i < messages->size(); ++i) {
            auto m = messages->getObject(i);
            if (m && m->optValue<std::string>("role", "") == "user") {
                last_user = m->optValue<std::string>("content", "");
            }
        }
    }
    std::vector<std::string> pieces{"echo:"};
    std::istringstream words(last_user);
    for (std::string w; words >> w;) pieces.push_back(" " + w);
    return pieces;
}

void emit(std::ostream& out, const std::string& event, const std::string& data) {
    if (!event.empty()) out << "event: " << event << "\n";
    out << "data: " << data << "\n\n";
    out.flush();
    if (g_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(g_delay_ms));
}

void stream_openai(const Object::Ptr& body, const std::vector<std::string>& pieces,
                   std::ostream& out) {
    std::string model = json_string(body->optValue<std::string>("model", "fake"));
    std::string head = R"({"id":"fake-1","object":"chat.completion.chunk","model":)" + model;
    for (const auto& p : pieces) {
        emit(out, "",
             head + R"(,"choices":[{"index":0,"delta":{"content":)" + json_string(p) +
                 R"(},"finish_reason":null}]})");
    }
    emit(out, "", head + R"(,"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
    emit(out, "",
         head + R"(,"choices":[],"usage":{"prompt_tokens":)" + std::to_string(7 + pieces.size()) +
             R"(,"completion_tokens":)" + std::to_string(pieces.size()) + "}}");
    emit(out, "", "[DONE]");
}

void stream_anthropic(const Object::Ptr& body, const std::vector<std::string>& pieces,
                      std::ostream& out) {
    std::string model = json_string(body->optValue<std::string>("model", "fake"));
    emit(
        out, "message_start",
        R"({"type":"message_start","message":{"id":"msg_fake","type":"message","role":"assistant","content":[],"model":)" +
            model + R"(,"usage":{"input_tokens":)" + std::to_string(7 + pieces.size()) +
            R"(,"output_tokens":1}}})");
    emit(out, "content_block_start",
         R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
    emit(out, "ping", R"({"type":"ping"})");
    for (const auto& p : pieces) {
        emit(out, "content_block_delta",
             R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":)" +
                 json_string(p) + "}}");
    }
    emit(out, "content_block_stop", R"({"type":"content_block_stop","index":0})");
    emit(
        out, "message_delta",
        R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":)" +
            std::to_string(pieces.size()) + "}}");
    emit(out, "message_stop", R"({"type":"message_stop"})");
}

class Handler : public Poco::Net::HTTPRequestHandler {
  public:
    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& res) override {
        std::string text;
        Poco::StreamCopier::copyToString(req.stream(), text);
        const std::string& uri = req.getURI();
        bool openai =
            uri.size() >= 17 && uri.compare(uri.size() - 17, 17, "/chat/completions") == 0;
        bool anthropic = uri == "/v1/messages";
        Object::Ptr body;
        try {
            body = Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
        } catch (const std::exception&) {
        }
        if (req.getMethod() != "POST" || (!openai && !anthropic) || !body) {
            res.setStatus(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
            res.setContentType("application/json");
            res.send()
                << R"({"error":{"type":"invalid_request_error","message":"unsupported request"}})";
            return;
        }
        res.setContentType("text/event-stream");
        res.setChunkedTransferEncoding(true);
        std::ostream& out = res.send();
        auto pieces = reply_pieces(body);
        if (openai)
            stream_openai(body, pieces, out);
        else
            stream_anthropic(body, pieces, out);
    }
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler;  // Poco's factory contract: the server takes ownership
    }
};

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--port") == 0)
            port = static_cast<unsigned short>(std::stoi(argv[i + 1]));
        else if (std::strcmp(argv[i], "--delay-ms") == 0)
            g_delay_ms = std::stol(argv[i + 1]);
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
    auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
    params->setMaxThreads(32);
    Poco::Net::HTTPServer server(Poco::makeShared<Factory>(), socket, params);
    server.start();
    std::printf("listening %u\n", static_cast<unsigned>(socket.address().port()));
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stopAll(true);
    return 0;
}
