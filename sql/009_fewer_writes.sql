-- Fewer writes per turn (docs/benchmarks.md, "Latest figures"):
-- * indexes no query uses: every turn paid for their entries on each insert or non-HOT update
--   (turns 3x, conversations 2x, messages 2x);
-- * finish_turn() fences and ends the attempt in one UPDATE instead of SELECT ... FOR UPDATE
--   followed by an UPDATE of the same row.

-- conversations_list_order serves every per-user query (same leading column and predicate).
DROP INDEX conversations_by_user;
-- Turns are found by id, by status or by the one active turn of a conversation, never by
-- conversation over time (conversations are deleted softly: no FK look-up needs it either).
DROP INDEX turns_by_conversation;
-- pos is GENERATED ALWAYS AS IDENTITY, unique by construction; paging uses
-- messages_by_conversation (conversation_id, pos).
ALTER TABLE messages DROP CONSTRAINT messages_pos_key;

-- finish_turn names the reply's id in the turn before inserting the message: the reference is
-- checked at commit, when both rows exist.
ALTER TABLE turns ALTER CONSTRAINT turns_message_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- 008's finish_turn, same contract: writes the last batch, the assistant message (done, or
-- cancelled with text), usage and status in one transaction, fenced by attempt and owner.
-- Returns the final turn, or no row when fenced out.
CREATE OR REPLACE FUNCTION finish_turn(p_turn uuid, p_attempt integer, p_owner text,
                                       p_seq_from bigint, p_seq_to bigint, p_tokens text[],
                                       p_status text, p_finish_reason text, p_usage jsonb,
                                       p_error jsonb, p_context jsonb DEFAULT NULL,
                                       p_body text DEFAULT NULL)
RETURNS SETOF turns LANGUAGE plpgsql AS $$
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
    IF NOT FOUND THEN RETURN; END IF;
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
