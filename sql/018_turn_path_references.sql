-- The turn path's last foreign keys, dropped for the reason sql/011 gives: each is a query and
-- a row lock (a WAL record) on the referenced row, four a turn, and each column's writers
-- already guarantee the reference. PostgreSQL CPU of one turn's SQL (pgbench, one client,
-- alternating fresh clusters): 1.34 -> 1.23 ms. tests/queue/references.cpp checks what they did.
--
-- turns.conversation_id: enqueue_turn runs only after its caller (post_message,
-- regenerate_message) updated that conversation by key; replay_enqueue copies it from a turn.
ALTER TABLE turns DROP CONSTRAINT turns_conversation_id_fkey;
-- turns.user_message_id: post_message inserts that message in the same transaction,
-- regenerate_message reads it from the conversation; replay_enqueue copies it from a turn.
ALTER TABLE turns DROP CONSTRAINT turns_user_message_id_fkey;
-- messages.conversation_id: post_message writes a conversation it has just updated by key,
-- finish_turn the conversation of the turn it has just updated.
ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_fkey;

-- turns_replay_once (replay_id, replay_of) answers every look-up by replay_id: this index was
-- one more entry for nothing on every write of a replay turn, and one more index to open on
-- every write of any turn.
DROP INDEX turns_by_replay;
