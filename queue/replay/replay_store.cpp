#include "queue/replay/replay_store.h"

namespace chat::replay {
namespace {

const std::string kEnqueue =
    "SELECT * FROM replay_enqueue($1, $2::uuid, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, "
    "$9, $10)";
const std::string kProgress =
    "SELECT status, count(*) FROM turns WHERE replay_id = $1 GROUP BY status";
const std::string kResults =
    "SELECT id, replay_of, status, turn_text(id, attempt), coalesce(usage->>'model', model, ''), "
    "coalesce(error->>'code', ''), coalesce((usage->>'output_tokens')::bigint, 0), "
    "coalesce(extract(epoch FROM finished_at - created_at) * 1000, 0) "
    "FROM turns WHERE replay_id = $1 ORDER BY created_at, id";

}  // namespace

Enqueued ReplayStore::enqueue(const std::string& replay_id, const Filter& f, const Target& t) {
    auto r = c_.exec(kEnqueue, {replay_id, f.conversation, f.user, f.status, f.since, f.until,
                                f.model, t.model, t.agent, std::to_string(t.priority)});
    return {static_cast<long>(r.int64(0, 0)), static_cast<long>(r.int64(0, 1))};
}

std::map<std::string, long> ReplayStore::progress(const std::string& replay_id) {
    std::map<std::string, long> out;
    auto r = c_.exec(kProgress, {replay_id});
    for (int i = 0; i < r.rows(); ++i) out[r.str(i, 0)] = static_cast<long>(r.int64(i, 1));
    return out;
}

std::vector<ResultRow> ReplayStore::results(const std::string& replay_id) {
    std::vector<ResultRow> out;
    auto r = c_.exec(kResults, {replay_id});
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4), r.str(i, 5),
                       static_cast<long>(r.int64(i, 6)), std::stod(r.str(i, 7))});
    }
    return out;
}

}  // namespace chat::replay
