-- Every message insert (and every new conversation and channel identity) checked its channel
-- with a key-share lock on the channel's single row. Concurrent transactions holding that lock
-- together turn it into a MultiXact, rebuilt with every new locker: under load that churn cost
-- more than the inserts themselves (bench/README.md, "Bot reply latency": 100 conversations/s
-- through the whole flow went from p50 281 ms to 43 ms without them).
--
-- Channels are never deleted, only deactivated (`channels.active`), so these references keep
-- their meaning without a lock on every write. Whoever adds channel deletion must delete or
-- move the channel's identities, conversations and messages in the same transaction.
alter table messages drop constraint messages_channel_id_fkey;
alter table conversations drop constraint conversations_channel_id_fkey;
alter table contact_identities drop constraint contact_identities_channel_id_fkey;
