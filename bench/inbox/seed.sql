-- Inbox benchmark data: one webchat channel "Bench", 100,000 contacts with one conversation
-- each, and 1,000,000 messages, inserted set-based (generate_series, no loops) into a platform
-- database that already has the schema (migrations) and the demo data (DEMO_MODE=true: the team
-- "Atendimento Geral" and its agents).
--
--   psql "$DATABASE_URL" -f bench/inbox/seed.sql
--
-- Conversations: ~10% waiting in the queue, ~30% open with a demo agent, the rest resolved;
-- last activity spread over 90 days. Messages: at least 2 per conversation, 10 on average,
-- alternating customer (inbound) and agent (outbound, status "read"), with Portuguese text so
-- the full-text search has hits. One conversation, the contact "Cliente Longo", has 5,000
-- messages over 87 days: the "long conversation" the load tool opens.
--
-- Open and resolved conversations end with the agent's message: the demo agents are offline,
-- and the server gives back to the queue the unanswered conversations of agents offline for
-- more than the grace period, which would rewrite 15,000 rows in the middle of a measurement.
--
-- Refuses to run twice: when the channel "Bench" exists, it says so and changes nothing.

\set ON_ERROR_STOP on
\pset pager off

select exists (select 1 from channels where kind = 'webchat' and name = 'Bench') as bench_seeded
\gset
\if :bench_seeded
do $$ begin
    raise notice 'O canal "Bench" já existe: esta base já tem a carga do benchmark. Nada foi feito.';
end $$;
\quit
\endif

do $$ begin
    if not exists (select 1 from teams where name = 'Atendimento Geral') then
        raise exception 'Equipe "Atendimento Geral" não encontrada: suba o servidor uma vez com DEMO_MODE=true.';
    end if;
    if not exists (select 1 from users where role = 'agent' and active) then
        raise exception 'Nenhum atendente (role agent) ativo: suba o servidor uma vez com DEMO_MODE=true.';
    end if;
end $$;

select clock_timestamp() as seed_started \gset
select id as team_id from teams where name = 'Atendimento Geral' \gset

set work_mem = '256MB';
set maintenance_work_mem = '512MB';
set synchronous_commit = off;
\timing on

begin;

insert into channels (id, kind, name, default_team_id)
values (gen_random_uuid(), 'webchat', 'Bench', :'team_id')
returning id as channel_id \gset

-- What customers and agents write. The last element of each is the most common case's opening.
create temp table bench_text on commit drop as
select array[
    'Bom dia, preciso da segunda via da fatura deste mês',
    'Olá, o boleto veio com um valor muito acima do normal',
    'Tem um vazamento na calçada em frente de casa desde ontem',
    'A leitura do hidrômetro está errada, não consumi tudo isso',
    'Quero fazer uma negociação da dívida, consigo parcelar?',
    'Já fiz o pagamento e a conta continua em aberto no site',
    'Não recebi a fatura por e-mail este mês',
    'Minha água foi cortada mas o pagamento está em dia',
    'Vocês podem mandar o código de barras do boleto?',
    'O vazamento ainda não foi consertado, ninguém apareceu',
    'Preciso mudar a data de vencimento da fatura',
    'Obrigado pelo atendimento, ficou resolvido',
    'Não consigo acessar a segunda via pelo aplicativo',
    'Gostaria de falar com um atendente, por favor'
] as inbound,
array[
    'Olá! Vou verificar a sua fatura, um momento por favor.',
    'Enviei a segunda via do boleto para o seu e-mail cadastrado.',
    'Abrimos uma ordem de serviço para o vazamento, a equipe vai até o local em 24 horas.',
    'A leitura será refeita por um técnico em até 5 dias úteis.',
    'Podemos fazer a negociação em até 12 parcelas sem juros.',
    'O pagamento pode levar até 2 dias úteis para ser compensado.',
    'Não se preocupe, o religamento foi solicitado com prioridade.',
    'Confirmei aqui: a fatura já consta como paga.',
    'O código de barras é 83640000001 23450123 45678901 23456789.',
    'Pode me informar o número da matrícula do imóvel?',
    'A data de vencimento foi alterada para o dia 15.',
    'Seu atendimento foi registrado, o protocolo segue por e-mail.',
    'Obrigada pelo contato! Qualquer dúvida estamos à disposição.'
] as outbound;

-- Messages per conversation: 2 each, 795,002 spread at random over conversations 2..100,000,
-- and 5,000 for conversation 1 (the long one): 1,000,000 in all.
create temp table bench_counts on commit drop as
select n, count(*)::int as msgs
from (
    select n from generate_series(2, 100000) n
    union all
    select n from generate_series(2, 100000) n
    union all
    select 2 + floor(random() * 99999)::int from generate_series(1, 795002)
    union all
    select 1 from generate_series(1, 5000)
) x
group by n;

create temp table bench_conv on commit drop as
select s.*,
       s.last_at - (s.msgs - 1) * s.gap as first_at,
       -- Direction of the first message: the directions alternate up to the last one.
       (((s.msgs - 1) % 2 = 0) = s.last_inbound) as first_inbound,
       case when s.last_inbound then t.inbound[1 + floor(random() * array_length(t.inbound, 1))::int]
            else t.outbound[1 + floor(random() * array_length(t.outbound, 1))::int] end as last_body
