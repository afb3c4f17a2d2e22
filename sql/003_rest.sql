-- REST API functions: each API call is at most one statement after authentication.
-- Application errors use SQLSTATE 'CHnnn' (nnn = HTTP status), like 002.

-- Fix of 002's authenticate(): "ON CONFLICT (user_id)" is ambiguous with the OUT parameter
-- user_id (SQLSTATE 42702 on every call). Same behaviour, conflict target named by constraint.
CREATE OR REPLACE FUNCTION authenticate(p_key_id text, p_secret text)
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
    ON CONFLICT ON CONSTRAINT rate_windows_pkey DO UPDATE
        SET hits = CASE WHEN r.window_start = win THEN r.hits + 1 ELSE 1 END, window_start = win
    RETURNING * INTO w;
    user_id := u.id;
    is_admin := u.is_admin;
    retry_after := CASE WHEN w.hits > u.requests_per_minute
        THEN greatest(1, ceil(extract(epoch FROM (win + interval '1 minute' - now())))::integer)
        ELSE 0 END;
    RETURN NEXT;
END $$;

-- Conversation lists are ordered pinned first, then most recently updated (keyset paging).
CREATE INDEX conversations_list_order ON conversations
    (user_id, ((pinned_at IS NOT NULL)::int) DESC, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;

-- Creates a conversation unless the user is at their limit. Locking the user row serialises
-- one user's creates so two concurrent requests cannot both pass the count.
CREATE FUNCTION create_conversation(p_user uuid, p_title text, p_agent_id text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    u users;
    have integer;
    c conversations;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    SELECT count(*) INTO have FROM conversations WHERE user_id = p_user AND deleted_at IS NULL;
    IF have >= u.max_conversations THEN
        RAISE EXCEPTION 'you have reached your limit of % conversations; delete one to create another',
            u.max_conversations USING ERRCODE = 'CH403';
    END IF;
    INSERT INTO conversations(user_id, title, agent_id)
    VALUES (p_user, coalesce(p_title, ''), p_agent_id) RETURNING * INTO c;
    RETURN conversation_json(c);
END $$;

-- One page of a user's conversations after the keyset (pinned, updated_us, id), or from the
-- start when p_after_id is NULL. Returns limit rows; the caller asks for one more to know
-- whether a next page exists.
CREATE FUNCTION list_conversations(p_user uuid, p_archived boolean, p_after_pinned integer,
                                   p_after_updated_us bigint, p_after_id uuid, p_limit integer)
RETURNS TABLE(item jsonb, pinned integer, updated_us bigint, id uuid)
LANGUAGE sql STABLE AS $$
    SELECT conversation_json(c), (c.pinned_at IS NOT NULL)::int,
           (extract(epoch FROM c.updated_at) * 1000000)::bigint, c.id
    FROM conversations c
    WHERE c.user_id = p_user AND c.deleted_at IS NULL
      AND (c.archived_at IS NOT NULL) = p_archived
      AND (p_after_id IS NULL
           OR ((c.pinned_at IS NOT NULL)::int, c.updated_at, c.id)
              < (p_after_pinned, timestamptz 'epoch' + p_after_updated_us * interval '1 microsecond',
                 p_after_id))
    ORDER BY (c.pinned_at IS NOT NULL)::int DESC, c.updated_at DESC, c.id DESC
    LIMIT p_limit
$$;

-- Changes the given fields of a conversation; a NULL parameter leaves its field alone
-- (p_set_agent tells "set agent_id to NULL" from "leave it").
CREATE FUNCTION patch_conversation(p_user uuid, p_conversation uuid, p_title text,
                                   p_set_agent boolean, p_agent_id text, p_archived boolean,
                                   p_pinned boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    c conversations;
BEGIN
    UPDATE conversations SET
        title = coalesce(p_title, title),
        agent_id = CASE WHEN p_set_agent THEN p_agent_id ELSE agent_id END,
        archived_at = CASE WHEN p_archived IS NULL THEN archived_at
                           WHEN p_archived THEN coalesce(archived_at, now()) END,
        pinned_at = CASE WHEN p_pinned IS NULL THEN pinned_at
                         WHEN p_pinned THEN coalesce(pinned_at, now()) END,
        updated_at = now()
    WHERE id = p_conversation AND user_id = p_user AND deleted_at IS NULL
    RETURNING * INTO c;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation not found' USING ERRCODE = 'CH404';
    END IF;
    RETURN conversation_json(c);
END $$;

-- Soft-deletes a conversation and cancels its unfinished turns (queued ones end now, running
-- ones are flagged for their worker). Returns the ids of the running turns to signal.
CREATE FUNCTION delete_conversation(p_user uuid, p_conversation uuid)
RETURNS TABLE(running_turn uuid) LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations SET deleted_at = now(), updated_at = now()
    WHERE id = p_conversation AND user_id = p_user AND deleted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation not found' USING ERRCODE = 'CH404';
    END IF;
    RETURN QUERY
    UPDATE turns t SET cancel_requested = true,
        status = CASE WHEN t.status = 'queued' THEN 'cancelled' ELSE t.status END,
        finish_reason = CASE WHEN t.status = 'queued' THEN 'cancelled' ELSE t.finish_reason END,
        finished_at = CASE WHEN t.status = 'queued' THEN now() ELSE t.finished_at END,
        updated_at = now()
    WHERE t.conversation_id = p_conversation AND t.status IN ('queued', 'running')
    RETURNING CASE WHEN t.status = 'running' THEN t.id END;
END $$;

-- One page of messages, newest first, strictly older than p_before (a message id of this
-- conversation) when given. Paging by pos never skips or repeats a message while new ones
-- arrive. The caller asks for limit + 1 rows and reverses the page to chronological order.
CREATE FUNCTION list_messages(p_user uuid, p_conversation uuid, p_before uuid, p_limit integer)
RETURNS TABLE(item jsonb, id uuid) LANGUAGE plpgsql STABLE AS $$
DECLARE
    before_pos bigint;
BEGIN
    PERFORM 1 FROM conversations c
    WHERE c.id = p_conversation AND c.user_id = p_user AND c.deleted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation not found' USING ERRCODE = 'CH404';
    END IF;
    IF p_before IS NOT NULL THEN
        SELECT m.pos INTO before_pos FROM messages m
        WHERE m.id = p_before AND m.conversation_id = p_conversation;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'before is not a message of this conversation' USING ERRCODE = 'CH400';
        END IF;
    END IF;
    RETURN QUERY
    SELECT message_json(m), m.id FROM messages m
    WHERE m.conversation_id = p_conversation AND (before_pos IS NULL OR m.pos < before_pos)
    ORDER BY m.pos DESC LIMIT p_limit;
END $$;

-- Edits a user message: the original content stays, edited_content/edited_at are set.
CREATE FUNCTION edit_message(p_user uuid, p_conversation uuid, p_message uuid, p_content text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    m messages;
BEGIN
    PERFORM 1 FROM conversations c
    WHERE c.id = p_conversation AND c.user_id = p_user AND c.deleted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message not found' USING ERRCODE = 'CH404';
    END IF;
    SELECT * INTO m FROM messages WHERE id = p_message AND conversation_id = p_conversation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message not found' USING ERRCODE = 'CH404';
    END IF;
    IF m.role <> 'user' THEN
        RAISE EXCEPTION 'only user messages can be edited' USING ERRCODE = 'CH409';
    END IF;
    UPDATE messages SET edited_content = p_content, edited_at = now()
    WHERE id = p_message RETURNING * INTO m;
    UPDATE conversations SET updated_at = now() WHERE id = p_conversation;
    RETURN message_json(m);
END $$;

-- Enqueues a new turn answering an existing user message again (the earlier reply stays).
-- Same policies as post_message: running-turn limit (CH429), one active turn per
-- conversation (CH409). Returns {turn}.
CREATE FUNCTION regenerate_message(p_user uuid, p_conversation uuid, p_message uuid,
                                   p_model text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    u users;
    m messages;
    t turns;
    running integer;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    PERFORM 1 FROM conversations c
    WHERE c.id = p_conversation AND c.user_id = p_user AND c.deleted_at IS NULL;
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
    SELECT count(*) INTO running FROM turns
    WHERE user_id = p_user AND status IN ('queued', 'running') AND replay_id IS NULL;
    IF running >= u.max_running_turns THEN
        RAISE EXCEPTION 'you already have % turns queued or running (limit %)',
            running, u.max_running_turns USING ERRCODE = 'CH429';
    END IF;
    BEGIN
        INSERT INTO turns(conversation_id, user_id, user_message_id, model)
        VALUES (p_conversation, p_user, m.id, coalesce(p_model, m.model)) RETURNING * INTO t;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'this conversation already has a reply in progress; wait for it or cancel it'
            USING ERRCODE = 'CH409';
    END;
    UPDATE conversations SET updated_at = now() WHERE id = p_conversation;
    RETURN jsonb_build_object('turn', turn_json(t));
END $$;

-- A user's turn, or CH404 (unknown, another user's, or in a deleted conversation).
CREATE FUNCTION get_turn(p_user uuid, p_turn uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    t turns;
BEGIN
    SELECT tt.* INTO t FROM turns tt JOIN conversations c ON c.id = tt.conversation_id
    WHERE tt.id = p_turn AND tt.user_id = p_user AND c.deleted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'turn not found' USING ERRCODE = 'CH404';
    END IF;
    RETURN turn_json(t);
END $$;

-- The current system prompt: {content, version, updated_at}; version 0 when none was set.
CREATE FUNCTION admin_context_json() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT jsonb_build_object('content', a.content, 'version', a.version,
                                   'updated_at', a.updated_at)
         FROM admin_context a ORDER BY a.version DESC LIMIT 1),
        jsonb_build_object('content', '', 'version', 0, 'updated_at', NULL))
$$;

-- Adds a new version of the system prompt (old versions stay). The table lock serialises
-- concurrent PUTs so each gets the next version number instead of a key violation.
CREATE FUNCTION put_admin_context(p_user uuid, p_content text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    a admin_context;
BEGIN
    LOCK TABLE admin_context IN SHARE ROW EXCLUSIVE MODE;
    INSERT INTO admin_context(version, content, updated_by)
    SELECT coalesce(max(version), 0) + 1, p_content, p_user FROM admin_context
    RETURNING * INTO a;
    RETURN jsonb_build_object('content', a.content, 'version', a.version,
                              'updated_at', a.updated_at);
END $$;

-- The first answer of a POST message made with this Idempotency-Key, or NULL if there was none.
CREATE FUNCTION idempotent_replay(p_user uuid, p_conversation uuid, p_key text)
RETURNS jsonb LANGUAGE plpgsql AS $$
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
    SELECT * INTO m FROM messages WHERE id = t.user_message_id;
    RETURN jsonb_build_object('message', message_json(m), 'turn', turn_json(t), 'replayed', true);
END $$;

-- Replaces 002's post_message() to make concurrent retries with one Idempotency-Key safe: 002
-- checks the key before taking the user lock, so a retry racing its original passed the check,
-- then hit the idempotency index and answered 409. The key is now checked again under the lock
-- (same-user posts serialise on it), so the retry waits and replays the first answer.
CREATE OR REPLACE FUNCTION post_message(p_user uuid, p_conversation uuid, p_content text,
                                        p_model text, p_idempotency_key text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    u users;
    m messages;
    t turns;
    running integer;
    replay jsonb;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        replay := idempotent_replay(p_user, p_conversation, p_idempotency_key);
        IF replay IS NOT NULL THEN RETURN replay; END IF;
    END IF;
    -- Locking the user row serialises one user's posts so the running-turn limit holds.
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    IF p_idempotency_key IS NOT NULL THEN
        replay := idempotent_replay(p_user, p_conversation, p_idempotency_key);
        IF replay IS NOT NULL THEN RETURN replay; END IF;
    END IF;
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
