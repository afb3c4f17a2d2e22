-- 010's claim_turns with the prompt as rows instead of one JSON document a turn: PostgreSQL built
-- a JSON object a message (a claim of 4 turns with 200-message histories: 3.3 ms, 2.1 as rows)
-- and the worker parsed it back into a Poco DOM, for texts libpq hands over column by column
-- anyway. claim_turns stays for workers not yet upgraded.
--
-- One row for each prompt part of each claimed turn, with the turn's columns on every row:
-- the admin context (role 'system', no message id or pos) when there is one, and the newest
-- p_history messages up to the one answered. A turn whose messages are gone still has one row
-- (prompt columns null), so no claimed turn goes unreported. The rows come in no set order:
-- `urgency` ranks the turns (1 = most urgent) and `pos` orders a turn's messages. Sorting them
-- here cost more than building the JSON had; the worker sorts them in microseconds.
CREATE FUNCTION claim_turn_prompts(p_owner text, p_lease_s double precision, p_limit integer,
                                   p_history integer DEFAULT 500)
RETURNS TABLE(turn_id uuid, urgency bigint, attempt integer, seq_base bigint, model text,
              agent_id text, user_message_id uuid, deadline_in_s double precision, pos bigint,
              message_id uuid, role text, content text)
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
    ), head AS MATERIALIZED (
        -- A turn's own columns, computed once for all of its rows.
        SELECT c.id, c.attempt, c.last_seq, c.model, c.user_message_id, c.conversation_id,
               row_number() OVER (ORDER BY c.priority, c.available_at, c.created_at) AS urgency,
               coalesce(c.agent_id, (SELECT conv.agent_id FROM conversations conv
                                     WHERE conv.id = c.conversation_id)) AS agent_id,
               extract(epoch FROM c.deadline - now())::double precision AS deadline_in_s,
               (SELECT um.pos FROM messages um WHERE um.id = c.user_message_id) AS upto
        FROM claimed c
    ), system AS (
        SELECT a.content FROM admin_context a ORDER BY a.version DESC LIMIT 1
    )
    SELECT h.id, h.urgency, h.attempt, h.last_seq, h.model, h.agent_id, h.user_message_id,
           h.deadline_in_s, p.pos, p.id, p.role, p.content
    FROM head h
    LEFT JOIN LATERAL (
        SELECT NULL::bigint AS pos, NULL::uuid AS id, 'system'::text AS role, s.content
        FROM system s WHERE s.content IS NOT NULL
        UNION ALL
        (SELECT m.pos, m.id, m.role, coalesce(m.edited_content, m.content)
         FROM messages m
         WHERE m.conversation_id = h.conversation_id AND m.pos <= h.upto
           -- An earlier reply to the message answered (a regenerate) is not history.
           AND (m.role = 'user' OR m.reply_to IS DISTINCT FROM h.user_message_id)
         ORDER BY m.pos DESC LIMIT p_history)
    ) p ON true;
END $$;
