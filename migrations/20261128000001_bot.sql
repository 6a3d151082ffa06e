-- The chatbot: flows as versioned JSON graphs, each conversation's place in them, and a short
-- trace of what the bot did (the demo's presenter panel, an admin's debugging).

-- The flow that answers new conversations on a channel; none: straight to the queue.
alter table channels add column bot_flow text;

create table bot_flows (
    key text primary key check (key ~ '^[a-z0-9_-]{1,64}$'),
    name text not null check (char_length(name) between 1 and 120),
    -- shared::flow::Flow, validated before it is stored.
    definition jsonb not null,
    version integer not null default 1,
    -- Seeded by the demo: re-seeding replaces it only while nobody has edited it.
    seeded boolean not null default false,
    updated_at timestamptz not null default now(),
    updated_by uuid references users (id) on delete set null
);

-- One row per conversation the bot has spoken in. `last_seq` is the last inbound message fed
-- to the engine: each message advances the flow once, however often it is delivered or woken.
-- `activity` grows with every step; an inactivity job carries the value it was scheduled at,
-- and does nothing when the conversation has moved on since.
create table bot_sessions (
    conversation_id uuid primary key references conversations (id) on delete cascade,
    state jsonb not null,
    last_seq bigint not null default 0,
    activity bigint not null default 0,
    updated_at timestamptz not null default now()
);

create table bot_trace (
    id bigserial primary key,
    conversation_id uuid not null references conversations (id) on delete cascade,
    at timestamptz not null default now(),
    -- node, call, handoff, end, reminder
    kind text not null,
    detail jsonb not null default '{}'
);
create index bot_trace_conversation_idx on bot_trace (conversation_id, id);
