// chat-stream: the SSE stream handler (FastCGI). Wiring only: configuration, the hub, the
// acceptor threads, and an orderly stop on SIGTERM/SIGINT.
#include <fcgiapp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <csignal>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "api/stream/acceptor.h"
#include "api/stream/hub.h"
#include "common/config.h"
#include "common/fcgi.h"
#include "common/log.h"

namespace {

using namespace chat;

// Thousands of streams need thousands of descriptors: take everything the hard limit allows.
void raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == rl.rlim_max) return;
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) log::warn("cannot raise RLIMIT_NOFILE");
}

std::string listen_address(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--listen") == 0) return argv[i + 1];
    }
    return env_or("CHAT_STREAM_LISTEN", "");
}

// Signals are blocked in every thread (inherited) and taken synchronously by main.
sigset_t block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return set;
}

}  // namespace

int main(int argc, char** argv) {
    log::set_component("stream");
    raise_fd_limit();
    sigset_t stop_signals = block_stop_signals();
    auto cfg = Config::from_env();
    if (cfg.stream_secret.empty()) {
        // Started without it, every browser stream (signed ?token=) would be refused 401.
        log::error("CHAT_STREAM_SECRET is required (it checks stream_url tokens)");
        return 2;
    }
    try {
        auto address = listen_address(argc, argv);
        int listen_fd = address.empty() ? 0 : fcgi::listen(address, 4096);
        fcgi::init();
        std::signal(SIGPIPE, SIG_IGN);  // FCGX_Init installs its own handler

        zmq::context_t zmq_ctx(1);
        stream::HubConfig hub_cfg;
        hub_cfg.db_url = cfg.db_url;
        hub_cfg.broker_sub = cfg.broker_sub;
        hub_cfg.db_threads = static_cast<int>(env_int("CHAT_STREAM_DB_THREADS", 2));
        hub_cfg.heartbeat_ms = env_int("CHAT_STREAM_HEARTBEAT_MS", 2500);
        hub_cfg.check_ms = hub_cfg.heartbeat_ms;
        hub_cfg.stats_s = std::max(1L, env_int("CHAT_STREAM_STATS_S", 60));
        stream::Hub hub(hub_cfg, zmq_ctx);
        hub.start();

        std::vector<std::unique_ptr<stream::Acceptor>> acceptors;
        long n = std::max(1L, env_int("CHAT_STREAM_ACCEPTORS", 2));
        for (long i = 0; i < n; ++i) {
            acceptors.push_back(std::make_unique<stream::Acceptor>(
                stream::AcceptorConfig{listen_fd, cfg.db_url, cfg.stream_secret}, hub));
        }
        log::info("listening on " + (address.empty() ? std::string("fd 0") : address));

        int sig = 0;
        sigwait(&stop_signals, &sig);
        log::info(std::string("stopping on ") + strsignal(sig));
        FCGX_ShutdownPending();
        ::shutdown(listen_fd, SHUT_RDWR);
        acceptors.clear();
        hub.stop();
    } catch (const std::exception& e) {
        log::error(e.what());
        return 1;
    }
    return 0;
}
