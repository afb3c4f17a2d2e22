-- 008's require_turn_slot. A limit of 0 turns is a ban, not a wait: 403 instead of a 429 whose
-- Retry-After never comes true; and "1 turn", not "1 turns".
CREATE OR REPLACE FUNCTION require_turn_slot(p_user uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    max_running integer;
    running integer;
BEGIN
    SELECT u.max_running_turns INTO max_running FROM users u WHERE u.id = p_user;
    IF max_running <= 0 THEN
        RAISE EXCEPTION 'this account may not start replies (its running-turn limit is 0)'
            USING ERRCODE = 'CH403';
    END IF;
    SELECT count(*) INTO running FROM turns
    WHERE user_id = p_user AND status IN ('queued', 'running') AND replay_id IS NULL;
    IF running >= max_running THEN
        RAISE EXCEPTION 'you already have % % queued or running (limit %)', running,
            CASE WHEN running = 1 THEN 'turn' ELSE 'turns' END, max_running USING ERRCODE = 'CH429';
    END IF;
END $$;
