-- What each REST API token may do (shared::api_scope::ApiScope codes); existing tokens keep
-- every scope, as they had.
alter table api_tokens add column scopes text[] not null
    default '{read,conversations,contacts,flows,campaigns,reports,admin}';
