-- Files agents attach in the composer. Stored in PostgreSQL (bytea) so a backup holds them and
-- every instance serves them; the size limits per channel (at most 100 MB, WhatsApp documents)
-- are checked before insert.
create table attachments (
    id uuid primary key,
    uploaded_by uuid references users (id) on delete set null,
    -- The conversation it was uploaded for: its channel decided what was accepted.
    conversation_id uuid not null references conversations (id),
    kind message_kind not null check (kind in ('image', 'audio', 'video', 'document')),
    filename text not null check (char_length(filename) between 1 and 255),
    mime text not null,
    size bigint not null check (size > 0),
    data bytea not null,
    created_at timestamptz not null default now()
);
-- A TOASTed bytea is already compressed where it can be; media mostly is not compressible.
alter table attachments alter column data set storage external;

-- Search by message text per conversation: one stripped tsvector of every customer, agent and
-- bot message (never notes), grown as messages arrive. A search is then one index on the
-- conversations the list shows, and the planner can walk the list by last activity for a word
-- found everywhere ("fatura") or read the GIN index for a rare one.
alter table conversations add column search_tsv tsvector not null default ''::tsvector;

update conversations c
   set search_tsv = s.tsv
  from (select conversation_id,
               strip(to_tsvector('pt_unaccent'::regconfig, string_agg(body, ' '))) as tsv
          from messages
         where kind <> 'note' and body is not null
         group by conversation_id) s
 where s.conversation_id = c.id;

create index conversations_search_idx on conversations using gin (search_tsv);

-- Replaced by conversations.search_tsv: it cost every message insert a GIN update.
drop index messages_body_tsv_idx;
alter table messages drop column body_tsv;

create index contacts_email_trgm_idx on contacts using gin ((email::text) gin_trgm_ops)
    where merged_into is null;
