-- /metrics counts the turns an operator alerts on (queued: not enough workers; running; failed:
-- dead letters) instead of grouping the whole table, which grows by every turn ever answered.
-- Queued and running turns have partial indexes already; failed ones get theirs. Only failed
-- rows enter it, so a turn that ends `done` pays nothing for it.
CREATE INDEX turns_failed ON turns(finished_at) WHERE status = 'failed';
