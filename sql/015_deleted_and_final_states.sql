-- Audit fixes (docs/API.md): a deleted conversation's turns are not found on every path, a turn
-- the queue gives up on ends with a final error, a 409 tells a cancel in progress from a busy
-- conversation, and an Idempotency-Key replays only the request it was first sent with.

-- 002's cancel_turn, also CH404 for a turn of a deleted conversation (as get_turn in 003).
CREATE OR REPLACE FUNCTION cancel_turn(p_user uuid, p_turn uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    t turns;
BEGIN
    UPDATE turns tt SET cancel_requested = true,
        status = CASE WHEN tt.status = 'queued' THEN 'cancelled' ELSE tt.status END,
        finish_reason = CASE WHEN tt.status = 'queued' THEN 'cancelled' ELSE tt.finish_reason END,
        finished_at = CASE WHEN tt.status = 'queued' THEN now() ELSE tt.finished_at END,
        updated_at = now()
    FROM conversations c
    WHERE tt.id = p_turn AND tt.user_id = p_user
      AND c.id = tt.conversation_id AND c.deleted_at IS NULL
    RETURNING tt.* INTO t;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'turn not found' USING ERRCODE = 'CH404';
    END IF;
    RETURN turn_json(t);
END $$;

-- 002's stream_snapshot, no row for a turn of a deleted conversation (a stream then ends as for
-- an unknown turn). chat-stream runs the same read in api/stream/stream_store.cpp.
CREATE OR REPLACE FUNCTION stream_snapshot(p_turn uuid, p_after bigint)
RETURNS TABLE(user_id uuid, status text, attempt integer, last_seq bigint, message_id uuid,
              usage jsonb, finish_reason text, error jsonb, seq bigint, token text)
LANGUAGE sql STABLE AS $$
    SELECT t.user_id, t.status, t.attempt, t.last_seq, t.message_id, t.usage, t.finish_reason,
           t.error, x.seq, x.token
    FROM turns t
    JOIN conversations cv ON cv.id = t.conversation_id AND cv.deleted_at IS NULL
    LEFT JOIN LATERAL (
        SELECT c.seq_from + u.o - 1 AS seq, u.tok AS token
        FROM turn_chunks c CROSS JOIN LATERAL unnest(c.tokens) WITH ORDINALITY AS u(tok, o)
        WHERE c.turn_id = t.id AND c.attempt = t.attempt AND c.seq_to > p_after
    ) x ON x.seq > p_after
    WHERE t.id = p_turn
    ORDER BY x.seq
$$;

