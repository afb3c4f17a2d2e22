-- Functions on the hot path: each API call or worker step is one statement, one round trip.
-- Application errors are raised with SQLSTATE 'CHnnn', where nnn is the HTTP status to answer.

CREATE FUNCTION conversation_json(c conversations) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'title', c.title, 'agent_id', c.agent_id,
        'pinned_at', c.pinned_at, 'archived_at', c.archived_at,
        'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

CREATE FUNCTION message_json(m messages) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id, 'role', m.role,
        'content', m.content, 'edited_content', m.edited_content, 'edited_at', m.edited_at,
        'model', m.model, 'usage', m.usage, 'reply_to', m.reply_to, 'turn_id', m.turn_id,
        'created_at', m.created_at)
$$;

-- The text of one attempt: its persisted tokens in seq order.
CREATE FUNCTION turn_text(p_turn uuid, p_attempt integer) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(array_to_string(tokens, ''), '' ORDER BY seq_from), '')
    FROM turn_chunks WHERE turn_id = p_turn AND attempt = p_attempt
$$;

-- The public turn object (stream_url is added by the API, which holds the signing key).
CREATE FUNCTION turn_json(t turns) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', t.id, 'conversation_id', t.conversation_id,
        'user_message_id', t.user_message_id, 'status', t.status, 'attempt', t.attempt,
        'content', turn_text(t.id, t.attempt), 'last_seq', t.last_seq,
        'message_id', t.message_id, 'model', t.model, 'usage', t.usage, 'error', t.error,
        'finish_reason', t.finish_reason, 'dead_lettered', t.dead_lettered_at IS NOT NULL,
        'created_at', t.created_at, 'started_at', t.started_at, 'finished_at', t.finished_at)
$$;

-- Verifies an API key and counts the request against the user's per-minute rate.
-- Returns no row for an unknown, revoked or wrong key or a disabled user;
-- retry_after > 0 when the rate is exceeded.
CREATE FUNCTION authenticate(p_key_id text, p_secret text)
RETURNS TABLE(user_id uuid, is_admin boolean, retry_after integer)
LANGUAGE plpgsql AS $$
DECLARE
    u users;
    w rate_windows;
    win timestamptz := date_trunc('minute', now());
BEGIN
    SELECT us.* INTO u FROM api_keys k JOIN users us ON us.id = k.user_id
    WHERE k.key_id = p_key_id AND k.revoked_at IS NULL AND us.disabled_at IS NULL
      AND k.hash = sha256(k.salt || convert_to(p_secret, 'UTF8'));
    IF NOT FOUND THEN RETURN; END IF;
    INSERT INTO rate_windows AS r VALUES (u.id, win, 1)
    ON CONFLICT (user_id) DO UPDATE
        SET hits = CASE WHEN r.window_start = win THEN r.hits + 1 ELSE 1 END, window_start = win
    RETURNING * INTO w;
    user_id := u.id;
    is_admin := u.is_admin;
    retry_after := CASE WHEN w.hits > u.requests_per_minute
        THEN greatest(1, ceil(extract(epoch FROM (win + interval '1 minute' - now())))::integer)
        ELSE 0 END;
    RETURN NEXT;
END $$;

-- Stores a user message and enqueues its turn in one transaction. With an idempotency key
-- a retried request gets the first response back. Returns {message, turn}.
CREATE FUNCTION post_message(p_user uuid, p_conversation uuid, p_content text, p_model text,
                             p_idempotency_key text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    u users;
    m messages;
    t turns;
    running integer;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        SELECT * INTO t FROM turns WHERE user_id = p_user AND idempotency_key = p_idempotency_key;
        IF FOUND THEN
            IF t.conversation_id <> p_conversation THEN
                RAISE EXCEPTION 'Idempotency-Key was already used for another conversation'
                    USING ERRCODE = 'CH422';
            END IF;
            SELECT * INTO m FROM messages WHERE id = t.user_message_id;
            RETURN jsonb_build_object('message', message_json(m), 'turn', turn_json(t),
                                      'replayed', true);
        END IF;
    END IF;
    -- Locking the user row serialises one user's posts so the running-turn limit holds.
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    PERFORM 1 FROM conversations
    WHERE id = p_conversation AND user_id = p_user AND deleted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation not found' USING ERRCODE = 'CH404';
    END IF;
    SELECT count(*) INTO running FROM turns
    WHERE user_id = p_user AND status IN ('queued', 'running') AND replay_id IS NULL;
    IF running >= u.max_running_turns THEN
        RAISE EXCEPTION 'you already have % turns queued or running (limit %)',
            running, u.max_running_turns USING ERRCODE = 'CH429';
    END IF;
    INSERT INTO messages(conversation_id, role, content, model)
    VALUES (p_conversation, 'user', p_content, p_model) RETURNING * INTO m;
    BEGIN
        INSERT INTO turns(conversation_id, user_id, user_message_id, model, idempotency_key)
        VALUES (p_conversation, p_user, m.id, p_model, p_idempotency_key) RETURNING * INTO t;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'this conversation already has a reply in progress; wait for it or cancel it'
            USING ERRCODE = 'CH409';
    END;
    UPDATE conversations SET updated_at = now() WHERE id = p_conversation;
    RETURN jsonb_build_object('message', message_json(m), 'turn', turn_json(t));
END $$;

-- Claims the most urgent claimable turn for a worker and returns what it needs to generate:
-- the fencing attempt, the seq base, and the prompt (admin context + history, oldest first).
CREATE FUNCTION claim_turn(p_owner text, p_lease_s double precision)
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
    SELECT c.agent_id INTO agent_id FROM conversations c WHERE c.id = t.conversation_id;
    SELECT jsonb_build_object(
        'system', (SELECT content FROM admin_context ORDER BY version DESC LIMIT 1),
        'messages', coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'role', m.role,
                'content', coalesce(m.edited_content, m.content)) ORDER BY m.pos), '[]'::jsonb))
    INTO prompt
    FROM messages m
    WHERE m.conversation_id = t.conversation_id
      AND m.pos <= (SELECT pos FROM messages WHERE id = t.user_message_id)
      -- An earlier reply to the message being answered (a regenerate) is not history.
      AND (m.role = 'user' OR m.reply_to IS DISTINCT FROM t.user_message_id);
    RETURN NEXT;
