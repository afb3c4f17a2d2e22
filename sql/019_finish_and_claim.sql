-- A runner that ends a turn while the queue may hold more claims its next turn in the same
-- statement: under load that is one round trip and one transaction a turn fewer. The finish
-- comes first and is exactly finish_turn (fenced, idempotent); the claim is claim_turns for
-- this one runner. One row: the finish's status and message (NULL when fenced out), then the
-- claimed turn's columns (NULL when nothing was claimable).
CREATE FUNCTION finish_turn_and_claim(
    p_turn uuid, p_attempt integer, p_owner text, p_seq_from bigint, p_seq_to bigint,
    p_tokens text[], p_status text, p_finish_reason text, p_usage jsonb, p_error jsonb,
    p_context jsonb, p_body text, p_lease_s double precision, p_history integer)
RETURNS TABLE(finished_status text, finished_message_id uuid, next_turn_id uuid,
              next_attempt integer, next_seq_base bigint, next_model text, next_agent_id text,
              next_user_message_id uuid, next_deadline timestamptz, next_prompt json)
LANGUAGE plpgsql AS $$
DECLARE
    f turns;
BEGIN
    SELECT * INTO f FROM finish_turn(p_turn, p_attempt, p_owner, p_seq_from, p_seq_to, p_tokens,
                                     p_status, p_finish_reason, p_usage, p_error, p_context,
                                     p_body);
    finished_status := f.status;
    finished_message_id := f.message_id;
    SELECT c.turn_id, c.attempt, c.seq_base, c.model, c.agent_id, c.user_message_id, c.deadline,
           c.prompt
    INTO next_turn_id, next_attempt, next_seq_base, next_model, next_agent_id,
         next_user_message_id, next_deadline, next_prompt
    FROM claim_turns(p_owner, p_lease_s, 1, p_history) c;
    RETURN NEXT;
END $$;