-- 002's retry_turn. A turn it fails has no attempt coming: its error says so (the stream and
-- GET /turns show turns.error) and finish_reason is 'error', as for a failure at once.
CREATE OR REPLACE FUNCTION retry_turn(p_turn uuid, p_attempt integer, p_owner text,
                                      p_error jsonb, p_delay_ms integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    UPDATE turns SET
        status = CASE WHEN attempt >= max_attempts OR cancel_requested
                      OR (deadline IS NOT NULL AND deadline < now()) THEN 'failed' ELSE 'queued' END,
        available_at = now() + make_interval(secs => p_delay_ms / 1000.0),
        error = p_error, lease_owner = NULL, lease_until = NULL, updated_at = now()
    WHERE id = p_turn AND attempt = p_attempt AND lease_owner = p_owner AND status = 'running'
    RETURNING status INTO st;
    IF st = 'failed' THEN
        UPDATE turns SET dead_lettered_at = now(), finished_at = now(), finish_reason = 'error',
            error = coalesce(error, '{}'::jsonb) || '{"retryable": false}'::jsonb
        WHERE id = p_turn;
    END IF;
    RETURN st;
END $$;

-- 002's requeue_expired. A turn it fails ends like one retry_turn fails (above): final error,
-- finish_reason 'error', and dead-lettered for every reason it fails (002 dead-lettered only
-- turns out of attempts, not those past their deadline or cancelled).
CREATE OR REPLACE FUNCTION requeue_expired()
RETURNS TABLE(turn_id uuid, status text, attempt integer) LANGUAGE sql AS $$
    WITH expired AS (
        SELECT x.id, (x.attempt >= x.max_attempts OR x.cancel_requested
                      OR (x.deadline IS NOT NULL AND x.deadline < now())) AS fails
        FROM turns x WHERE x.status = 'running' AND x.lease_until < now()
        FOR UPDATE SKIP LOCKED
    )
    UPDATE turns t SET
        status = CASE WHEN e.fails THEN 'failed' ELSE 'queued' END,
        error = coalesce(t.error, jsonb_build_object('code', 'worker_lost',
            'message', 'the worker generating this reply stopped responding', 'retryable', true))
            || CASE WHEN e.fails THEN '{"retryable": false}'::jsonb ELSE '{}'::jsonb END,
        finish_reason = CASE WHEN e.fails THEN 'error' ELSE t.finish_reason END,
        dead_lettered_at = CASE WHEN e.fails THEN now() END,
        finished_at = CASE WHEN e.fails THEN now() END,
        available_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()
    FROM expired e WHERE t.id = e.id
    RETURNING t.id, t.status, t.attempt
$$;

-- 008's enqueue_turn. The active turn of a conversation may already be cancelled and only
-- waiting for its worker to stop (a few ms): then the 409 says to retry, not to cancel it.
CREATE OR REPLACE FUNCTION enqueue_turn(p_user uuid, p_conversation uuid, p_message uuid,
                                        p_model text, p_idempotency_key text) RETURNS turns
LANGUAGE plpgsql AS $$
DECLARE
    t turns;
BEGIN
    INSERT INTO turns(conversation_id, user_id, user_message_id, model, idempotency_key)
    VALUES (p_conversation, p_user, p_message, p_model, p_idempotency_key)
    ON CONFLICT (conversation_id) WHERE status IN ('queued', 'running') AND replay_id IS NULL
    DO NOTHING
    RETURNING * INTO t;
    IF NOT FOUND THEN
        PERFORM 1 FROM turns a
        WHERE a.conversation_id = p_conversation AND a.status IN ('queued', 'running')
          AND a.replay_id IS NULL AND a.cancel_requested;
        IF FOUND THEN
            -- CR: a CH error that passes by itself; chat-api adds Retry-After.
            RAISE EXCEPTION 'the reply in progress in this conversation is being cancelled; retry in a moment'
                USING ERRCODE = 'CR409';
        END IF;
        RAISE EXCEPTION 'this conversation already has a reply in progress; wait for it or cancel it'
            USING ERRCODE = 'CH409';
    END IF;
    RETURN t;
END $$;

-- 003's idempotent_replay, which replayed whatever the key first answered. It now also takes
-- the request: another content or model under the same key is CH422 (like another
-- conversation), and a deleted conversation's turn is no answer (the post then gets CH404).
DROP FUNCTION idempotent_replay(uuid, uuid, text);

CREATE FUNCTION idempotent_replay(p_user uuid, p_conversation uuid, p_key text, p_content text,
                                  p_model text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    t turns;
    m messages;
BEGIN
    SELECT * INTO t FROM turns WHERE user_id = p_user AND idempotency_key = p_key;
    IF NOT FOUND THEN RETURN NULL; END IF;
    IF t.conversation_id <> p_conversation THEN
        RAISE EXCEPTION 'Idempotency-Key was already used for another conversation'
            USING ERRCODE = 'CH422';
    END IF;
    PERFORM 1 FROM conversations c WHERE c.id = t.conversation_id AND c.deleted_at IS NULL;
    IF NOT FOUND THEN RETURN NULL; END IF;
    SELECT * INTO m FROM messages WHERE id = t.user_message_id;
    -- The model counts only when the retry names one (the first request may have left it out).
    IF m.content IS DISTINCT FROM p_content
       OR (p_model IS NOT NULL AND m.model IS DISTINCT FROM p_model) THEN
        RAISE EXCEPTION 'Idempotency-Key was already used for a different message'
            USING ERRCODE = 'CH422';
    END IF;
    RETURN jsonb_build_object('message', message_json(m), 'turn', turn_json(t), 'replayed', true);
END $$;

-- 008's post_message calling the idempotent_replay above; SET restated from 010.
CREATE OR REPLACE FUNCTION post_message(p_user uuid, p_conversation uuid, p_content text,
                                        p_model text, p_idempotency_key text)
RETURNS jsonb LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    m messages;
    t turns;
    replay jsonb;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        replay := idempotent_replay(p_user, p_conversation, p_idempotency_key, p_content,
                                    p_model);
        IF replay IS NOT NULL THEN RETURN replay; END IF;
    END IF;
    PERFORM lock_user_turns(p_user);
    -- Checked again under the lock: a retry racing its original waits and replays its answer.
    IF p_idempotency_key IS NOT NULL THEN
        replay := idempotent_replay(p_user, p_conversation, p_idempotency_key, p_content,
                                    p_model);
        IF replay IS NOT NULL THEN RETURN replay; END IF;
    END IF;
    UPDATE conversations SET updated_at = now()
    WHERE id = p_conversation AND user_id = p_user AND deleted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation not found' USING ERRCODE = 'CH404';
    END IF;
    PERFORM require_turn_slot(p_user);
    INSERT INTO messages(conversation_id, role, content, model)
    VALUES (p_conversation, 'user', p_content, p_model) RETURNING * INTO m;
    t := enqueue_turn(p_user, p_conversation, m.id, p_model, p_idempotency_key);
    RETURN jsonb_build_object('message', message_json(m), 'turn', turn_json(t));
END $$;
