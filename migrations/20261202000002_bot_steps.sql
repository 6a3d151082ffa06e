-- Where customers go in each published flow version (the builder's analytics overlay).
--
-- `bot_steps`: one row per visit of a conversation to a block: entered, and left through a
-- port or stopped there (shared::flow::engine::Stop), or still open (`left_at` null: the
-- customer has not answered). Written with the bot's step, in the same statement.
create table bot_steps (
    id bigserial primary key,
    conversation_id uuid not null references conversations (id) on delete cascade,
    flow_key text not null,
    flow_version integer not null,
    node text not null,
    entered_at timestamptz not null,
    left_at timestamptz,
    port text,
    stop text
);
-- The visit a conversation waits at, closed by its next step.
create index bot_steps_open on bot_steps (conversation_id) where left_at is null;
-- Today's visits (not rolled up yet) and the roll-up's input, read by flow and period.
create index bot_steps_flow on bot_steps (flow_key, entered_at)
    include (flow_version, node, port, stop, left_at, conversation_id);

-- The visits counted per São Paulo day; holds no personal data, so it outlives the
-- conversations. `hist` counts the closed visits' durations per
-- shared::flow::analytics::BUCKET_SECONDS bucket.
create table bot_step_days (
    flow_key text not null,
    flow_version integer not null,
    day date not null,
    node text not null,
    port text not null,
    stop text not null,
    visits bigint not null,
    conversations bigint not null,
    hist bigint[] not null,
    primary key (flow_key, day, flow_version, node, port, stop)
);

-- Days before `through` are in bot_step_days; the rest is read from bot_steps.
create table bot_step_rollup (
    only_row boolean primary key default true check (only_row),
    through date not null
);
insert into bot_step_rollup (through) values (date '2000-01-01');
