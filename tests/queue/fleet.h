// Test fixture: a scratch database, a broker on private ipc endpoints, and real worker
// processes started on demand (tests of the queue, the fleet and replay).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "tests/queue/child_process.h"
#include "tests/queue/scratch_db.h"

namespace chat::testing {

inline bool wait_until(const std::function<bool()>& pred, long timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

// A scratch database, a broker on private ipc endpoints, and workers started on demand.
struct Fleet {
    ScratchDatabase db;
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("fleet-" + random_hex(4));
    std::string pub, sub;
    std::unique_ptr<ChildProcess> broker;
    std::vector<std::unique_ptr<ChildProcess>> workers;

    Fleet() {
        std::filesystem::create_directories(dir);
        pub = "ipc://" + (dir / "pub").string();
        sub = "ipc://" + (dir / "sub").string();
        broker = std::make_unique<ChildProcess>(
            CHAT_BROKER_BIN,
            std::map<std::string, std::string>{{"CHAT_BROKER_PUB_BIND", pub},
                                               {"CHAT_BROKER_SUB_BIND", sub}},
            (dir / "broker.log").string());
    }
    ~Fleet() {
        workers.clear();
        broker.reset();
        std::filesystem::remove_all(dir);
    }
    ChildProcess& start_worker(std::map<std::string, std::string> env) {
        env.emplace("CHAT_DB_URL", db.url());
        env.emplace("CHAT_BROKER_PUB", pub);
        env.emplace("CHAT_BROKER_SUB", sub);
        env.emplace("CHAT_WORKER_LEASE_MS", "1500");
        env.emplace("CHAT_RETRY_BASE_MS", "10");
        auto log = dir / ("worker" + std::to_string(workers.size()) + ".log");
        workers.push_back(std::make_unique<ChildProcess>(CHAT_WORKER_BIN, env, log.string()));
        return *workers.back();
    }
    std::string scalar(const std::string& sql, const db::Params& p = {}) {
        auto r = db.conn().exec(sql, p);
        return r.empty() || r.is_null(0, 0) ? "" : r.str(0, 0);
    }
    long count(const std::string& sql, const db::Params& p = {}) {
        return std::stol(scalar(sql, p));
    }
};

}  // namespace chat::testing
