-- finish_turn also records what was sent to the model (message ids, token estimate), so that
-- record costs no extra round trip.
DROP FUNCTION finish_turn(uuid, integer, text, bigint, bigint, text[], text, text, jsonb, jsonb);

CREATE FUNCTION finish_turn(p_turn uuid, p_attempt integer, p_owner text, p_seq_from bigint,
                            p_seq_to bigint, p_tokens text[], p_status text,
                            p_finish_reason text, p_usage jsonb, p_error jsonb,
                            p_context jsonb DEFAULT NULL)
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
        context = coalesce(p_context, context),
        lease_owner = NULL, lease_until = NULL, finished_at = now(), updated_at = now()
    WHERE id = p_turn RETURNING *;
END $$;
