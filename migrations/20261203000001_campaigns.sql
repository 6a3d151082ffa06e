-- Proactive messaging: consent per contact, channel and purpose (LGPD), the suppression list
-- (opt-outs, Meta's 131050, imported do-not-contact lists), and campaigns with one row per
-- recipient, the sender's record of who was sent what.

-- Every grant and withdrawal, never updated: the current state is the latest record.
create table consent_records (
    id bigserial primary key,
    contact_id uuid not null references contacts (id) on delete cascade,
    -- Null: every channel.
    channel_id uuid references channels (id) on delete cascade,
    purpose text not null check (purpose in ('marketing', 'utility')),
    granted boolean not null,
    -- Where it came from: reply, button, meta_131050, csv, agent, api, import, demo.
    source text not null check (length(source) between 1 and 40),
    detail text check (length(detail) <= 500),
    recorded_by uuid references users (id) on delete set null,
    at timestamptz not null default now()
);
create index consent_records_contact_idx on consent_records (contact_id, purpose, at desc, id desc);

-- Numbers that receive no campaign of the scope: `marketing` (an opt-out) or `all` (a
-- do-not-contact list such as Procon-SP's "Não Me Ligue", which covers collections too).
create table suppressions (
    phone text primary key check (phone ~ '^\+[1-9][0-9]{7,14}$'),
    scope text not null check (scope in ('marketing', 'all')),
    reason text not null check (reason in ('reply', 'button', 'meta_131050', 'import', 'manual')),
    detail text check (length(detail) <= 500),
    contact_id uuid references contacts (id) on delete set null,
    created_at timestamptz not null default now()
);

create table campaigns (
    id uuid primary key,
    name text not null check (length(name) between 1 and 120),
    channel_id uuid not null references channels (id),
    template_id uuid not null references message_templates (id),
    -- The template's category when the campaign was made (marketing needs consent).
    category text not null,
    -- Template parameter → {source, fallback}.
    bindings jsonb not null default '{}',
    -- draft, scheduled, sending, paused, done, cancelled.
    status text not null default 'draft'
        check (status in ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')),
    schedule_at timestamptz,
    respect_quiet_hours boolean not null default true,
    -- After it, recipients not yet sent are dropped.
    expires_at timestamptz,
    rate_per_second integer not null default 80 check (rate_per_second between 1 and 1000),
    -- Why it was paused (a person, a template webhook, a campaign-level error).
    pause_reason text,
    created_by uuid references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz
);
create index campaigns_created_idx on campaigns (created_at desc, id);
create index campaigns_running_idx on campaigns (status) where status in ('scheduled', 'sending');

-- One row per recipient: queued → claimed (a worker took it) → sending (the Graph call is being
-- made) → sent | failed | unknown (no answer: only a status webhook settles it, never a resend).
-- skipped: left out before sending (no consent, suppressed, a variable empty, expired);
-- cancelled: the campaign was cancelled first.
create table campaign_recipients (
    id uuid primary key,
    campaign_id uuid not null references campaigns (id) on delete cascade,
    contact_id uuid references contacts (id) on delete set null,
    phone text not null check (phone ~ '^\+[1-9][0-9]{7,14}$'),
    -- The audience's line (CSV) or null (a contact filter).
    line integer,
    -- The recipient's own values for the template's variables.
    fields jsonb not null default '{}',
    state text not null default 'queued'
        check (state in ('queued', 'claimed', 'sending', 'sent', 'unknown', 'failed', 'skipped', 'cancelled')),
    attempts integer not null default 0,
    -- Not before this (a retry's backoff, the recipient's quiet hours).
    not_before timestamptz not null default now(),
    -- A claim or a send in progress ends at this time; past it, a crashed worker's rows are
    -- taken back (claimed → queued) or settled as unknown (sending).
    lease_until timestamptz,
    wamid text,
    message_id uuid references messages (id) on delete set null,
    error_code integer,
    error_title text,
    skip_reason text,
    sent_at timestamptz,
    updated_at timestamptz not null default now(),
    constraint campaign_recipients_phone_key unique (campaign_id, phone)
);
create index campaign_recipients_due_idx on campaign_recipients (campaign_id, not_before)
    where state = 'queued';
create index campaign_recipients_leased_idx on campaign_recipients (lease_until)
    where state in ('claimed', 'sending');
create index campaign_recipients_wamid_idx on campaign_recipients (wamid) where wamid is not null;
create index campaign_recipients_contact_idx on campaign_recipients (contact_id, sent_at desc)
    where sent_at is not null;
