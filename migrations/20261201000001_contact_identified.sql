-- The bot identified the customer through the ERP: the contact got the ERP's name, CPF and
-- customer id (kept in contacts.attributes->'erp' with where they came from).
alter type conversation_event_kind add value 'identified';
