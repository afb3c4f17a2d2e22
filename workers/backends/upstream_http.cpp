#include "workers/backends/upstream_http.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "workers/backends/http_status.h"

namespace chat::backends {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxErrorBody = std::size_t{64} * 1024;

Poco::Net::Context::Ptr tls_context(const std::string& ca_file) {
    static std::mutex mu;
    static std::map<std::string, Poco::Net::Context::Ptr> contexts;
    std::lock_guard lock(mu);
    static const bool initialized = [] {
        Poco::Net::initializeSSL();  // process-wide; never uninitialized while workers run
        return true;
    }();
    (void)initialized;
    auto& ctx = contexts[ca_file];
    if (!ctx) {
        Poco::Net::Context::Params params;
        params.caLocation = ca_file;
        params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
        params.loadDefaultCAs = true;
        ctx = Poco::makeAuto<Poco::Net::Context>(Poco::Net::Context::TLS_CLIENT_USE, params);
    }
    return ctx;
}

std::unique_ptr<Poco::Net::HTTPClientSession> open_session(const Poco::URI& uri,
                                                           const StreamingPost& request) {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
        session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(),
                                                                  tls_context(request.ca_file));
    } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    const auto& t = request.timeouts;
    session->setTimeout(Poco::Timespan(t.connect_ms * 1000), Poco::Timespan(t.silence_ms * 1000),
                        Poco::Timespan(t.silence_ms * 1000));
    session->setKeepAlive(false);
    return session;
}

std::string read_error_body(std::istream& body) {
    std::string out;
    char buf[4096];
    try {
        while (out.size() < kMaxErrorBody && body.read(buf, sizeof buf).gcount() > 0) {
            out.append(buf, static_cast<std::size_t>(body.gcount()));
        }
    } catch (const std::exception&) {
        // a partial error body still says enough
    }
    return out;
}

// Reads whatever bytes have arrived (blocking for at least one) until EOF, stop or failure.
StreamEnd pump_body(std::istream& body, const StreamingPost& request, const BodyHandler& on_bytes,
                    Clock::time_point started) {
    const auto deadline = started + std::chrono::milliseconds(request.timeouts.total_ms);
    char buf[16 * 1024];
    try {
        while (true) {
            if (body.peek() == std::char_traits<char>::eof()) return {StreamEnd::Kind::Eof, {}};
            std::streamsize n = body.readsome(buf, sizeof buf);
            if (n > 0 && !on_bytes(std::string_view(buf, static_cast<std::size_t>(n)))) {
                return {StreamEnd::Kind::Stopped, {}};
            }
            if (Clock::now() > deadline) {
                return {StreamEnd::Kind::Failed,
                        timed_out("reply took longer than " +
                                  std::to_string(request.timeouts.total_ms) + " ms")};
            }
        }
    } catch (const Poco::TimeoutException&) {
        return {StreamEnd::Kind::Failed,
                timed_out("no data from upstream for " +
                          std::to_string(request.timeouts.silence_ms) + " ms")};
    } catch (const Poco::Exception& e) {
        return {StreamEnd::Kind::Failed, unavailable("connection dropped: " + e.displayText())};
    } catch (const std::exception& e) {
        return {StreamEnd::Kind::Failed,
                unavailable(std::string("connection dropped: ") + e.what())};
    }
}

// Connects (TLS for https) and sends the POST; a failure here means the upstream is unreachable.
std::optional<UpstreamError> send_request(const StreamingPost& request,
                                          std::unique_ptr<Poco::Net::HTTPClientSession>& session) {
    Poco::URI uri;
    try {
        uri = Poco::URI(request.url);
        if (uri.getScheme() != "http" && uri.getScheme() != "https") {
            return protocol_error("unsupported URL: " + request.url);
        }
        session = open_session(uri, request);
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathEtc(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(request.body.size()));
        req.set("Accept", "text/event-stream");
        for (const auto& [name, value] : request.headers) req.set(name, value);
        session->sendRequest(req) << request.body << std::flush;
    } catch (const Poco::Exception& e) {
        return unavailable("cannot reach " + uri.getAuthority() + ": " + e.displayText());
    }
    return std::nullopt;
}

}  // namespace

StreamEnd post_streaming(const StreamingPost& request, const BodyHandler& on_bytes) {
    const auto started = Clock::now();
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (auto failure = send_request(request, session)) return {StreamEnd::Kind::Failed, *failure};
    Poco::Net::HTTPResponse response;
    std::istream* body = nullptr;
    try {
        body = &session->receiveResponse(response);
        body->exceptions(std::ios::badbit);  // surface socket errors instead of a quiet EOF
    } catch (const Poco::TimeoutException&) {
        return {StreamEnd::Kind::Failed,
                timed_out("no response from upstream within " +
                          std::to_string(request.timeouts.silence_ms) + " ms")};
    } catch (const Poco::Exception& e) {
        return {StreamEnd::Kind::Failed, unavailable("no response: " + e.displayText())};
    }
    int status = status_code(response);
    if (status < 200 || status > 299) {
        std::string error_body = read_error_body(*body);
        return {StreamEnd::Kind::Failed,
                from_http_status(status, error_body, response.get("Retry-After", ""))};
    }
    return pump_body(*body, request, on_bytes, started);
}

}  // namespace chat::backends
