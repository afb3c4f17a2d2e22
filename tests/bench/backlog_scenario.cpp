#include "tests/bench/backlog_scenario.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/db.h"
#include "tests/bench/backlog_sql.h"
#include "tests/bench/event_loop.h"
#include "tests/bench/report.h"

extern char** environ;

namespace chat::bench {
namespace {

// A worker process we started; stopped (TERM, then waited for) when this goes away.
class WorkerProcess {
  public:
    WorkerProcess(const std::string& bin, const std::string& log) {
        std::vector<char*> argv{const_cast<char*>(bin.c_str()), nullptr};
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        if (!log.empty()) {
            posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                             0644);
            posix_spawn_file_actions_adddup2(&files, 1, 2);
        }
        int rc = posix_spawn(&pid_, bin.c_str(), &files, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&files);
        if (rc != 0) throw std::runtime_error("cannot start " + bin);
    }
    ~WorkerProcess() {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    WorkerProcess(const WorkerProcess&) = delete;
    WorkerProcess& operator=(const WorkerProcess&) = delete;

  private:
    pid_t pid_ = 0;
};

long pending(db::Connection& db) {
    return db.exec(sql::kPendingTurns).int64(0, 0);
}

}  // namespace

int run_backlog(const BacklogConfig& cfg) {
    db::Connection db(cfg.db_url);
    std::string title = "bench backlog " + std::to_string(static_cast<long long>(now_s() * 1000));
    double t0 = now_s();
    db.exec(sql::kCreateUsers, {title, std::to_string(cfg.users)});
    db.exec(sql::kCreateConversations, {title, std::to_string(cfg.turns)});
    long queued = db.exec(sql::kEnqueueTurns, {title}).int64(0, 0);
    std::printf("enqueued %ld turns (%d users) in one statement in %.2f s with no worker running\n",
                queued, cfg.users, now_s() - t0);

    double db_start = std::stod(db.exec(sql::kClockNow).str(0, 0));
    double start = now_s(), finish = 0;
    {
        std::vector<std::unique_ptr<WorkerProcess>> workers;
        for (int i = 0; i < cfg.workers; ++i)
            workers.push_back(std::make_unique<WorkerProcess>(cfg.worker_bin, cfg.worker_log));
        while (pending(db) > 0 && now_s() < start + cfg.timeout_s)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the DB, not sync
        finish = now_s();
    }
    db::Result v = db.exec(sql::kVerifyBacklog, {title});
    long total = v.int64(0, 0), lost = v.int64(0, 1), twice = v.int64(0, 2),
         reclaimed = v.int64(0, 3);
    double db_span = v.is_null(0, 4) ? 0 : std::stod(v.str(0, 4));
    double first_claim_after = v.is_null(0, 5) ? 0 : std::stod(v.str(0, 5)) - db_start;
    double wall = finish - start;
    std::printf(
        "drained %ld turns with %d workers in %.2f s = %.0f turns/s (first claim to last "
        "finish in the DB: %.2f s = %.0f turns/s); lost %ld, answered twice %ld, "
        "claimed more than once %ld\n",
        total, cfg.workers, wall, total / wall, db_span, db_span > 0 ? total / db_span : 0.0, lost,
        twice, reclaimed);
    // Apart from the drain itself, the wall time holds the workers' start and this tool's
    // last poll: printed so that an outlier shows which.
    std::printf(
        "first claim %.2f s after the workers were started; drain seen over %.2f s "
        "after the last finish\n",
        first_claim_after, wall - first_claim_after - db_span);
    result("backlog_turns_per_s", total / wall);
    result("backlog_db_turns_per_s", db_span > 0 ? total / db_span : 0.0);
    result("backlog_lost", static_cast<double>(lost));
    result("backlog_done_twice", static_cast<double>(twice));
    result("backlog_reclaimed", static_cast<double>(reclaimed));
    return lost == 0 && twice == 0 && total == cfg.turns ? 0 : 1;
}

}  // namespace chat::bench
