// chat-replay: re-runs a filtered set of finished turns as new low-priority turns, shows
// progress, and writes a summary plus JSONL results. Re-running with the same --replay-id is safe.
#include <unistd.h>

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "common/config.h"
#include "common/db.h"
#include "common/ids.h"
#include "common/wire.h"
#include "queue/replay/progress.h"
#include "queue/replay/replay_store.h"

using namespace chat;

namespace {

const char* kUsage =
    "usage: chat-replay [--replay-id ID] [--conversation UUID] [--user NAME]\n"
    "                   [--status done|failed|dead-lettered|cancelled] [--since TIME] [--until "
    "TIME]\n"
    "                   [--model M] [--to-model M] [--to-agent AGENT] [--out FILE.jsonl]\n"
    "                   [--no-wait] [--timeout SECONDS]\n"
    "Selects finished turns (TIME: a PostgreSQL timestamp such as 2026-11-01 or\n"
    "2026-11-01T12:00:00Z), enqueues each again under the replay id, and\n"
    "waits for them. Environment: CHAT_DB_URL, CHAT_BROKER_PUB.\n";

struct Args {
    std::string replay_id = "replay-" + random_hex(4);
    replay::Filter filter;
    replay::Target target;
    std::string out;
    bool wait = true;
    long timeout_s = 3600;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        if (k == "--no-wait") {
            a.wait = false;
            continue;
        }
        if (k == "-h" || k == "--help") {
            std::cout << kUsage;
            std::exit(0);
        }
        if (i + 1 >= argc) throw std::invalid_argument("missing value for " + k);
        std::string v = argv[++i];
        if (k == "--replay-id")
            a.replay_id = v;
        else if (k == "--conversation") {
            if (!is_uuid(v)) throw std::invalid_argument("--conversation needs a UUID");
            a.filter.conversation = v;
        } else if (k == "--user")
            a.filter.user = v;
        else if (k == "--status") {
            if (v != "done" && v != "failed" && v != "dead-lettered" && v != "cancelled")
                throw std::invalid_argument("--status is done, failed, dead-lettered or cancelled");
            a.filter.status = v;
        } else if (k == "--since")
            a.filter.since = v;
        else if (k == "--until")
            a.filter.until = v;
        else if (k == "--model")
            a.filter.model = v;
        else if (k == "--to-model")
            a.target.model = v;
        else if (k == "--to-agent")
            a.target.agent = v;
        else if (k == "--out")
            a.out = v;
        else if (k == "--timeout")
            a.timeout_s = std::stol(v);
        else
            throw std::invalid_argument("unknown option " + k);
    }
    if (a.out.empty()) a.out = a.replay_id + ".jsonl";
    return a;
}

void write_results(const std::vector<replay::ResultRow>& rows, const std::string& path) {
    std::ofstream out(path);
    for (const auto& r : rows) {
        Poco::JSON::Object o;
        o.set("turn_id", r.turn_id);
        o.set("replay_of", r.replay_of);
        o.set("status", r.status);
        o.set("model", r.model);
        o.set("output_tokens", r.output_tokens);
        o.set("latency_ms", r.latency_ms);
        o.set("text", r.text);
        if (!r.error_code.empty()) o.set("error", r.error_code);
        o.stringify(out);
        out << '\n';
    }
}

void print_summary(const std::string& id, const std::vector<replay::ResultRow>& rows,
                   double elapsed_s, const std::string& out) {
    std::vector<double> lat;
    long tokens = 0, done = 0;
    for (const auto& r : rows) {
        tokens += r.output_tokens;
        if (r.status == "done") {
            ++done;
            lat.push_back(r.latency_ms);
        }
    }
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
        return lat.empty() ? 0.0 : lat[static_cast<size_t>(p * (lat.size() - 1))];
    };
    std::printf(
        "replay %s: %zu turns, %ld done, %zu not done, %ld output tokens, %.1f s, %.1f turns/s\n",
        id.c_str(), rows.size(), done, rows.size() - done, tokens, elapsed_s,
        elapsed_s > 0 ? rows.size() / elapsed_s : 0.0);
    std::printf("latency (queued -> finished) p50 %.0f ms, p95 %.0f ms; results: %s\n", pct(0.5),
                pct(0.95), out.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    try {
        args = parse(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "chat-replay: " << e.what() << "\n" << kUsage;
        return 2;
    }
    try {
        auto cfg = Config::from_env();
        db::Connection conn(cfg.db_url);
        replay::ReplayStore store(conn);
        auto enq = store.enqueue(args.replay_id, args.filter, args.target);
        std::cerr << "replay " << args.replay_id << ": " << enq.added << " turns enqueued now, "
                  << enq.total << " in this replay\n";
        zmq::context_t ctx;
        auto pub = wire::make_publisher(ctx, cfg.broker_pub);
        if (!args.wait) return 0;
        bool tty = isatty(2);
        auto start = std::chrono::steady_clock::now();
        auto deadline = start + std::chrono::seconds(args.timeout_s);
        double elapsed = 0;
        replay::ProgressView view;
        auto last_line = start;
        do {
            wire::publish_wake(pub);  // the queue's safety-net poll makes this an optimisation
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            auto now = std::chrono::steady_clock::now();
            elapsed = std::chrono::duration<double>(now - start).count();
            view = replay::make_view(store.progress(args.replay_id), enq.total, elapsed);
            bool finished = view.finished >= view.total;
            if (tty)
                std::cerr << "\r" << replay::render(view) << std::flush;
            else if (finished || now - last_line >= std::chrono::seconds(1)) {
                std::cerr << replay::render(view) << "\n";
                last_line = now;
            }
            if (finished) break;
        } while (std::chrono::steady_clock::now() < deadline);
        if (tty) std::cerr << "\n";
        auto rows = store.results(args.replay_id);
        write_results(rows, args.out);
        print_summary(args.replay_id, rows, elapsed, args.out);
        return view.finished >= view.total ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "chat-replay: " << e.what() << "\n";
        return 1;
    }
}
