#include "tests/queue/scratch_db.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/ids.h"

namespace chat::testing {
namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

ScratchDatabase::ScratchDatabase() {
    const char* url = std::getenv("CHAT_DB_URL");
    if (!url || !*url)
        throw std::runtime_error("CHAT_DB_URL is not set: run the tests with `make test`");
    admin_url_ = url;
    name_ = "scratch_" + random_hex(6);
    db::Connection admin(admin_url_);
    admin.exec_script("CREATE DATABASE " + name_);
    url_ = admin_url_ + " dbname=" + name_;  // a later keyword overrides the earlier one
    conn_ = std::make_unique<db::Connection>(url_);
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(CHAT_SQL_DIR))
        if (e.path().extension() == ".sql") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) conn_->exec_script(read_file(f));
}

ScratchDatabase::~ScratchDatabase() {
    conn_.reset();
    try {
        db::Connection admin(admin_url_);
        admin.exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
        // Leaving a scratch database behind is harmless: the test cluster is thrown away.
    }
}

std::vector<std::string> ScratchDatabase::enqueue_turns(int n, const std::string& content) {
    auto user = conn_
                    ->exec(
                        "INSERT INTO users(name, max_running_turns) VALUES ($1, 1000000) "
                        "RETURNING id",
                        {"u_" + random_hex(4)})
                    .str(0, 0);
    auto r = conn_->exec(
        "WITH c AS (INSERT INTO conversations(user_id, title) "
        "  SELECT $1, 'c' || g FROM generate_series(1, $2::int) g RETURNING id) "
        "SELECT (post_message($1, c.id, $3, NULL, NULL)->'turn'->>'id') FROM c",
        {user, std::to_string(n), content});
    std::vector<std::string> ids;
    for (int i = 0; i < r.rows(); ++i) ids.push_back(r.str(i, 0));
    return ids;
}

bool ScratchDatabase::await_lock_waiters(int n) {
    auto waiting = [&] {
        return conn_
                   ->exec(
                       "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND wait_event_type = 'Lock'")
                   .int64(0, 0) >= n;
    };
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!waiting() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return waiting();
}

}  // namespace chat::testing
