-- A worker writes a batch of tokens again when PostgreSQL went away before it saw the answer
-- (chat-worker's runner rides out a restart). If the first write had committed, the same chunk
-- is already there: the second write only renews the lease. Otherwise 002's persist_tokens.
CREATE OR REPLACE FUNCTION persist_tokens(p_turn uuid, p_attempt integer, p_owner text,
                                          p_seq_from bigint, p_seq_to bigint, p_tokens text[],
                                          p_lease_s double precision)
RETURNS TABLE(cancel_requested boolean) LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    UPDATE turns t SET last_seq = greatest(t.last_seq, p_seq_to),
        lease_until = now() + make_interval(secs => p_lease_s), updated_at = now()
    WHERE t.id = p_turn AND t.attempt = p_attempt AND t.lease_owner = p_owner
      AND t.status = 'running'
    RETURNING t.cancel_requested INTO cancel_requested;
    IF NOT FOUND THEN RETURN; END IF;
    IF p_seq_from <= p_seq_to THEN
        INSERT INTO turn_chunks VALUES (p_turn, p_attempt, p_seq_from, p_seq_to, p_tokens)
        ON CONFLICT (turn_id, attempt, seq_from) DO NOTHING;
    END IF;
    RETURN NEXT;
END $$;
