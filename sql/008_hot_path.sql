-- Fewer and cheaper statements per turn (docs/benchmarks.md, item 1):
-- * claim_turns() claims up to N turns in one statement, so a worker that wakes with several
--   idle runners makes one round trip, not one per runner (and idle runners stop racing).
-- * finish_turn() takes the reply text from the worker, which holds it anyway, instead of
--   rebuilding it from turn_chunks (a string_agg over every chunk of the attempt).

DROP FUNCTION claim_turn(text, double precision);

-- Claims up to p_limit of the most urgent claimable turns (FOR UPDATE SKIP LOCKED: two workers
-- never get the same row) and returns, for each, the fencing attempt, the seq base and the
-- prompt (admin context + the newest p_history messages up to the one answered, oldest first),
-- most urgent first. The history bound keeps a claim's cost flat however long a conversation
-- grows; the worker's token budget trims further.
CREATE FUNCTION claim_turns(p_owner text, p_lease_s double precision, p_limit integer,
                            p_history integer DEFAULT 500)
RETURNS TABLE(turn_id uuid, attempt integer, seq_base bigint, model text, agent_id text,
              user_message_id uuid, deadline timestamptz, prompt jsonb)
-- plpgsql, not sql: PostgreSQL plans a non-inlined SQL function's body on every call (~3 ms
-- here); plpgsql keeps the plan.
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
    WITH picked AS (
        -- ARRAY(...) runs the locking subquery exactly once.
        SELECT ARRAY(SELECT q.id FROM turns q
                     WHERE q.status = 'queued' AND q.available_at <= now()
                     ORDER BY q.priority, q.available_at, q.created_at
                     FOR UPDATE SKIP LOCKED LIMIT p_limit) AS ids
    ), claimed AS (
        UPDATE turns t SET status = 'running', attempt = t.attempt + 1, lease_owner = p_owner,
            lease_until = now() + make_interval(secs => p_lease_s),
            last_seq = t.attempt::bigint * 1000000,
            started_at = coalesce(t.started_at, now()), updated_at = now()
        FROM picked WHERE t.id = ANY(picked.ids)
        RETURNING t.*
    ), system AS (
        SELECT (SELECT a.content FROM admin_context a ORDER BY a.version DESC LIMIT 1) AS content
    )
    SELECT c.id, c.attempt, c.last_seq, c.model, coalesce(c.agent_id, conv.agent_id),
           c.user_message_id, c.deadline,
           jsonb_build_object('system', system.content, 'messages',
               (SELECT coalesce(jsonb_agg(h.item ORDER BY h.pos), '[]'::jsonb)
                FROM (SELECT m.pos, jsonb_build_object('id', m.id, 'role', m.role,
                             'content', coalesce(m.edited_content, m.content)) AS item
                      FROM messages m
                      WHERE m.conversation_id = c.conversation_id AND m.pos <= um.pos
                        -- An earlier reply to the message answered (a regenerate) is not history.
                        AND (m.role = 'user' OR m.reply_to IS DISTINCT FROM c.user_message_id)
                      ORDER BY m.pos DESC LIMIT p_history) h))
    FROM claimed c
    JOIN conversations conv ON conv.id = c.conversation_id
    JOIN messages um ON um.id = c.user_message_id
    CROSS JOIN system
    ORDER BY c.priority, c.available_at, c.created_at;
END $$;

DROP FUNCTION finish_turn(uuid, integer, text, bigint, bigint, text[], text, text, jsonb, jsonb,
                          jsonb);

-- Ends an attempt: writes the last batch, the assistant message (done, or cancelled with text),
-- usage and status in one transaction, fenced by attempt and owner. p_body is the whole text of
-- the attempt as the worker holds it; NULL rebuilds it from the token log. Returns the final
-- turn, or no row when fenced out.
CREATE FUNCTION finish_turn(p_turn uuid, p_attempt integer, p_owner text, p_seq_from bigint,
                            p_seq_to bigint, p_tokens text[], p_status text,
                            p_finish_reason text, p_usage jsonb, p_error jsonb,
                            p_context jsonb DEFAULT NULL, p_body text DEFAULT NULL)
RETURNS SETOF turns LANGUAGE plpgsql AS $$
DECLARE
    t turns;
    body text;
    mid uuid;
BEGIN
    SELECT * INTO t FROM turns
    WHERE id = p_turn AND attempt = p_attempt AND lease_owner = p_owner AND status = 'running'
    FOR UPDATE;
    IF NOT FOUND THEN RETURN; END IF;
    IF p_seq_from <= p_seq_to THEN
        INSERT INTO turn_chunks VALUES (p_turn, p_attempt, p_seq_from, p_seq_to, p_tokens);
    END IF;
    body := coalesce(p_body, turn_text(p_turn, p_attempt));
    -- Replays are measurements: their text stays with the turn, the conversation is untouched.
    IF t.replay_id IS NULL AND (p_status = 'done' OR (p_status = 'cancelled' AND body <> '')) THEN
        INSERT INTO messages(conversation_id, role, content, model, usage, reply_to, turn_id)
        VALUES (t.conversation_id, 'assistant', body, coalesce(p_usage->>'model', t.model),
                p_usage, t.user_message_id, t.id)
        RETURNING id INTO mid;
        UPDATE conversations SET updated_at = now() WHERE id = t.conversation_id;
    END IF;
    RETURN QUERY
    UPDATE turns SET status = p_status, finish_reason = p_finish_reason, usage = p_usage,
        error = p_error, message_id = mid, last_seq = greatest(last_seq, p_seq_to),
        context = coalesce(p_context, context),
        lease_owner = NULL, lease_until = NULL, finished_at = now(), updated_at = now()
    WHERE id = p_turn RETURNING *;
END $$;

-- Same body as 002's, in plpgsql for the same reason as claim_turns: turn_json() (every turn
-- object the API returns) calls it, and a SQL function with a FROM clause is planned per call.
CREATE OR REPLACE FUNCTION turn_text(p_turn uuid, p_attempt integer) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT coalesce(string_agg(array_to_string(tokens, ''), '' ORDER BY seq_from), '')
            FROM turn_chunks WHERE turn_id = p_turn AND attempt = p_attempt);
END $$;
