-- Foreign keys whose reference the only writer already guarantees, dropped from the turn path
-- (docs/benchmarks.md, "Latest figures"): each check is a query and a row lock (a WAL record)
-- on the referenced row, four of them a turn for nothing. Measured with the SQL of one turn
-- (pgbench, one client): 693 -> 783 turns/s. Nothing deletes these rows (users are disabled,
-- conversations deleted softly), so no cascade is lost.
--
-- turns.user_id: enqueue_turn and replay_enqueue copy it from a conversation the user owns
-- (checked in the same transaction) or from an existing turn; conversations.user_id keeps its key.
ALTER TABLE turns DROP CONSTRAINT turns_user_id_fkey;
-- turns.message_id: finish_turn inserts that message in the same transaction.
ALTER TABLE turns DROP CONSTRAINT turns_message_id_fkey;
-- messages.reply_to: finish_turn sets it to the turn's user_message_id, which turns references.
ALTER TABLE messages DROP CONSTRAINT messages_reply_to_fkey;
-- turn_chunks.turn_id: persist_tokens and finish_turn insert only after their fenced UPDATE of
-- that turn found it.
ALTER TABLE turn_chunks DROP CONSTRAINT turn_chunks_turn_id_fkey;
