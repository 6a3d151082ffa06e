-- Users, teams, sessions, security settings and the audit log.

create extension if not exists citext;

create type user_role as enum ('admin', 'supervisor', 'agent');
create type availability as enum ('online', 'away', 'offline');
create type session_stage as enum ('totp_pending', 'active');

create table users (
    id uuid primary key,
    name text not null check (char_length(name) between 1 and 120),
    -- citext: uniqueness ignores case; the application also stores it lower-cased.
    email citext not null unique check (char_length(email) <= 254),
    password_hash text not null,
    role user_role not null,
    active boolean not null default true,
    is_demo boolean not null default false,
    -- Per agent: the most simultaneous conversations, and whether they take new ones now.
    capacity integer not null default 5 check (capacity between 1 and 50),
    availability availability not null default 'offline',
    availability_changed_at timestamptz not null default now(),
    -- TOTP secret encrypted at rest (AES-256-GCM, nonce || ciphertext); null when 2FA is off.
    totp_secret_enc bytea,
    -- Secret offered during enrolment, until confirmed with a code.
    totp_pending_secret_enc bytea,
    -- The last time step accepted, so a code cannot be used twice (RFC 6238 §5.2).
    totp_last_step bigint,
    totp_enabled_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index users_role_active_idx on users (role, active);

create table totp_recovery_codes (
    user_id uuid not null references users (id) on delete cascade,
    code_hash bytea not null,
    used_at timestamptz,
    primary key (user_id, code_hash)
);

create table teams (
    id uuid primary key,
    name citext not null unique check (char_length(name) between 1 and 120),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table team_members (
    team_id uuid not null references teams (id) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    -- A supervisor of this team manages its members.
    is_supervisor boolean not null default false,
    added_at timestamptz not null default now(),
    primary key (team_id, user_id)
);

create index team_members_user_idx on team_members (user_id);

create table sessions (
    -- HMAC-SHA256 of the cookie's token under the session secret: a database leak yields no
    -- usable session.
    id_hash bytea primary key,
    user_id uuid not null references users (id) on delete cascade,
    stage session_stage not null,
    csrf_token text not null,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    absolute_expires_at timestamptz not null,
    ip text,
    user_agent text
);

create index sessions_user_idx on sessions (user_id);
create index sessions_expiry_idx on sessions (absolute_expires_at);

create table settings (
    key text primary key,
    value jsonb not null,
    updated_at timestamptz not null default now(),
    updated_by uuid references users (id) on delete set null
);

create table audit_log (
    id bigserial primary key,
    at timestamptz not null default now(),
    action text not null,
    actor_id uuid references users (id) on delete set null,
    -- What identified the actor when the entry was written (an e-mail typed at a failed login).
    actor_label text,
    subject_id uuid references users (id) on delete set null,
    subject_label text,
    ip text,
    detail text
);

create index audit_log_at_idx on audit_log (at desc, id desc);
