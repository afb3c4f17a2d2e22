-- Worker-side functions: lease renewal for all of a worker's turns, graceful release, liveness.

-- Renews the leases of the given turns held by p_owner in one statement.
-- Returns the turns still held, with their cancel flag; a turn missing from the result was lost.
CREATE FUNCTION renew_leases(p_owner text, p_turns uuid[], p_lease_s double precision)
RETURNS TABLE(turn_id uuid, cancel_requested boolean) LANGUAGE sql AS $$
    UPDATE turns SET lease_until = now() + make_interval(secs => p_lease_s)
    WHERE id = ANY(p_turns) AND lease_owner = p_owner AND status = 'running'
    RETURNING id, cancel_requested
$$;

-- Gives a turn back to the queue at once when its worker shuts down; it is not the turn's fault,
-- so it does not count against max_attempts.
CREATE FUNCTION release_turn(p_turn uuid, p_attempt integer, p_owner text) RETURNS boolean
LANGUAGE sql AS $$
    UPDATE turns SET status = 'queued', available_at = now(), max_attempts = max_attempts + 1,
        lease_owner = NULL, lease_until = NULL, updated_at = now()
    WHERE id = p_turn AND attempt = p_attempt AND lease_owner = p_owner AND status = 'running'
    RETURNING true
$$;

-- Records that a worker is alive (and how busy), for /healthz.
CREATE FUNCTION worker_seen(p_id text, p_host text, p_pid integer, p_concurrency integer,
                            p_running integer, p_stopping boolean) RETURNS void LANGUAGE sql AS $$
    INSERT INTO workers(id, host, pid, concurrency, running, stopped_at)
    VALUES (p_id, p_host, p_pid, p_concurrency, p_running, CASE WHEN p_stopping THEN now() END)
    ON CONFLICT (id) DO UPDATE SET seen_at = now(), running = p_running,
        stopped_at = CASE WHEN p_stopping THEN now() END
$$;
