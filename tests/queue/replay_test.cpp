// chat-replay end to end: 100 finished turns replayed by real workers, progress, JSONL,
// idempotence.
#define BOOST_TEST_MODULE replay
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "queue/replay/progress.h"
#include "tests/queue/fleet.h"

using namespace chat;
using testing::ChildProcess;
using testing::Fleet;
using testing::wait_until;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

long count_lines(const std::string& s, const std::string& needle) {
    long n = 0;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos) ++n;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(progress_line_shows_counts_rate_and_eta) {
    auto v = replay::make_view({{"done", 40}, {"failed", 10}, {"queued", 50}}, 100, 10.0);
    auto line = replay::render(v, 10);
    BOOST_TEST(line.find("[#####-----]") == 0u);
    BOOST_TEST(line.find("50/100") != std::string::npos);
    BOOST_TEST(line.find("5.0/s") != std::string::npos);
    BOOST_TEST(line.find("ETA 10s") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(replaying_100_turns_reports_progress_and_is_idempotent) {
    Fleet f;
    f.db.enqueue_turns(100, "replay me");
    f.start_worker({{"CHAT_LOCAL_TOKENS", "6"}});
    f.start_worker({{"CHAT_LOCAL_TOKENS", "6"}});
    BOOST_REQUIRE(wait_until(
        [&] { return f.count("SELECT count(*) FROM turns WHERE status = 'done'") == 100; }, 30000));
    auto out = f.dir / "r.jsonl";
    auto log = f.dir / "replay.log";
    std::map<std::string, std::string> env{{"CHAT_DB_URL", f.db.url()}, {"CHAT_BROKER_PUB", f.pub}};
    std::vector<std::string> args{"--replay-id", "r1",    "--status",   "done",      "--to-model",
                                  "local-b",     "--out", out.string(), "--timeout", "60"};
    {
        ChildProcess replay(CHAT_REPLAY_BIN, env, log.string(), args);
        BOOST_REQUIRE_EQUAL(replay.wait(60000), 0);
    }
    auto text = slurp(log);
    BOOST_TEST(text.find("100 turns enqueued now") != std::string::npos, text);
    BOOST_TEST(text.find("100/100") != std::string::npos);
    BOOST_TEST(text.find("100 turns, 100 done") != std::string::npos, text);
    auto jsonl = slurp(out);
    BOOST_TEST(count_lines(jsonl, "\"status\":\"done\"") == 100);
    BOOST_TEST(count_lines(jsonl, "\"model\":\"local-b\"") == 100);
    // Replays are low priority and leave the conversations as they were.
    BOOST_TEST(f.count("SELECT count(*) FROM turns WHERE replay_id = 'r1' AND priority > 0") ==
               100);
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE role = 'assistant'") == 100);

    // The same replay again adds nothing.
    auto log2 = f.dir / "replay2.log";
    ChildProcess again(CHAT_REPLAY_BIN, env, log2.string(), args);
    BOOST_REQUIRE_EQUAL(again.wait(60000), 0);
    BOOST_TEST(slurp(log2).find("0 turns enqueued now, 100 in this replay") != std::string::npos);
    BOOST_TEST(f.count("SELECT count(*) FROM turns WHERE replay_id = 'r1'") == 100);
}

BOOST_AUTO_TEST_CASE(bad_arguments_are_refused_with_usage) {
    Fleet f;
    auto log = f.dir / "bad.log";
    ChildProcess replay(CHAT_REPLAY_BIN, {{"CHAT_DB_URL", f.db.url()}}, log.string(),
                        {"--conversation", "'; DROP TABLE turns; --"});
    BOOST_TEST(replay.wait(10000) == 2);
    BOOST_TEST(slurp(log).find("--conversation needs a UUID") != std::string::npos);
}
