-- A contact's tags (normalised by shared::campaign::segment::normalize_tag: lower case, no
-- spaces), for the inbox and for campaign audiences filtered by tag.
alter table contacts add column tags text[] not null default '{}'
    constraint contacts_tags_check check (cardinality(tags) <= 20 and array_position(tags, null) is null);
create index contacts_tags_idx on contacts using gin (tags) where merged_into is null;
