-- Flow analytics benchmark data: one webchat channel "Bench Fluxos", 100,000 contacts with one
-- resolved conversation each over the last 365 days, and 1,000,000 visits (bot_steps) of the
-- flow "principal" across three versions: ten blocks per conversation along the demo menu's
-- paths, a few seconds to a few minutes each, the last one stopped (left, went silent, asked
-- for a person, handed off, ended) or still open. Set-based (generate_series, no loops).
-- Applied by target/bench-tools/release/flow_analytics on an empty bench database.

set work_mem = '256MB';
set synchronous_commit = off;

insert into channels (id, kind, name)
values ('00000000-0000-4000-8000-00000000f100', 'webchat', 'Bench Fluxos');

create temp table bench_conv as
select n, gen_random_uuid() as id, gen_random_uuid() as contact_id,
       now() - interval '1 hour' - random() * interval '364 days' as started,
       1 + (n % 3) as version
from generate_series(1, 100000) n;

insert into contacts (id, name, created_at, updated_at)
select contact_id, 'Cliente Fluxo ' || n, started, started from bench_conv;

insert into conversations (id, contact_id, channel_id, status, created_at, last_message_at,
                           resolved_at, updated_at)
select id, contact_id, '00000000-0000-4000-8000-00000000f100', 'resolved', started,
       started + interval '10 minutes', started + interval '10 minutes', started
from bench_conv;

-- The blocks a conversation passes, in order, and the port it leaves each through.
create temp table bench_path (i int, node text, port text);
insert into bench_path values
    (1, 'menu', 'choice:segunda_via'), (2, 'identificado', 'else'), (3, 'cpf', 'next'),
    (4, 'buscar_cliente', 'success'), (5, 'encontrado', 'rule:0'), (6, 'saudacao', 'next'),
    (7, 'rota', 'rule:0'), (8, 'buscar_faturas', 'success'), (9, 'tem_vencidas', 'rule:1'),
    (10, 'segunda_via', 'success');

insert into bot_steps (conversation_id, flow_key, flow_version, node, entered_at, left_at, port, stop)
select c.id, 'principal', c.version, p.node,
       c.started + (p.i * interval '40 seconds'),
       case when p.i = 10 and c.n % 7 = 0 then null
            else c.started + (p.i * interval '40 seconds') + random() * interval '90 seconds' end,
       case when p.i < 10 then p.port end,
       case when p.i = 10 and c.n % 7 <> 0
            then (array['quit', 'inactive', 'agent', 'handoff', 'ended', 'ended'])[1 + c.n % 6] end
from bench_conv c cross join bench_path p;

analyze bot_steps;
