-- ANALYZE skips the payload columns: no query filters, joins or sorts on them, and they were
-- most of its cost. Autovacuum analyzes the queue tables every few seconds while they grow;
-- on a 27,000-turn database ANALYZE of turn_chunks took 348 ms (the token arrays alone 300)
-- and of turns 368 ms (usage and context 200), a tenth of PostgreSQL's CPU in a C=64 run.
ALTER TABLE turn_chunks ALTER COLUMN tokens SET STATISTICS 0;
ALTER TABLE turns ALTER COLUMN usage SET STATISTICS 0,
    ALTER COLUMN error SET STATISTICS 0,
    ALTER COLUMN context SET STATISTICS 0;
ALTER TABLE messages ALTER COLUMN content SET STATISTICS 0,
    ALTER COLUMN edited_content SET STATISTICS 0,
    ALTER COLUMN usage SET STATISTICS 0;
