-- Templates managed in the product: Meta's id (a string in REST, an integer in webhooks), the
-- quality Meta rates, why it was rejected or paused, and who created it here.
alter table message_templates
    add column meta_id text,
    add column quality text not null default 'UNKNOWN',
    add column reason text,
    add column created_by uuid references users (id) on delete set null,
    add column updated_at timestamptz not null default now();
create index message_templates_meta_id on message_templates (meta_id) where meta_id is not null;
