-- 005's worker_seen, which kept a row for every worker process that ever ran (its id holds the
-- pid): the rows of workers not seen for a week go, so `workers` stays a recent history.
CREATE OR REPLACE FUNCTION worker_seen(p_id text, p_host text, p_pid integer, p_concurrency integer,
                                       p_running integer, p_stopping boolean) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM workers WHERE seen_at < now() - interval '7 days';
    INSERT INTO workers(id, host, pid, concurrency, running, stopped_at)
    VALUES (p_id, p_host, p_pid, p_concurrency, p_running, CASE WHEN p_stopping THEN now() END)
    ON CONFLICT (id) DO UPDATE SET seen_at = now(), running = p_running,
        stopped_at = CASE WHEN p_stopping THEN now() END
$$;
