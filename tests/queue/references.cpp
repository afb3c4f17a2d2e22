#include "tests/queue/references.h"

namespace chat::testing {

namespace {

// One row per reference: its name and how many rows break it.
const char* const kDanglingReferences = R"sql(
SELECT what, n FROM (
  SELECT 'turns.conversation_id', count(*) FROM turns t
    WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = t.conversation_id)
  UNION ALL
  SELECT 'turns.user_id (the conversation''s owner)', count(*) FROM turns t
    WHERE NOT EXISTS (SELECT 1 FROM conversations c
                      WHERE c.id = t.conversation_id AND c.user_id = t.user_id)
  UNION ALL
  SELECT 'turns.user_message_id (a user message of the conversation)', count(*) FROM turns t
    WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = t.user_message_id
                      AND m.conversation_id = t.conversation_id AND m.role = 'user')
  UNION ALL
  SELECT 'turns.message_id (the reply, in the conversation)', count(*) FROM turns t
    WHERE t.message_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = t.message_id
                      AND m.conversation_id = t.conversation_id AND m.turn_id = t.id)
  UNION ALL
  SELECT 'messages.conversation_id', count(*) FROM messages m
    WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id)
  UNION ALL
  SELECT 'messages.reply_to', count(*) FROM messages m
    WHERE m.reply_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages u
                                                 WHERE u.id = m.reply_to)
  UNION ALL
  SELECT 'turn_chunks.turn_id', count(*) FROM turn_chunks k
    WHERE NOT EXISTS (SELECT 1 FROM turns t WHERE t.id = k.turn_id)
) refs(what, n) WHERE n > 0
)sql";

}  // namespace

std::vector<std::string> dangling_references(db::Connection& conn) {
    auto r = conn.exec(kDanglingReferences);
    std::vector<std::string> broken;
    for (int i = 0; i < r.rows(); ++i) broken.push_back(r.str(i, 0) + ": " + r.str(i, 1));
    return broken;
}

}  // namespace chat::testing
