-- What was created while demo mode was on: it stops working when demo mode is turned off.
alter table users add column created_in_demo boolean not null default false;
alter table api_tokens add column created_in_demo boolean not null default false;
alter table channels add column created_in_demo boolean not null default false;
