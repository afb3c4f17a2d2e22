// chat-bench: the load tool of `make bench` (scripts/bench.sh). One process, one epoll loop.
// usage: chat-bench turns|fanout|streams|resume|backlog [--name value ...]; see docs/benchmarks.md.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/bench/backlog_scenario.h"
#include "tests/bench/bench_options.h"
#include "tests/bench/process_stats.h"
#include "tests/bench/resume_scenario.h"
#include "tests/bench/stream_hold_scenario.h"
#include "tests/bench/turn_scenario.h"

namespace {

using namespace chat::bench;

const char* kUsage =
    "usage: chat-bench SCENARIO [--name value ...]\n"
    "  common:  --port N (nginx, 28080)  --key KEY | --keys-file F (or CHAT_BENCH_API_KEY, "
    "CHAT_BENCH_KEYS_FILE)\n"
    "  turns    --clients C --tabs 1 --warmup S --duration S --conversations 8 (per client)\n"
    "           --timeline FILE (a CSV line per counted turn: id, POST, 202, first token, done)\n"
    "  fanout   same as turns (default tabs 4)\n"
    "  streams  --streams S --turns T --queued-turns Q --hold S --max-silence S --pid-dir DIR\n"
    "  resume   --clients C --drops N --drops-per-turn K --tokens N --away-ms 20 --seed N\n"
    "  backlog  --db URL --turns N --users U --workers W --worker-bin PATH --worker-log F\n";

// --keys-file (one API key a line: client i is user i % n) or --key, else the environment.
ApiTarget target_of(const Options& o) {
    ApiTarget t;
    t.port = static_cast<int>(o.num("port", 28080));
    const char* env_file = std::getenv("CHAT_BENCH_KEYS_FILE");
    const char* env_key = std::getenv("CHAT_BENCH_API_KEY");
    std::string file = o.str("keys-file", env_file ? env_file : "");
    if (!file.empty()) {
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) t.api_keys.push_back(line);
    }
    std::string key = o.str("key", env_key ? env_key : "");
    if (t.api_keys.empty() && !key.empty()) t.api_keys.push_back(key);
    if (t.api_keys.empty()) throw std::invalid_argument("no API key: --key or --keys-file");
    return t;
}

int run(const std::string& scenario, const Options& o) {
    if (scenario == "turns" || scenario == "fanout") {
        TurnLoadConfig c{target_of(o),
                         static_cast<int>(o.num("clients", 16)),
                         static_cast<int>(o.num("tabs", scenario == "fanout" ? 4 : 1)),
                         o.real("warmup", 1),
                         o.real("duration", 5),
                         static_cast<int>(o.num("conversations", 8)),
                         o.str("timeline", "")};
        return run_turn_load(c);
    }
    if (scenario == "streams") {
        StreamHoldConfig c{target_of(o),
                           static_cast<int>(o.num("streams", 10000)),
                           static_cast<int>(o.num("turns", 200)),
                           static_cast<int>(o.num("queued-turns", 10)),
                           static_cast<int>(o.num("max-connecting", 200)),
                           o.real("hold", 20),
                           o.real("max-silence", 7),
                           o.str("pid-dir", "")};
        return run_stream_hold(c);
    }
    if (scenario == "resume") {
        ResumeConfig c{target_of(o),
                       static_cast<int>(o.num("clients", 32)),
                       static_cast<int>(o.num("drops", 1000)),
                       static_cast<int>(o.num("drops-per-turn", 3)),
                       static_cast<int>(o.num("tokens", 64)),
                       static_cast<int>(o.num("away-ms", 20)),
                       static_cast<unsigned>(o.num("seed", 1))};
        return run_resume(c);
    }
    if (scenario == "backlog") {
        BacklogConfig c;
        c.db_url = o.str("db", std::getenv("CHAT_DB_URL") ? std::getenv("CHAT_DB_URL") : "");
        c.worker_bin = o.str("worker-bin", "");
        c.worker_log = o.str("worker-log", "");
        c.turns = static_cast<int>(o.num("turns", 10000));
        c.workers = static_cast<int>(o.num("workers", 2));
        c.users = static_cast<int>(o.num("users", 100));
        c.timeout_s = o.real("timeout", 120);
        return run_backlog(c);
    }
    std::fputs(kUsage, stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    try {
        Options opts(argc, argv, 2);
        long nofile = raise_open_file_limit();
        std::printf("chat-bench %s (open-file limit %ld)\n", argv[1], nofile);
        return run(argv[1], opts);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat-bench %s: %s\n", argv[1], e.what());
        return 3;
    }
}
