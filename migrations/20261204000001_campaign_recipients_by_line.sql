-- A campaign's recipients are listed in the order of the audience's file (its line), a page at
-- a time after the last one shown.
create index campaign_recipients_line_idx
    on campaign_recipients (campaign_id, (coalesce(line, 0)), id);
