-- Flows get a draft apart from what the bot runs, and an immutable history of published
-- versions. `definition` and `version` stay what the bot runs (the published version); the
-- draft is edited (by the builder, the REST API) and saves carry the `revision` they were made
-- on, so a stale save is refused instead of overwriting.
alter table bot_flows
    add column draft jsonb,
    add column revision integer not null default 1,
    add column draft_updated_at timestamptz not null default now(),
    add column draft_updated_by uuid references users (id) on delete set null;
update bot_flows set draft = definition;
alter table bot_flows alter column draft set not null;

create table bot_flow_versions (
    flow_key text not null references bot_flows (key) on delete cascade,
    version integer not null,
    -- shared::flow::Flow as it was published; never changed afterwards.
    definition jsonb not null,
    note text not null default '' check (char_length(note) <= 500),
    published_by uuid references users (id) on delete set null,
    published_at timestamptz not null default now(),
    primary key (flow_key, version)
);

insert into bot_flow_versions (flow_key, version, definition, note, published_by, published_at)
select key, version, definition, '', updated_by, updated_at from bot_flows;
