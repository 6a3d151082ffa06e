-- The published version of each flow a conversation started on (`{"principal": 3, ...}`): it
-- finishes on them even when a new version is published meanwhile; a new conversation (or one
-- the bot starts afresh) takes the versions published then.
alter table bot_sessions add column flow_versions jsonb;
