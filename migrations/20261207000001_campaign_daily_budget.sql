-- A campaign's daily budget in BRL: at the settings' price per delivered template it sends at
-- most that many a day (Brasília's calendar day) and the rest waits for the next day.
alter table campaigns add column daily_budget_brl double precision
    check (daily_budget_brl is null or daily_budget_brl > 0);
