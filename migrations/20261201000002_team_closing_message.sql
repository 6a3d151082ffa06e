-- What the customer is told when an agent resolves the conversation, per team; empty: nothing.
alter table teams add column closing_message text not null
    default 'Seu atendimento foi encerrado. Obrigado pelo contato! Se precisar de algo mais, é só mandar uma nova mensagem por aqui. 💙'
    check (char_length(closing_message) <= 1000);
