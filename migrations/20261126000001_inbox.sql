-- The agent inbox: what the conversation list shows without touching messages, the queue and
-- its distribution, full-text search in Portuguese, canned responses and WhatsApp templates.

create extension if not exists unaccent;
create extension if not exists pg_trgm;

-- Portuguese stemming that also ignores accents: "não" finds "nao", "fatura" finds "faturas".
create text search configuration pt_unaccent (copy = portuguese);
alter text search configuration pt_unaccent
    alter mapping for hword, hword_part, word with unaccent, portuguese_stem;

alter type conversation_event_kind add value 'unassigned';
alter type conversation_event_kind add value 'status_changed';
alter type conversation_event_kind add value 'moved';

-- Teams distribute their queue automatically unless a supervisor turns it off.
alter table teams add column auto_assign boolean not null default true;

-- Least loaded first, then the one who waited longest since their last assignment.
alter table users add column last_assigned_at timestamptz;

alter table conversations
    -- When it joined its team's queue: the queue is served in this order.
    add column queued_at timestamptz,
    add column unread_count integer not null default 0,
    add column last_message_preview text,
    add column last_message_author message_author,
    add column last_agent_message_at timestamptz,
    add column assigned_at timestamptz;

update conversations set queued_at = created_at where status = 'waiting';

-- The list's tabs, each sorted by last activity.
create index conversations_assignee_activity_idx
    on conversations (assignee_id, last_message_at desc, id desc) where assignee_id is not null;
create index conversations_team_activity_idx
    on conversations (team_id, last_message_at desc, id desc);
create index conversations_status_activity_idx
    on conversations (status, last_message_at desc, id desc);
-- The queue, in arrival order.
create index conversations_queue_idx
    on conversations (team_id, queued_at, id) where status = 'waiting' and assignee_id is null;
-- An agent's load.
create index conversations_load_idx on conversations (assignee_id) where status = 'open';

alter table messages
    add column body_tsv tsvector
        generated always as (to_tsvector('pt_unaccent'::regconfig, coalesce(body, ''))) stored;
create index messages_body_tsv_idx on messages using gin (body_tsv);

create index contacts_name_trgm_idx on contacts using gin (name gin_trgm_ops)
    where merged_into is null;
create index contacts_phone_trgm_idx on contacts using gin (phone gin_trgm_ops)
    where merged_into is null;

-- Replies an agent inserts by typing /shortcut.
create table canned_responses (
    id uuid primary key,
    shortcut text not null unique check (shortcut ~ '^[a-z0-9_-]{1,32}$'),
    title text not null check (char_length(title) between 1 and 80),
    body text not null check (char_length(body) between 1 and 4096),
    created_by uuid references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- WhatsApp message templates (HSM) of a channel, as Meta reports them.
create table message_templates (
    id uuid primary key,
    channel_id uuid not null references channels (id) on delete cascade,
    name text not null,
    language text not null,
    category text not null,
    -- APPROVED, PENDING, REJECTED, PAUSED, DISABLED…
    status text not null,
    -- The body text with its {{1}}… placeholders, and the number of them.
    body text not null,
    parameter_count integer not null default 0,
    components jsonb not null default '[]',
    synced_at timestamptz not null default now(),
    constraint message_templates_key unique (channel_id, name, language)
);
