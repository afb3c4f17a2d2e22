// The SQL of the backlog scenario (set-up and verification straight in PostgreSQL; the queue
// itself is driven by the real workers). $1 is always the run's conversation title.
#pragma once

namespace chat::bench::sql {

// $1 title, $2 users: the backlog's users, named after the run. post_message counts a user's
// active turns on every call, so 10,000 turns of one user would cost O(n^2) in the enqueue.
inline constexpr const char* kCreateUsers = R"(
INSERT INTO users(name, max_conversations, requests_per_minute, max_running_turns)
SELECT $1 || ' user ' || g, 1000000, 1000000, 1000000 FROM generate_series(1, $2::int) g)";

// $1 title, $2 count: one conversation per queued turn (one active turn each), round-robin
// over the run's users.
inline constexpr const char* kCreateConversations = R"(
WITH u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n
           FROM users WHERE name LIKE $1 || ' user %')
INSERT INTO conversations(user_id, title)
SELECT u.id, $1 FROM generate_series(0, $2::int - 1) g JOIN u ON u.k = g % u.n)";

// Enqueues one turn per conversation through the API's own function, in one statement.
inline constexpr const char* kEnqueueTurns = R"(
SELECT count(post_message(c.user_id, c.id, 'backlog question', NULL, NULL))
FROM conversations c WHERE c.title = $1)";

// Polled every 20 ms while the workers drain: one count on the active-turn partial index (the
// stack runs nothing else). Joined to the run's conversations, it scanned them all and took
// ~64 ms a poll at 50,000 turns, most of a core taken from the workers it times.
inline constexpr const char* kPendingTurns = R"(
SELECT count(*) FROM turns WHERE status IN ('queued', 'running'))";

// turns, not done (lost), with more than one assistant reply (done twice), claimed more than
// once, seconds from the first claim to the last finish, and the first claim's time.
inline constexpr const char* kVerifyBacklog = R"(
WITH b AS (SELECT t.* FROM turns t JOIN conversations c ON c.id = t.conversation_id
           WHERE c.title = $1),
     replies AS (SELECT m.turn_id, count(*) AS n FROM messages m JOIN b ON b.id = m.turn_id
                 WHERE m.role = 'assistant' GROUP BY m.turn_id)
SELECT (SELECT count(*) FROM b),
       (SELECT count(*) FROM b WHERE status <> 'done'),
       (SELECT count(*) FROM replies WHERE n > 1),
       (SELECT count(*) FROM b WHERE attempt > 1),
       (SELECT extract(epoch FROM max(finished_at) - min(started_at)) FROM b),
       (SELECT extract(epoch FROM min(started_at)) FROM b))";

// The database's clock, to tell how long after the workers were started the first claim came.
inline constexpr const char* kClockNow = "SELECT extract(epoch FROM clock_timestamp())";

}  // namespace chat::bench::sql
