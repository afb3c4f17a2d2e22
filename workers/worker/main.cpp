// chat-worker: claims turns from the PostgreSQL queue and generates them. Wiring only.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/config.h"
#include "common/ids.h"
#include "common/log.h"
#include "workers/worker/turn_planner.h"
#include "workers/worker/worker_pool.h"

int main() {
    using namespace chat;
    log::set_component("worker");
    // Signals are taken by one thread with sigwait, so no handler runs inside library code.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    signal(SIGPIPE, SIG_IGN);

    auto cfg = Config::from_env();
    worker::PoolOptions opts;
    opts.db_url = cfg.db_url;
    opts.broker_pub = cfg.broker_pub;
    opts.broker_sub = cfg.broker_sub;
    char host[128] = {};
    gethostname(host, sizeof host - 1);
    opts.worker_id = env_or(
        "CHAT_WORKER_ID", std::string(host) + "/" + std::to_string(getpid()) + "/" + random_hex(3));
    opts.concurrency = static_cast<int>(env_int("CHAT_WORKER_CONCURRENCY", 16));
    opts.runner.db_outage_ms = env_int("CHAT_WORKER_LEASE_MS", 10000);
    opts.lease_s = static_cast<double>(opts.runner.db_outage_ms) / 1000.0;
    opts.grace_ms = env_int("CHAT_WORKER_GRACE_S", 20) * 1000;
    opts.poll_ms = env_int("CHAT_WORKER_POLL_MS", 1000);
    opts.history_limit = static_cast<int>(std::max(1L, env_int("CHAT_CONTEXT_MAX_MESSAGES", 500)));
    opts.runner.batch_tokens = static_cast<size_t>(env_int("CHAT_PERSIST_BATCH_TOKENS", 256));
    opts.runner.batch_ms = env_int("CHAT_PERSIST_BATCH_MS", 100);
    opts.runner.retry_base_ms = env_int("CHAT_RETRY_BASE_MS", 500);

    try {
        worker::WorkerPool pool(opts, worker::make_turn_planner());
        std::thread signals([&] {
            int sig = 0;
            sigwait(&sigs, &sig);
            log::info("signal " + std::to_string(sig) + ": draining");
            pool.stop();
        });
        signals.detach();
        pool.run();
    } catch (const std::exception& e) {
        log::error(std::string("fatal: ") + e.what());
        return 1;
    }
    return 0;
}
