-- Channels, contacts, conversations, messages and their events; the durable inbox of provider
-- webhooks; REST API tokens.

create type channel_kind as enum ('whatsapp', 'messenger', 'instagram', 'webchat');
create type conversation_status as enum ('bot', 'waiting', 'open', 'resolved');
create type message_direction as enum ('inbound', 'outbound');
create type message_author as enum ('customer', 'agent', 'bot', 'system');
create type message_kind as enum (
    'text', 'interactive', 'interactive_reply', 'image', 'audio', 'video', 'document', 'sticker',
    'location', 'contacts', 'reaction', 'template', 'note', 'unsupported'
);
create type delivery_status as enum ('queued', 'sent', 'delivered', 'read', 'failed');
create type conversation_event_kind as enum (
    'created', 'assigned', 'transferred', 'first_response', 'resolved', 'reopened'
);

create table channels (
    id uuid primary key,
    kind channel_kind not null,
    name text not null,
    -- WhatsApp phone_number_id, Facebook page id, Instagram account id; null for webchat.
    external_id text,
    -- Non-secret settings (business account id, webchat look and allowed origins).
    settings jsonb not null default '{}',
    -- AES-256-GCM sealed JSON: access token, app secret, verify token. Never leaves the server
    -- except the verify token, shown to administrators to paste into Meta.
    secrets bytea,
    default_team_id uuid references teams (id) on delete set null,
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint channels_kind_external_id_key unique (kind, external_id)
);

create table contacts (
    id uuid primary key,
    name text,
    phone text check (phone ~ '^\+[1-9][0-9]{7,14}$'),
    email citext,
    cpf text check (cpf ~ '^[0-9]{11}$'),
    attributes jsonb not null default '{}',
    -- Set when this contact was merged into another; its identities and history moved there.
    merged_into uuid references contacts (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index contacts_phone_idx on contacts (phone) where merged_into is null;
create index contacts_cpf_idx on contacts (cpf) where merged_into is null;
create index contacts_email_idx on contacts (email) where merged_into is null;
create index contacts_created_idx on contacts (created_at desc, id) where merged_into is null;

create table contact_identities (
    id uuid primary key,
    contact_id uuid not null references contacts (id) on delete cascade,
    channel_id uuid not null references channels (id) on delete cascade,
    -- wa_id, PSID, IGSID or webchat visitor id.
    external_id text not null,
    created_at timestamptz not null default now(),
    constraint contact_identities_channel_external_key unique (channel_id, external_id)
);
create index contact_identities_contact_idx on contact_identities (contact_id);

-- A webchat visitor's browser session: the token in its localStorage, stored hashed.
create table webchat_visitors (
    id uuid primary key,
    channel_id uuid not null references channels (id) on delete cascade,
    contact_id uuid not null references contacts (id) on delete cascade,
    token_hash bytea not null unique,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now()
);

create table conversations (
    id uuid primary key,
    contact_id uuid not null references contacts (id),
    channel_id uuid not null references channels (id),
    team_id uuid references teams (id) on delete set null,
    assignee_id uuid references users (id) on delete set null,
    status conversation_status not null,
    created_at timestamptz not null default now(),
    first_response_at timestamptz,
    last_customer_message_at timestamptz,
    last_message_at timestamptz not null default now(),
    resolved_at timestamptz,
    updated_at timestamptz not null default now()
);
-- At most one unresolved conversation per contact and channel: concurrent webhooks for the
-- same customer land in the same conversation.
create unique index conversations_one_active_idx
    on conversations (contact_id, channel_id) where status <> 'resolved';
create index conversations_contact_idx on conversations (contact_id, created_at desc);
create index conversations_activity_idx on conversations (last_message_at desc, id);

create table messages (
    id uuid primary key,
    -- A global cursor: clients catch up with "seq > last seen".
    seq bigserial not null unique,
    conversation_id uuid not null references conversations (id),
    channel_id uuid not null references channels (id),
    direction message_direction not null,
    author message_author not null,
    author_user_id uuid references users (id) on delete set null,
    kind message_kind not null,
    body text,
    content jsonb not null default '{}',
    provider_message_id text,
    -- Idempotency key of a client's send (webchat visitor, API caller).
    client_id text,
    status delivery_status,
    status_at timestamptz,
    error_code integer,
    error_title text,
    error_detail text,
    -- Outbound queue: when to try (again); null once sent or failed.
    next_attempt_at timestamptz,
    attempts integer not null default 0,
    -- Messenger/Instagram HUMAN_AGENT tag.
    human_agent_tag boolean not null default false,
    -- When the provider says it happened (inbound) or we sent it (outbound).
    provider_timestamp timestamptz,
    created_at timestamptz not null default now(),
    constraint messages_provider_id_key unique (channel_id, provider_message_id),
    constraint messages_client_id_key unique (conversation_id, client_id)
);
create index messages_conversation_idx on messages (conversation_id, seq);
create index messages_outbox_idx on messages (next_attempt_at)
    where direction = 'outbound' and status = 'queued';

-- Delivery receipts as they arrive, in any order, kept even before the message they refer to
-- is known (a status may beat the send's own response). Unique, so a redelivery is a no-op.
create table message_receipts (
    channel_id uuid not null references channels (id) on delete cascade,
    provider_message_id text not null,
    status delivery_status not null,
    occurred_at timestamptz not null,
    error_code integer,
    error_title text,
    error_detail text,
    received_at timestamptz not null default now(),
    primary key (channel_id, provider_message_id, status)
);

create table conversation_events (
    id bigserial primary key,
    conversation_id uuid not null references conversations (id),
    kind conversation_event_kind not null,
    actor_user_id uuid references users (id) on delete set null,
    actor message_author not null,
    details jsonb not null default '{}',
    occurred_at timestamptz not null default now()
);
create index conversation_events_conversation_idx on conversation_events (conversation_id, id);
create index conversation_events_kind_time_idx on conversation_events (kind, occurred_at);

-- Every authenticated webhook body, stored before we answer 200 and processed afterwards.
create table webhook_events (
    id bigserial primary key,
    provider channel_kind not null,
    payload jsonb not null,
    received_at timestamptz not null default now(),
    processed_at timestamptz,
    -- What processing concluded: "ok", "unroutable" (no channel for it) or an error.
    outcome text,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now()
);
create index webhook_events_pending_idx on webhook_events (next_attempt_at, id)
    where processed_at is null;

-- Errors a provider reported about a channel (WhatsApp value.errors[]).
create table channel_errors (
    id bigserial primary key,
    channel_id uuid not null references channels (id) on delete cascade,
    code integer,
    title text,
    message text,
    details text,
    occurred_at timestamptz not null default now()
);

create table api_tokens (
    id uuid primary key,
    name text not null,
    prefix text not null,
    token_hash bytea not null unique,
    created_by uuid references users (id) on delete set null,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
