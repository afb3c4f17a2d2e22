-- Core schema: users and keys, conversations, messages, the turn queue and its token log.
-- Timestamps are timestamptz; the application session runs in UTC.

CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL UNIQUE,
    is_admin            boolean NOT NULL DEFAULT false,
    disabled_at         timestamptz,
    max_conversations   integer NOT NULL DEFAULT 1000,
    requests_per_minute integer NOT NULL DEFAULT 6000,
    max_running_turns   integer NOT NULL DEFAULT 8,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- An API key is "ck_<key_id>_<secret>"; only sha256(salt || secret) is stored.
CREATE TABLE api_keys (
    key_id     text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users(id),
    salt       bytea NOT NULL,
    hash       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- Fixed one-minute windows; unlogged because losing counters on a crash is harmless.
CREATE UNLOGGED TABLE rate_windows (
    user_id      uuid PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL
);

CREATE TABLE conversations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users(id),
    title       text NOT NULL DEFAULT '',
    agent_id    text,
    pinned_at   timestamptz,
    archived_at timestamptz,
    deleted_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_by_user ON conversations(user_id, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;

-- pos orders messages for cursor paging: it never repeats and grows with insertion order.
CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pos             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    conversation_id uuid NOT NULL REFERENCES conversations(id),
    role            text NOT NULL CHECK (role IN ('user', 'assistant')),
    content         text NOT NULL,
    edited_content  text,
    edited_at       timestamptz,
    model           text,
    usage           jsonb,
    reply_to        uuid REFERENCES messages(id),
    turn_id         uuid,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, pos);

-- The durable queue. A claim bumps attempt; attempt + lease_owner fence every later write.
-- Token seq numbers are unique per turn across attempts: attempt A numbers its tokens from
-- (A-1)*1000000+1, so a Last-Event-ID always tells which attempt it belongs to.
CREATE TABLE turns (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id  uuid NOT NULL REFERENCES conversations(id),
    user_id          uuid NOT NULL REFERENCES users(id),
    user_message_id  uuid NOT NULL REFERENCES messages(id),
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    priority         integer NOT NULL DEFAULT 0,
    attempt          integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3,
    lease_owner      text,
    lease_until      timestamptz,
    available_at     timestamptz NOT NULL DEFAULT now(),
    deadline         timestamptz,
    last_seq         bigint NOT NULL DEFAULT 0,
    cancel_requested boolean NOT NULL DEFAULT false,
    model            text,
    backend          text,
    message_id       uuid REFERENCES messages(id),
    usage            jsonb,
    error            jsonb,
    finish_reason    text,
    dead_lettered_at timestamptz,
    idempotency_key  text,
    replay_id        text,
    replay_of        uuid REFERENCES turns(id),
    context          jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- Policy: one queued-or-running interactive turn per conversation (a second one answers 409).
CREATE UNIQUE INDEX turns_one_active_per_conversation ON turns(conversation_id)
    WHERE status IN ('queued', 'running') AND replay_id IS NULL;
CREATE INDEX turns_claimable ON turns(priority, available_at, created_at) WHERE status = 'queued';
CREATE INDEX turns_leased ON turns(lease_until) WHERE status = 'running';
CREATE INDEX turns_by_user_active ON turns(user_id) WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX turns_idempotency ON turns(user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX turns_replay_once ON turns(replay_id, replay_of) WHERE replay_id IS NOT NULL;
CREATE INDEX turns_by_conversation ON turns(conversation_id, created_at);

-- The token log: tokens persisted in batches, one row per batch.
CREATE TABLE turn_chunks (
    turn_id  uuid NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    attempt  integer NOT NULL,
    seq_from bigint NOT NULL,
    seq_to   bigint NOT NULL,
    tokens   text[] NOT NULL,
    PRIMARY KEY (turn_id, attempt, seq_from)
);

-- The admin system prompt; every PUT adds a version, old versions stay.
CREATE TABLE admin_context (
    version    integer PRIMARY KEY,
    content    text NOT NULL,
    updated_by uuid REFERENCES users(id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Worker liveness, shown by /healthz.
CREATE TABLE workers (
    id          text PRIMARY KEY,
    host        text NOT NULL,
    pid         integer NOT NULL,
    concurrency integer NOT NULL,
    running     integer NOT NULL DEFAULT 0,
    started_at  timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    stopped_at  timestamptz
);
