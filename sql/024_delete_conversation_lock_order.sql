-- 003's delete_conversation, locking in the order finish_turn does: a turn's row, then its
-- conversation's. It locked the conversation first, so a delete arriving while a finish held
-- the turn and had not yet reached the conversation deadlocked with it, and PostgreSQL aborted
-- one of them after deadlock_timeout (a failed DELETE, or a worker's finish written again).
-- The turns are locked in id order, as finish_turns and renew_leases lock theirs; a delete now
-- waits for a finish in flight and then finds its turn ended. The turns are looked up through
-- their user (turns_by_user_active), not through every active turn of the system.
CREATE OR REPLACE FUNCTION delete_conversation(p_user uuid, p_conversation uuid)
RETURNS TABLE(running_turn uuid) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM turns t
    WHERE t.conversation_id = p_conversation AND t.user_id = p_user
      AND t.status IN ('queued', 'running')
    ORDER BY t.id
    FOR UPDATE;
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
    WHERE t.conversation_id = p_conversation AND t.user_id = p_user
      AND t.status IN ('queued', 'running')
    RETURNING CASE WHEN t.status = 'running' THEN t.id END;
END $$;
