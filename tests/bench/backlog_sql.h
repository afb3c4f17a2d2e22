// The SQL of the backlog scenario (set-up and verification straight in PostgreSQL; the queue
// itself is driven by the real workers). $1 is always the run's conversation title.
#pragma once

namespace chat::bench::sql {

// $1 title, $2 user name, $3 count: one conversation per queued turn (one active turn each).
inline constexpr const char* kCreateConversations = R"(
INSERT INTO conversations(user_id, title)
SELECT u.id, $1 FROM users u, generate_series(1, $3::int) WHERE u.name = $2)";

// Enqueues one turn per conversation through the API's own function, in one statement.
inline constexpr const char* kEnqueueTurns = R"(
SELECT count(post_message(c.user_id, c.id, 'backlog question', NULL, NULL))
FROM conversations c WHERE c.title = $1)";

inline constexpr const char* kPendingTurns = R"(
SELECT count(*) FROM turns t JOIN conversations c ON c.id = t.conversation_id
WHERE c.title = $1 AND t.status IN ('queued', 'running'))";

// turns, not done (lost), with more than one assistant reply (done twice), claimed more than
// once, and seconds from the first claim to the last finish.
inline constexpr const char* kVerifyBacklog = R"(
WITH b AS (SELECT t.* FROM turns t JOIN conversations c ON c.id = t.conversation_id
           WHERE c.title = $1),
     replies AS (SELECT m.turn_id, count(*) AS n FROM messages m JOIN b ON b.id = m.turn_id
                 WHERE m.role = 'assistant' GROUP BY m.turn_id)
SELECT (SELECT count(*) FROM b),
       (SELECT count(*) FROM b WHERE status <> 'done'),
       (SELECT count(*) FROM replies WHERE n > 1),
       (SELECT count(*) FROM b WHERE attempt > 1),
       (SELECT extract(epoch FROM max(finished_at) - min(started_at)) FROM b))";

}  // namespace chat::bench::sql
