-- claim_turns, kept for workers of the release before 021, is now claim_turn_prompts with its
-- rows folded back into 010's JSON prompt: the claim itself (lease, attempt, fencing) is
-- written once, in 021, and cannot drift between the two.
CREATE OR REPLACE FUNCTION claim_turns(p_owner text, p_lease_s double precision, p_limit integer,
                                       p_history integer DEFAULT 500)
RETURNS TABLE(turn_id uuid, attempt integer, seq_base bigint, model text, agent_id text,
              user_message_id uuid, deadline timestamptz, prompt json)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    RETURN QUERY
    SELECT r.turn_id, r.attempt, r.seq_base, r.model, r.agent_id, r.user_message_id,
           (SELECT t.deadline FROM turns t WHERE t.id = r.turn_id),
           json_build_object('system', r.system, 'messages', coalesce(r.messages, '[]'::json))
    FROM (SELECT c.turn_id, c.urgency, c.attempt, c.seq_base, c.model, c.agent_id,
                 c.user_message_id,
                 max(c.content) FILTER (WHERE c.message_id IS NULL AND c.role IS NOT NULL)
                     AS system,
                 json_agg(json_build_object('id', c.message_id, 'role', c.role,
                                            'content', c.content) ORDER BY c.pos)
                     FILTER (WHERE c.message_id IS NOT NULL) AS messages
          FROM claim_turn_prompts(p_owner, p_lease_s, p_limit, p_history) c
          GROUP BY c.turn_id, c.urgency, c.attempt, c.seq_base, c.model, c.agent_id,
                   c.user_message_id) r
    ORDER BY r.urgency;
END $$;
