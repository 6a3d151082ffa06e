-- A campaign scheduled "at each recipient's local time": schedule_at is the wall-clock time in
-- Brasília, and each recipient's not_before is that wall-clock time in their own zone (by DDD).
alter table campaigns add column local_time boolean not null default false;
