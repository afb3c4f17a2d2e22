-- Where a turn's time goes between the POST and `done`, at the median: the load tool's times
-- (`chat-bench turns --timeline`, on standard input) against the turn's own timestamps, each
-- the start of a transaction (created_at: post_message's, started_at: the claim's,
-- finished_at: the finish's). Same machine, same clock. Run by scripts/bench.sh as
--   psql -At -f tests/bench/turn_stages.sql < timeline.csv
-- and prints RESULT lines (milliseconds) for bench.sh to collect, then one readable line.
\set ON_ERROR_STOP on
CREATE TEMP TABLE timeline(turn_id uuid, post float8, accepted float8, first_token float8,
                           done float8);
\copy timeline FROM pstdin WITH (FORMAT csv)
CREATE TEMP VIEW stages AS
SELECT (extract(epoch FROM t.created_at) - l.post) * 1000 AS to_post_txn,
       (l.accepted - extract(epoch FROM t.created_at)) * 1000 AS post_txn_to_202,
       extract(epoch FROM t.started_at - t.created_at) * 1000 AS post_txn_to_claim_txn,
       (l.first_token - extract(epoch FROM t.started_at)) * 1000 AS claim_txn_to_first_token,
       (extract(epoch FROM t.finished_at) - l.first_token) * 1000 AS first_token_to_finish_txn,
       (l.done - extract(epoch FROM t.finished_at)) * 1000 AS finish_txn_to_done
FROM timeline l JOIN turns t ON t.id = l.turn_id;
CREATE TEMP VIEW medians AS
SELECT count(*) AS turns,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_post_txn) AS to_post_txn,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY post_txn_to_202) AS post_txn_to_202,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY post_txn_to_claim_txn) AS post_txn_to_claim_txn,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY claim_txn_to_first_token)
           AS claim_txn_to_first_token,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY first_token_to_finish_txn)
           AS first_token_to_finish_txn,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY finish_txn_to_done) AS finish_txn_to_done
FROM stages;
SELECT format('RESULT stage_%s_ms %s', key, round(value::numeric, 3))
FROM medians, jsonb_each_text(to_jsonb(medians) - 'turns') AS e(key, value);
SELECT format('stages, p50 ms of %s turns: POST sent -> post_message %s, -> 202 %s; '
              'post_message -> claim %s -> first token %s -> finish %s -> done %s',
              turns, round(to_post_txn::numeric, 2), round(post_txn_to_202::numeric, 2),
              round(post_txn_to_claim_txn::numeric, 2), round(claim_txn_to_first_token::numeric, 2),
              round(first_token_to_finish_txn::numeric, 2), round(finish_txn_to_done::numeric, 2))
FROM medians;
