-- A worker writes its finish again when PostgreSQL went away before it saw the answer
-- (chat-worker's runner rides out a restart, as with persist_tokens in 012). If the first
-- finish had committed, the second returns that turn, so the worker still publishes `done`
-- instead of leaving its streams to find the end on their next re-read. Otherwise 009's
-- finish_turn: last batch, reply, usage and status in one transaction, fenced by attempt and
-- owner; no row when fenced out.
CREATE OR REPLACE FUNCTION finish_turn(p_turn uuid, p_attempt integer, p_owner text,
                                       p_seq_from bigint, p_seq_to bigint, p_tokens text[],
                                       p_status text, p_finish_reason text, p_usage jsonb,
                                       p_error jsonb, p_context jsonb DEFAULT NULL,
                                       p_body text DEFAULT NULL)
RETURNS SETOF turns LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    t turns;
    body text := p_body;
BEGIN
    IF body IS NULL THEN
        body := turn_text(p_turn, p_attempt);
        IF p_seq_from <= p_seq_to THEN body := body || array_to_string(p_tokens, ''); END IF;
    END IF;
    UPDATE turns SET status = p_status, finish_reason = p_finish_reason, usage = p_usage,
        error = p_error, last_seq = greatest(last_seq, p_seq_to),
        context = coalesce(p_context, context),
        -- Replays are measurements: their text stays with the turn, the conversation is untouched.
        message_id = CASE WHEN replay_id IS NULL
                               AND (p_status = 'done' OR (p_status = 'cancelled' AND body <> ''))
                          THEN gen_random_uuid() END,
        lease_owner = NULL, lease_until = NULL, finished_at = now(), updated_at = now()
    WHERE id = p_turn AND attempt = p_attempt AND lease_owner = p_owner AND status = 'running'
    RETURNING * INTO t;
    IF NOT FOUND THEN
        -- This attempt's own finish, committed unseen: nothing else ends an attempt with the
        -- worker's usage (requeue_expired and cancel_turn leave usage as it was).
        RETURN QUERY SELECT * FROM turns
            WHERE id = p_turn AND attempt = p_attempt AND status = p_status
              AND finish_reason IS NOT DISTINCT FROM p_finish_reason
              AND usage IS NOT DISTINCT FROM p_usage AND p_usage IS NOT NULL;
        RETURN;
    END IF;
    IF p_seq_from <= p_seq_to THEN
        INSERT INTO turn_chunks VALUES (p_turn, p_attempt, p_seq_from, p_seq_to, p_tokens);
    END IF;
    IF t.message_id IS NOT NULL THEN
        INSERT INTO messages(id, conversation_id, role, content, model, usage, reply_to, turn_id)
        VALUES (t.message_id, t.conversation_id, 'assistant', body,
                coalesce(p_usage->>'model', t.model), p_usage, t.user_message_id, t.id);
        UPDATE conversations SET updated_at = now() WHERE id = t.conversation_id;
    END IF;
    RETURN NEXT t;
END $$;
