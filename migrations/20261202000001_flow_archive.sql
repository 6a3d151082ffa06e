-- Flows an administrator archived: off the builder's main list and out of the channels' choice,
-- kept (with their versions) and restorable. A flow a channel runs is not archived.
alter table bot_flows add column archived_at timestamptz;
