-- When the team answers (shared::hours::BusinessHours as JSON); null: at any time.
alter table teams add column business_hours jsonb
    check (business_hours is null or jsonb_typeof(business_hours) = 'object');
