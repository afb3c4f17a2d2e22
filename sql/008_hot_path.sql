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
              user_message_id uuid, deadline timestamptz, prompt json)
-- json, not jsonb: the worker parses the text anyway, and building jsonb per message cost more
-- than the rest of the claim. plpgsql, not sql: PostgreSQL plans a non-inlined SQL function's body on every call (~3 ms
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
           json_build_object('system', system.content, 'messages',
               (SELECT coalesce(json_agg(h.item ORDER BY h.pos), '[]'::json)
                FROM (SELECT m.pos, json_build_object('id', m.id, 'role', m.role,
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

-- A turn that was never claimed has no tokens: its JSON needs no look-up in the token log
-- (post_message and regenerate answer such turns on every call).
CREATE OR REPLACE FUNCTION turn_json(t turns) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', t.id, 'conversation_id', t.conversation_id,
        'user_message_id', t.user_message_id, 'status', t.status, 'attempt', t.attempt,
        'content', CASE WHEN t.attempt = 0 THEN '' ELSE turn_text(t.id, t.attempt) END,
        'last_seq', t.last_seq,
        'message_id', t.message_id, 'model', t.model, 'usage', t.usage, 'error', t.error,
        'finish_reason', t.finish_reason, 'dead_lettered', t.dead_lettered_at IS NOT NULL,
        'created_at', t.created_at, 'started_at', t.started_at, 'finished_at', t.finished_at)
$$;

-- Serialises one user's turn submissions (post, regenerate) so the running-turn limit holds.
-- A transaction-scoped advisory lock: unlike SELECT ... FOR UPDATE on the user row it writes
-- nothing (a row lock dirties the page and writes WAL on every message).
CREATE FUNCTION lock_user_turns(p_user uuid) RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtextextended('turns:' || p_user::text, 0))
$$;

-- CH429 unless the user may have one more turn queued or running. Call under lock_user_turns.
CREATE FUNCTION require_turn_slot(p_user uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    max_running integer;
    running integer;
BEGIN
    SELECT u.max_running_turns INTO max_running FROM users u WHERE u.id = p_user;
    SELECT count(*) INTO running FROM turns
    WHERE user_id = p_user AND status IN ('queued', 'running') AND replay_id IS NULL;
    IF running >= max_running THEN
        RAISE EXCEPTION 'you already have % turns queued or running (limit %)',
            running, max_running USING ERRCODE = 'CH429';
    END IF;
END $$;

-- Inserts a queued interactive turn; CH409 when the conversation already has one queued or
-- running (ON CONFLICT on the partial unique index, not an exception block: that would open a
-- subtransaction on every call).
CREATE FUNCTION enqueue_turn(p_user uuid, p_conversation uuid, p_message uuid, p_model text,
                             p_idempotency_key text) RETURNS turns LANGUAGE plpgsql AS $$
DECLARE
    t turns;
BEGIN
    INSERT INTO turns(conversation_id, user_id, user_message_id, model, idempotency_key)
    VALUES (p_conversation, p_user, p_message, p_model, p_idempotency_key)
    ON CONFLICT (conversation_id) WHERE status IN ('queued', 'running') AND replay_id IS NULL
    DO NOTHING
    RETURNING * INTO t;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this conversation already has a reply in progress; wait for it or cancel it'
            USING ERRCODE = 'CH409';
    END IF;
    RETURN t;
END $$;

-- 003's post_message with fewer statements: the advisory lock above, and the conversation's
-- check and its updated_at bump in one UPDATE (an error later rolls the bump back with the rest).
CREATE OR REPLACE FUNCTION post_message(p_user uuid, p_conversation uuid, p_content text,
                                        p_model text, p_idempotency_key text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    m messages;
    t turns;
    replay jsonb;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        replay := idempotent_replay(p_user, p_conversation, p_idempotency_key);
        IF replay IS NOT NULL THEN RETURN replay; END IF;
    END IF;
    PERFORM lock_user_turns(p_user);
    -- Checked again under the lock: a retry racing its original waits and replays its answer.
    IF p_idempotency_key IS NOT NULL THEN
        replay := idempotent_replay(p_user, p_conversation, p_idempotency_key);
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

-- 003's regenerate_message under the same lock as post_message (both count running turns).
CREATE OR REPLACE FUNCTION regenerate_message(p_user uuid, p_conversation uuid, p_message uuid,
                                              p_model text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    m messages;
BEGIN
    PERFORM lock_user_turns(p_user);
    UPDATE conversations SET updated_at = now()
    WHERE id = p_conversation AND user_id = p_user AND deleted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message not found' USING ERRCODE = 'CH404';
    END IF;
    SELECT * INTO m FROM messages WHERE id = p_message AND conversation_id = p_conversation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message not found' USING ERRCODE = 'CH404';
    END IF;
    IF m.role <> 'user' THEN
        RAISE EXCEPTION 'regenerate takes the id of a user message' USING ERRCODE = 'CH409';
    END IF;
    PERFORM require_turn_slot(p_user);
    RETURN jsonb_build_object('turn',
        turn_json(enqueue_turn(p_user, p_conversation, m.id, coalesce(p_model, m.model), NULL)));
END $$;
