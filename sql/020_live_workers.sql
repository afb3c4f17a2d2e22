-- The workers that share the queue's wake-ups (workers/worker/wake_shards.h): seen within
-- p_within_s seconds and not stopped. Each keeper asks every few seconds; the table is small.
CREATE FUNCTION live_workers(p_within_s double precision) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT id FROM workers
    WHERE stopped_at IS NULL AND seen_at > now() - make_interval(secs => p_within_s)
    ORDER BY id
$$;
