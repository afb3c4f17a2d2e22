-- Batch replay: a turn may carry its own agent (backend) override, replay turns keep their text
-- in the token log instead of adding messages to the conversation, and one idempotent statement
-- enqueues a whole replay.

ALTER TABLE turns ADD COLUMN agent_id text;
CREATE INDEX turns_by_replay ON turns(replay_id) WHERE replay_id IS NOT NULL;

CREATE OR REPLACE FUNCTION claim_turn(p_owner text, p_lease_s double precision)
RETURNS TABLE(turn_id uuid, attempt integer, seq_base bigint, model text, agent_id text,
              user_message_id uuid, deadline timestamptz, prompt jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    t turns;
BEGIN
    UPDATE turns SET status = 'running', attempt = turns.attempt + 1, lease_owner = p_owner,
        lease_until = now() + make_interval(secs => p_lease_s),
        last_seq = turns.attempt::bigint * 1000000,
        started_at = coalesce(started_at, now()), updated_at = now()
    WHERE id = (SELECT q.id FROM turns q
                WHERE q.status = 'queued' AND q.available_at <= now()
                ORDER BY q.priority, q.available_at, q.created_at
                FOR UPDATE SKIP LOCKED LIMIT 1)
    RETURNING * INTO t;
    IF NOT FOUND THEN RETURN; END IF;
    turn_id := t.id;
    attempt := t.attempt;
    seq_base := t.last_seq;
    model := t.model;
    user_message_id := t.user_message_id;
    deadline := t.deadline;
    SELECT coalesce(t.agent_id, c.agent_id) INTO agent_id
    FROM conversations c WHERE c.id = t.conversation_id;
    SELECT jsonb_build_object(
        'system', (SELECT content FROM admin_context ORDER BY version DESC LIMIT 1),
        'messages', coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'role', m.role,
                'content', coalesce(m.edited_content, m.content)) ORDER BY m.pos), '[]'::jsonb))
    INTO prompt
    FROM messages m
    WHERE m.conversation_id = t.conversation_id
      AND m.pos <= (SELECT pos FROM messages WHERE id = t.user_message_id)
      AND (m.role = 'user' OR m.reply_to IS DISTINCT FROM t.user_message_id);
    RETURN NEXT;
END $$;

CREATE OR REPLACE FUNCTION finish_turn(p_turn uuid, p_attempt integer, p_owner text,
                                       p_seq_from bigint, p_seq_to bigint, p_tokens text[],
                                       p_status text, p_finish_reason text, p_usage jsonb,
                                       p_error jsonb)
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
    body := turn_text(p_turn, p_attempt);
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
        lease_owner = NULL, lease_until = NULL, finished_at = now(), updated_at = now()
    WHERE id = p_turn RETURNING *;
END $$;

-- Enqueues a low-priority copy of every finished turn matching the filters (NULL = any),
-- at most once per (replay id, original turn). Returns how many this call added and the
-- replay's total.
CREATE FUNCTION replay_enqueue(p_replay_id text, p_conversation uuid, p_user_name text,
                               p_status text, p_since timestamptz, p_until timestamptz,
                               p_model text, p_new_model text, p_new_agent text,
                               p_priority integer)
RETURNS TABLE(added bigint, total bigint) LANGUAGE sql AS $$
    WITH picked AS (
        SELECT t.* FROM turns t JOIN users u ON u.id = t.user_id
        WHERE t.replay_id IS NULL AND t.status IN ('done', 'failed', 'cancelled')
          AND (p_conversation IS NULL OR t.conversation_id = p_conversation)
          AND (p_user_name IS NULL OR u.name = p_user_name)
          AND (p_status IS NULL OR CASE WHEN p_status = 'dead-lettered'
                                        THEN t.dead_lettered_at IS NOT NULL
                                        ELSE t.status = p_status END)
          AND (p_since IS NULL OR t.created_at >= p_since)
          AND (p_until IS NULL OR t.created_at < p_until)
          AND (p_model IS NULL OR coalesce(t.usage->>'model', t.model) = p_model)
    ), ins AS (
        INSERT INTO turns(conversation_id, user_id, user_message_id, priority, model, agent_id,
                          replay_id, replay_of)
        SELECT p.conversation_id, p.user_id, p.user_message_id, p_priority,
               coalesce(p_new_model, p.model), coalesce(p_new_agent, p.agent_id), p_replay_id, p.id
        FROM picked p
        ON CONFLICT (replay_id, replay_of) WHERE replay_id IS NOT NULL DO NOTHING
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins),
           (SELECT count(*) FROM turns WHERE replay_id = p_replay_id) + (SELECT count(*) FROM ins)
$$;

-- Every turn gets a deadline; past it the turn fails instead of being retried forever.
ALTER TABLE turns ALTER COLUMN deadline SET DEFAULT now() + interval '30 minutes';
