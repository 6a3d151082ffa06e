-- Files are kept in PostgreSQL in chunks of 1 MiB: an upload is written as it arrives and a
-- download read as it goes out, so no file is ever whole in the server's memory.
create table blob_chunks (
    blob_id uuid not null,
    n integer not null check (n >= 0),
    data bytea not null,
    primary key (blob_id, n)
);
-- Media mostly does not compress: stored as it is, out of line.
alter table blob_chunks alter column data set storage external;

-- An attachment's bytes are the chunks of its id.
insert into blob_chunks (blob_id, n, data) select id, 0, data from attachments;
alter table attachments drop column data;

-- Media a customer sent, fetched once from Meta (whose links expire) for the inbox; its bytes
-- are the chunks of the message's id.
create table media_cache (
    message_id uuid primary key references messages (id) on delete cascade,
    mime text not null,
    size bigint not null default 0,
    complete boolean not null default false,
    fetched_at timestamptz not null default now()
);

create function blob_chunks_of_deleted() returns trigger language plpgsql as $$
begin
    delete from blob_chunks where blob_id = old.id;
    return old;
end $$;
create function blob_chunks_of_deleted_media() returns trigger language plpgsql as $$
begin
    delete from blob_chunks where blob_id = old.message_id;
    return old;
end $$;
create trigger attachments_chunks after delete on attachments
    for each row execute function blob_chunks_of_deleted();
create trigger media_cache_chunks after delete on media_cache
    for each row execute function blob_chunks_of_deleted_media();