from (
    select c.n, c.msgs,
           gen_random_uuid() as id,
           gen_random_uuid() as contact_id,
           st.status,
           st.status = 'waiting' as last_inbound,
           case when st.status = 'waiting' then null
                else a.ids[1 + (c.n % array_length(a.ids, 1))] end as assignee_id,
           a.ids[1 + (c.n % array_length(a.ids, 1))] as agent_id,
           case when c.n = 1 then now() - interval '1 minute'
                else now() - interval '2 minutes' - random() * interval '90 days' end as last_at,
           case when c.n = 1 then interval '25 minutes'
                else interval '30 seconds' + random() * interval '10 minutes' end as gap,
           case when st.status = 'resolved' then 0 else floor(random() * 4)::int end as unread
    from bench_counts c
    cross join (select array_agg(id order by email) as ids from users
                where role = 'agent' and active) a
    cross join lateral (
        select (case when c.n = 1 then 'open'
                     when c.n % 10 = 0 then 'waiting'
                     when c.n % 10 in (1, 2, 3) then 'open'
                     else 'resolved' end)::conversation_status as status
    ) st
) s
cross join bench_text t;

insert into contacts (id, name, phone, email, cpf, created_at, updated_at)
select contact_id,
       case when n = 1 then 'Cliente Longo' else 'Cliente ' || lpad(n::text, 6, '0') end,
       '+55119' || lpad(n::text, 8, '0'),
       case when n % 4 = 0 then 'cliente' || n || '@exemplo.com.br' end,
       case when n % 3 = 0 then lpad(((n::bigint * 104729 + 7919) % 100000000000)::text, 11, '0') end,
       first_at, first_at
from bench_conv;

insert into contact_identities (id, contact_id, channel_id, external_id, created_at)
select gen_random_uuid(), contact_id, :'channel_id', 'bench-visitante-' || n, first_at
from bench_conv;

insert into conversations (
    id, contact_id, channel_id, team_id, assignee_id, status, created_at, first_response_at,
    last_customer_message_at, last_message_at, resolved_at, updated_at, queued_at, unread_count,
    last_message_preview, last_message_author, last_agent_message_at, assigned_at)
select id, contact_id, :'channel_id', :'team_id', assignee_id, status, first_at,
       case when first_inbound then first_at + gap else first_at end,
       case when last_inbound then last_at else last_at - gap end,
       last_at,
       case when status = 'resolved' then last_at end,
       last_at,
       case when status = 'waiting' then first_at end,
       unread,
       left(last_body, 200),
       (case when last_inbound then 'customer' else 'agent' end)::message_author,
       case when last_inbound then last_at - gap else last_at end,
       case when assignee_id is not null then first_at end
from bench_conv;

-- In time order, so the global cursor (seq) follows created_at as it does in production.
insert into messages (
    id, conversation_id, channel_id, direction, author, author_user_id, kind, body, content,
    provider_message_id, status, status_at, provider_timestamp, created_at)
select gen_random_uuid(), m.conversation_id, :'channel_id', m.direction,
       (case when m.inbound then 'customer' else 'agent' end)::message_author,
       case when not m.inbound then m.agent_id end,
       'text', m.body,
       case when m.inbound then '{}'::jsonb
            else jsonb_build_object('type', 'text', 'text', m.body) end,
       case when m.inbound then 'webchat:bench:' || m.n || ':' || m.k end,
       case when not m.inbound then 'read'::delivery_status end,
       case when not m.inbound then m.at + interval '20 seconds' end,
       m.at, m.at
from (
    select c.id as conversation_id, c.n, c.agent_id, g.k, g.at, g.inbound,
           (case when g.inbound then 'inbound' else 'outbound' end)::message_direction as direction,
           case when g.k = c.msgs - 1 then c.last_body
                when g.inbound then t.inbound[1 + floor(random() * array_length(t.inbound, 1))::int]
                else t.outbound[1 + floor(random() * array_length(t.outbound, 1))::int] end as body
    from bench_conv c
    cross join bench_text t
    cross join lateral (
        select k, c.last_at - (c.msgs - 1 - k) * c.gap as at,
               (((c.msgs - 1 - k) % 2 = 0) = c.last_inbound) as inbound
        from generate_series(0, c.msgs - 1) k
    ) g
) m
order by m.at;

-- The per-conversation search vector the server grows message by message.
update conversations c
   set search_tsv = s.tsv
  from (select conversation_id,
               strip(to_tsvector('pt_unaccent'::regconfig, string_agg(body, ' '))) as tsv
          from messages where channel_id = :'channel_id'
         group by conversation_id) s
 where s.conversation_id = c.id;

commit;

\timing off
vacuum (analyze) channels, contacts, contact_identities, conversations, messages;

select c.id as long_conversation,
       (select count(*) from messages m where m.conversation_id = c.id) as long_messages
from conversations c join contacts ct on ct.id = c.contact_id
where ct.name = 'Cliente Longo';

select (select count(*) from conversations c join channels ch on ch.id = c.channel_id
        where ch.name = 'Bench') as conversations,
       (select count(*) from messages m join channels ch on ch.id = m.channel_id
        where ch.name = 'Bench') as messages,
       round(extract(epoch from clock_timestamp() - :'seed_started'::timestamptz)::numeric, 1)
           as seconds;
