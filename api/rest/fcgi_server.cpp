#include "api/rest/fcgi_server.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <iostream>
#include <thread>
#include <vector>

#include "api/rest/rest_api.h"
#include "common/fcgi.h"
#include "common/log.h"

namespace chat::rest {
namespace {

// One serving thread: its own FastCGI request slot, database connection and PUB socket.
void serve_thread(int listen_fd, const ServerConfig& config, const RestApi& api,
                  zmq::context_t& zmq_ctx, RequestMetrics& metrics) {
    ChatStore store(config.db_url);
    if (!store.try_connect()) log::warn("database unreachable at start; will retry per request");
    Notifier notifier(zmq_ctx, config.settings.broker_pub);
    Services svc{store, notifier, metrics, config.settings};
    fcgi::Request request(listen_fd);
    while (request.accept()) {
        auto response = api.serve([&] { return request.read(config.max_body_bytes); }, svc);
        request.write(http::serialize(response));
        request.finish();
    }
}

sigset_t termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

void serve_fastcgi(int listen_fd, const ServerConfig& config) {
    fcgi::init();
    // Blocked before the threads start so only sigwait() below sees them (STACK-NOTES).
    sigset_t signals = termination_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    RestApi api;
    RequestMetrics metrics;
    zmq::context_t zmq_ctx;
    std::vector<std::jthread> threads;
    for (int i = 0; i < config.threads; ++i) {
        threads.emplace_back([&] {
            try {
                serve_thread(listen_fd, config, api, zmq_ctx, metrics);
            } catch (const std::exception& e) {
                log::error(std::string("serving thread stopped: ") + e.what());
            }
        });
    }
    log::info("serving FastCGI with " + std::to_string(config.threads) + " threads");

    int sig = 0;
    sigwait(&signals, &sig);
    log::info("signal " + std::to_string(sig) + ": finishing requests in flight");
    FCGX_ShutdownPending();
    ::shutdown(listen_fd, SHUT_RDWR);  // wakes every thread blocked in accept()
    threads.clear();                   // joins
}

void serve_cgi(const ServerConfig& config) {
    RestApi api;
    RequestMetrics metrics;
    zmq::context_t zmq_ctx;
    ChatStore store(config.db_url);
    Notifier notifier(zmq_ctx, config.settings.broker_pub);
    Services svc{store, notifier, metrics, config.settings};
    auto response = api.serve([&] { return fcgi::read_cgi_request(config.max_body_bytes); }, svc);
    std::cout << http::serialize(response) << std::flush;
}

}  // namespace chat::rest
