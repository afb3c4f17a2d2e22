// What the foreign keys dropped by sql/011 and sql/018 used to check, as one query over a whole
// database: tests run it after their writes, since the writers now guarantee it.
#pragma once

#include <string>
#include <vector>

#include "common/db.h"

namespace chat::testing {

// Each reference that does not resolve, as "<what>: <count>"; empty when all do.
std::vector<std::string> dangling_references(db::Connection& conn);

}  // namespace chat::testing
