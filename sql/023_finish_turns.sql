-- Ends several attempts of one owner in one statement and one commit. A worker's runners
-- finish in bursts (those of one claim finish together), and under load the statement and
-- commit of each finish cost PostgreSQL more than the rows they write. Each attempt goes
-- through 013's finish_turn, so the end of an attempt (fencing, idempotent retry, reply
-- message) is written once. One row an attempt that ended: its 1-based index in the arrays;
-- an attempt fenced out has no row. p_tokens holds every attempt's last tokens, one after the
-- other, p_token_counts[i] of them for attempt i.
--
-- The attempts are ended in the order of their turn ids, the order in which renew_leases
-- (below) locks the rows too: a batch and the keeper's renewal of the same turns cannot
-- deadlock.
CREATE FUNCTION finish_turns(p_owner text, p_turns uuid[], p_attempts integer[],
                             p_seq_from bigint[], p_seq_to bigint[], p_token_counts integer[],
                             p_tokens text[], p_status text[], p_finish_reason text[],
                             p_usage jsonb[], p_error jsonb[], p_context jsonb[], p_body text[])
RETURNS TABLE(turn_index integer, status text, message_id uuid)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    n integer := coalesce(array_length(p_turns, 1), 0);
    first_token integer[] := '{}';  -- where attempt i's tokens start in p_tokens, 0-based
    taken integer := 0;
    i integer;
    t turns;
BEGIN
    FOR k IN 1 .. n LOOP
        first_token := first_token || taken;
        taken := taken + p_token_counts[k];
    END LOOP;
    FOR i IN SELECT u.ord FROM unnest(p_turns) WITH ORDINALITY AS u(id, ord) ORDER BY u.id, u.ord
    LOOP
        SELECT * INTO t FROM finish_turn(p_turns[i], p_attempts[i], p_owner, p_seq_from[i],
            p_seq_to[i],
            coalesce(p_tokens[first_token[i] + 1 : first_token[i] + p_token_counts[i]], '{}'),
            p_status[i], p_finish_reason[i], p_usage[i], p_error[i], p_context[i], p_body[i]);
        IF FOUND THEN
            turn_index := i;
            status := t.status;
            message_id := t.message_id;
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;

-- 005's renew_leases, locking the rows in turn id order first (an UPDATE locks them in the
-- order its plan visits them, which a bitmap scan makes the table's).
CREATE OR REPLACE FUNCTION renew_leases(p_owner text, p_turns uuid[], p_lease_s double precision)
RETURNS TABLE(turn_id uuid, cancel_requested boolean) LANGUAGE sql AS $$
    WITH mine AS (
        SELECT x.id FROM turns x
        WHERE x.id = ANY(p_turns) AND x.lease_owner = p_owner AND x.status = 'running'
        ORDER BY x.id
        FOR UPDATE
    )
    UPDATE turns t SET lease_until = now() + make_interval(secs => p_lease_s)
    FROM mine WHERE t.id = mine.id
    RETURNING t.id, t.cancel_requested
$$;