END $$;

-- Appends one batch of tokens and renews the lease, fenced by attempt and owner.
-- Returns cancel_requested, or no row when the worker no longer holds the turn.
CREATE FUNCTION persist_tokens(p_turn uuid, p_attempt integer, p_owner text, p_seq_from bigint,
                               p_seq_to bigint, p_tokens text[], p_lease_s double precision)
RETURNS TABLE(cancel_requested boolean) LANGUAGE plpgsql AS $$
BEGIN
    UPDATE turns t SET last_seq = greatest(t.last_seq, p_seq_to),
        lease_until = now() + make_interval(secs => p_lease_s), updated_at = now()
    WHERE t.id = p_turn AND t.attempt = p_attempt AND t.lease_owner = p_owner
      AND t.status = 'running'
    RETURNING t.cancel_requested INTO cancel_requested;
    IF NOT FOUND THEN RETURN; END IF;
    IF p_seq_from <= p_seq_to THEN
        INSERT INTO turn_chunks VALUES (p_turn, p_attempt, p_seq_from, p_seq_to, p_tokens);
    END IF;
    RETURN NEXT;
END $$;

-- Ends an attempt: writes the last batch, the assistant message (done or cancelled with text),
-- usage and status in one transaction. Returns the final turn, or no row when fenced out.
CREATE FUNCTION finish_turn(p_turn uuid, p_attempt integer, p_owner text, p_seq_from bigint,
                            p_seq_to bigint, p_tokens text[], p_status text,
                            p_finish_reason text, p_usage jsonb, p_error jsonb)
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
    IF p_status = 'done' OR (p_status = 'cancelled' AND body <> '') THEN
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

-- Gives a retryable failure back to the queue with a delay, or dead-letters the turn once its
-- attempts are used up. Fenced like every worker write. Returns the new status.
CREATE FUNCTION retry_turn(p_turn uuid, p_attempt integer, p_owner text, p_error jsonb,
                           p_delay_ms integer) RETURNS text LANGUAGE plpgsql AS $$
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
        UPDATE turns SET dead_lettered_at = now(), finished_at = now() WHERE id = p_turn;
    END IF;
    RETURN st;
END $$;

-- Returns turns whose lease ran out (their worker died or stalled) to the queue, and fails
-- those past their deadline or out of attempts. Returns the turns it touched.
CREATE FUNCTION requeue_expired()
RETURNS TABLE(turn_id uuid, status text, attempt integer) LANGUAGE sql AS $$
    UPDATE turns t SET
        status = CASE WHEN t.attempt >= t.max_attempts OR t.cancel_requested
                      OR (t.deadline IS NOT NULL AND t.deadline < now()) THEN 'failed'
                      ELSE 'queued' END,
        error = coalesce(t.error, jsonb_build_object('code', 'worker_lost',
            'message', 'the worker generating this reply stopped responding', 'retryable', true)),
        dead_lettered_at = CASE WHEN t.attempt >= t.max_attempts THEN now() END,
        finished_at = CASE WHEN t.attempt >= t.max_attempts OR t.cancel_requested
                      OR (t.deadline IS NOT NULL AND t.deadline < now()) THEN now() END,
        available_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()
    WHERE t.id IN (SELECT id FROM turns WHERE turns.status = 'running' AND lease_until < now()
                   FOR UPDATE SKIP LOCKED)
    RETURNING t.id, t.status, t.attempt
$$;

-- Cancels a user's turn: a queued one ends at once; a running one is flagged for its worker.
CREATE FUNCTION cancel_turn(p_user uuid, p_turn uuid) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    t turns;
BEGIN
    UPDATE turns SET cancel_requested = true,
        status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
        finish_reason = CASE WHEN status = 'queued' THEN 'cancelled' ELSE finish_reason END,
        finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
        updated_at = now()
    WHERE id = p_turn AND user_id = p_user RETURNING * INTO t;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'turn not found' USING ERRCODE = 'CH404';
    END IF;
    RETURN turn_json(t);
END $$;

-- What a stream needs, in one consistent snapshot: the turn row and its tokens after a seq.
CREATE FUNCTION stream_snapshot(p_turn uuid, p_after bigint)
RETURNS TABLE(user_id uuid, status text, attempt integer, last_seq bigint, message_id uuid,
              usage jsonb, finish_reason text, error jsonb, seq bigint, token text)
LANGUAGE sql STABLE AS $$
    SELECT t.user_id, t.status, t.attempt, t.last_seq, t.message_id, t.usage, t.finish_reason,
           t.error, x.seq, x.token
    FROM turns t
    LEFT JOIN LATERAL (
        SELECT c.seq_from + u.o - 1 AS seq, u.tok AS token
        FROM turn_chunks c CROSS JOIN LATERAL unnest(c.tokens) WITH ORDINALITY AS u(tok, o)
        WHERE c.turn_id = t.id AND c.attempt = t.attempt AND c.seq_to > p_after
    ) x ON x.seq > p_after
    WHERE t.id = p_turn
    ORDER BY x.seq
$$;
