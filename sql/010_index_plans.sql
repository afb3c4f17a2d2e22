-- Plans that stay index lookups however the tables' statistics looked when they were made
-- (docs/benchmarks.md, "Latest figures"). plpgsql caches one plan per statement for the life of
-- a connection; made on a fresh database (or right after VACUUM ANALYZE of empty tables), the
-- turn path's plans were scans: claim_turns hash-joined a sequential scan of conversations, dead
-- row versions and all, into every claim, and its UPDATE scanned turns. Measured with the SQL of
-- one turn (pgbench, one client) on statistics taken while the tables were empty: 263 turns/s
-- without the SET clauses below, 530 with them; no difference on current statistics.

-- Every statement of these functions finds its rows through an index; the planner may still
-- scan when no index applies (enable_seqscan only prices scans out).
ALTER FUNCTION authenticate(text, text) SET enable_seqscan = off;
ALTER FUNCTION post_message(uuid, uuid, text, text, text) SET enable_seqscan = off;
ALTER FUNCTION persist_tokens(uuid, integer, text, bigint, bigint, text[], double precision)
    SET enable_seqscan = off;
ALTER FUNCTION finish_turn(uuid, integer, text, bigint, bigint, text[], text, text, jsonb, jsonb,
                           jsonb, text) SET enable_seqscan = off;

-- 008's claim_turns, same contract, without joins: the claimed ids are one array parameter,
-- the conversation and the answered message are keyed sub-selects.
CREATE OR REPLACE FUNCTION claim_turns(p_owner text, p_lease_s double precision, p_limit integer,
                                       p_history integer DEFAULT 500)
RETURNS TABLE(turn_id uuid, attempt integer, seq_base bigint, model text, agent_id text,
              user_message_id uuid, deadline timestamptz, prompt json)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    RETURN QUERY
    WITH claimed AS (
        UPDATE turns t SET status = 'running', attempt = t.attempt + 1, lease_owner = p_owner,
            lease_until = now() + make_interval(secs => p_lease_s),
            last_seq = t.attempt::bigint * 1000000,
            started_at = coalesce(t.started_at, now()), updated_at = now()
        -- ARRAY(...) runs the locking subquery exactly once (FOR UPDATE SKIP LOCKED: two
        -- workers never get the same row).
        WHERE t.id = ANY(ARRAY(SELECT q.id FROM turns q
                               WHERE q.status = 'queued' AND q.available_at <= now()
                               ORDER BY q.priority, q.available_at, q.created_at
                               FOR UPDATE SKIP LOCKED LIMIT p_limit))
        RETURNING t.*
    ), system AS (
        SELECT (SELECT a.content FROM admin_context a ORDER BY a.version DESC LIMIT 1) AS content
    )
    SELECT c.id, c.attempt, c.last_seq, c.model,
           coalesce(c.agent_id, (SELECT conv.agent_id FROM conversations conv
                                 WHERE conv.id = c.conversation_id)),
           c.user_message_id, c.deadline,
           json_build_object('system', system.content, 'messages',
               (SELECT coalesce(json_agg(h.item ORDER BY h.pos), '[]'::json)
                FROM (SELECT m.pos, json_build_object('id', m.id, 'role', m.role,
                             'content', coalesce(m.edited_content, m.content)) AS item
                      FROM messages m
                      WHERE m.conversation_id = c.conversation_id
                        AND m.pos <= (SELECT um.pos FROM messages um
                                      WHERE um.id = c.user_message_id)
                        -- An earlier reply to the message answered (a regenerate) is not history.
                        AND (m.role = 'user' OR m.reply_to IS DISTINCT FROM c.user_message_id)
                      ORDER BY m.pos DESC LIMIT p_history) h))
    FROM claimed c CROSS JOIN system
    ORDER BY c.priority, c.available_at, c.created_at;
END $$;
