-- What each quick-reply button of a template does when the customer taps it: start a flow,
-- opt out of marketing. Ours, not Meta's: a sync never touches it.
alter table message_templates
    add column button_actions jsonb not null default '[]'::jsonb
        check (jsonb_typeof(button_actions) = 'array');

-- The demo simulator's visitors are campaign recipients too (a presenter receives the
-- collection in the WhatsApp skin): their address on the simulated channel is `sim-<session>`,
-- never a phone number, and only the demo service makes such rows.
alter table campaign_recipients drop constraint campaign_recipients_phone_check;
alter table campaign_recipients add constraint campaign_recipients_phone_check
    check (phone ~ '^\+[1-9][0-9]{7,14}$' or phone ~ '^sim-[A-Za-z0-9-]{16,64}$');
