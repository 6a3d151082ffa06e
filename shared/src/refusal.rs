//! Why an action was refused: one typed reason per rule, with its pt-BR sentence here and
//! nowhere else. Carried by [`crate::error::AppError::Refused`] (HTTP 409, code `action_refused`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    // Demo simulator.
    DemoSessionInvalid,
    DemoMessageEmpty,
    DemoMessageTooLong {
        max: usize,
    },
    // Inbox.
    InboxWindowsOutOfRange,
    SearchTooLong {
        max: usize,
    },
    TransferNoteTooLong {
        max: usize,
    },
    AgentInactive,
    TransferTargetMissing,
    TeamNotFound,
    ClosingMessageTooLong {
        max: usize,
    },
    /// The schedule's own sentence (shared::hours::HoursError).
    BusinessHoursInvalid {
        detail: String,
    },
    TimeZoneUnknown {
        zone: String,
    },
    OtherConversationOpenOnChannel,
    ChannelUnavailable,
    IdentityBelongsToOtherContact,
    ContactHasNoIdentityOnChannel,
    // Saved replies.
    CannedShortcutInvalid,
    CannedTitleInvalid,
    CannedTextInvalid,
    CannedShortcutTaken {
        shortcut: String,
    },
    // Templates.
    WabaIdMissing,
    ChannelTokenMissing,
    MetaRefused {
        status: String,
    },
    TemplateParametersMissing {
        count: usize,
    },
    TemplateNotApproved,
    // Attachments.
    AttachmentNameMissing,
    AttachmentNotFound,
    // Channels and flows.
    FlowMissing {
        key: String,
    },
    FlowFileInvalid {
        detail: String,
    },
    FlowKeyInvalid,
    FlowHasProblems {
        problems: Vec<String>,
    },
    // ERP connector and bot settings.
    ErpUrlInvalid,
    ErpSecretRetypeRequired,
    FirstRunDone,
    DemoLocked {
        what: String,
    },
    PasswordsDiffer,
    DemoOnly,
    CpfSearchNotAllowed,
    ApiTokenScopesMissing,
    ApiScopeUnknown {
        scope: String,
    },
    FirstRunLinkInvalid,
    ErpTimeoutOutOfRange,
    ErpAuthHeaderInvalid,
    ErpPathInvalid {
        operation: String,
    },
    ErpMappingInvalid {
        operation: String,
    },
    BotInactivityOutOfRange,
    MockErpInjectionOutOfRange,
    ErpTestCpfMissing,
    ConversationTaken,
    ContinueAgentMissing,
    FlowDraftStale {
        revision: i32,
    },
    FlowKeyMismatch,
    FlowVersionMissing {
        version: i32,
    },
    FlowNoteTooLong {
        max: usize,
    },
    FlowNameInvalid,
    FlowTemplateUnknown,
    FlowRunsOnChannel {
        channel: String,
    },
    AnalyticsPeriodInvalid {
        max_days: i64,
    },
    TemplateInvalid {
        problems: Vec<String>,
    },
    TemplateChannelAmbiguous,
    TestContactInvalid {
        phone: String,
    },
    TestContactsTooMany {
        max: usize,
    },
    FlowArchived {
        key: String,
    },
    /// A campaign that cannot be made as asked: every problem, in pt-BR.
    CampaignInvalid {
        problems: Vec<String>,
    },
    /// A contact's tags break the rules (`campaign::segment::normalize_tag`): every problem.
    ContactTagsInvalid {
        problems: Vec<String>,
    },
    /// Configurações → Campanhas that break the rules (`campaign::rules`): every problem.
    CampaignSettingsInvalid {
        problems: Vec<String>,
    },
    /// The pre-flight refused the launch: every reason, in pt-BR.
    CampaignPreflightFailed {
        problems: Vec<String>,
    },
    /// A pause, resume, start or cancel the campaign's status does not allow.
    CampaignStatusConflict {
        message: String,
    },
}

impl Refusal {
    /// The pt-BR sentence shown to the person who tried.
    pub fn message(&self) -> String {
        use Refusal::*;
        match self {
            DemoSessionInvalid => "Sessão de demonstração inválida: recarregue a página.".into(),
            DemoMessageEmpty => "Escreva uma mensagem.".into(),
            DemoMessageTooLong { max } => {
                format!("Mensagem longa demais para a demonstração (até {max} caracteres).")
            }
            InboxWindowsOutOfRange => {
                "Use até 30 dias para reabrir e até 24 horas de tolerância offline.".into()
            }
            SearchTooLong { max } => format!("A busca aceita até {max} caracteres."),
            TransferNoteTooLong { max } => {
                format!("A nota de transferência aceita até {max} caracteres.")
            }
            ClosingMessageTooLong { max } => {
                format!("A mensagem de encerramento aceita até {max} caracteres.")
            }
            BusinessHoursInvalid { detail } => detail.clone(),
            TimeZoneUnknown { zone } => {
                format!("Fuso horário desconhecido: {zone}. Use um nome como America/Sao_Paulo.")
            }
            AgentInactive => "Este atendente não está ativo.".into(),
            TransferTargetMissing => "Escolha uma equipe ou um atendente.".into(),
            TeamNotFound => "Equipe não encontrada.".into(),
            OtherConversationOpenOnChannel => {
                "O cliente já tem outra conversa aberta neste canal: continue por ela.".into()
            }
            ChannelUnavailable => "Canal indisponível.".into(),
            IdentityBelongsToOtherContact => {
                "Este número de WhatsApp pertence a outro contato: mescle os contatos antes.".into()
            }
            ContactHasNoIdentityOnChannel => "O contato não tem identificação neste canal.".into(),
            CannedShortcutInvalid => {
                "O atalho deve ter de 1 a 32 letras sem acento, números, - ou _.".into()
            }
            CannedTitleInvalid => "Informe um título de até 80 caracteres.".into(),
            CannedTextInvalid => "Informe um texto de até 4096 caracteres.".into(),
            CannedShortcutTaken { shortcut } => {
                format!("Já existe uma resposta com o atalho /{shortcut}.")
            }
            WabaIdMissing => "Informe o ID da conta do WhatsApp Business no canal.".into(),
            ChannelTokenMissing => "Canal sem token de acesso configurado.".into(),
            MetaRefused { status } => format!("A Meta recusou a consulta: {status}"),
            TemplateParametersMissing { count } => {
                format!("Preencha os {count} parâmetros do modelo.")
            }
            TemplateNotApproved => "Modelo não encontrado ou não aprovado.".into(),
            AttachmentNameMissing => "Informe o nome do arquivo.".into(),
            AttachmentNotFound => "O anexo não foi encontrado: envie o arquivo de novo.".into(),
            FlowMissing { key } => format!("O fluxo \"{key}\" não existe."),
            FlowFileInvalid { detail } => format!("O arquivo não é um fluxo válido: {detail}"),
            FlowKeyInvalid => {
                "A chave do fluxo deve ter de 1 a 64 letras minúsculas, números, - ou _.".into()
            }
            FlowHasProblems { problems } => {
                format!("O fluxo tem problemas: {}", problems.join(" "))
            }
            ErpUrlInvalid => "A URL do ERP deve começar com http:// ou https://.".into(),
            PasswordsDiffer => "As duas senhas não conferem.".into(),
            ApiTokenScopesMissing => "Escolha ao menos um escopo para o token.".into(),
            ApiScopeUnknown { scope } => format!("Escopo desconhecido: \"{scope}\". Use read, conversations, contacts, flows, campaigns, reports ou admin."),
            CpfSearchNotAllowed => "Seu papel não permite buscar por CPF completo. Busque pelo nome ou telefone, ou peça a um supervisor.".into(),
            DemoOnly => "Isto só existe no modo demonstração.".into(),
            DemoLocked { what } => format!("Na demonstração, contas de demonstração não podem {what}: assim a próxima pessoa encontra tudo como estava. Numa instalação própria, é só entrar como administrador."),
            FirstRunDone => "A plataforma já tem um administrador. Entre com a sua conta.".into(),
            FirstRunLinkInvalid => "Este link de primeiro acesso é inválido ou expirou. Reinicie o servidor para que ele mostre um novo no log.".into(),
            ErpSecretRetypeRequired => "O endereço do ERP mudou: digite de novo o valor do cabeçalho de autenticação. A chave salva só é enviada ao endereço para o qual foi salva.".into(),
            ErpTimeoutOutOfRange => "O tempo limite deve ficar entre 100 e 60000 ms.".into(),
            ErpAuthHeaderInvalid => {
                "O nome do cabeçalho de autenticação só pode ter letras, números e hífens.".into()
            }
            ErpPathInvalid { operation } => {
                format!("O caminho de \"{operation}\" deve começar com /.")
            }
            ErpMappingInvalid { operation } => format!(
                "O mapeamento de \"{operation}\" deve ser um objeto JSON de textos, como {{\"nome\": \"dados.nome\"}}."
            ),
            BotInactivityOutOfRange => {
                "Os tempos de inatividade devem ficar entre 1 e 1440 minutos.".into()
            }
            MockErpInjectionOutOfRange => "Falhas de 0 a 100% e latência de até 60000 ms.".into(),
            ErpTestCpfMissing => "Informe um CPF com 11 dígitos para o teste.".into(),
            ConversationTaken => {
                "Esta conversa já está com outro atendente: para passá-la adiante, use atribuir ou transferir.".into()
            }
            FlowDraftStale { revision } => format!("O rascunho mudou desde que você o abriu (agora na revisão {revision}): recarregue para ver a versão atual, ou guarde uma cópia das suas alterações."),
            FlowKeyMismatch => "A chave do fluxo enviado não é a do endereço.".into(),
            FlowVersionMissing { version } => format!("Este fluxo não tem a versão {version}."),
            FlowNoteTooLong { max } => format!("A nota da publicação aceita até {max} caracteres."),
            FlowNameInvalid => "Dê ao fluxo um nome de 1 a 120 caracteres.".into(),
            FlowTemplateUnknown => "Modelo de fluxo desconhecido.".into(),
            FlowRunsOnChannel { channel } => format!("O canal \"{channel}\" atende com este fluxo: escolha outro fluxo para o canal antes de arquivar."),
            TestContactInvalid { phone } => format!("\"{phone}\" não é um número de telefone: use o DDD e o número, como (11) 99999-0001, ou +55…"),
            TestContactsTooMany { max } => format!("Cadastre no máximo {max} contatos de teste."),
            TemplateInvalid { problems } => format!("O modelo não segue as regras da Meta: {}", problems.join(" ")),
            TemplateChannelAmbiguous => "Há mais de um canal de WhatsApp: informe channel_id.".into(),
            AnalyticsPeriodInvalid { max_days } => format!("Escolha um período com o início antes do fim e de até {max_days} dias."),
            CampaignInvalid { problems } => format!("A campanha não pode ser criada: {}", problems.join(" ")),
            ContactTagsInvalid { problems } => format!("Etiquetas inválidas: {}", problems.join(" ")),
            CampaignSettingsInvalid { problems } => problems.join(" "),
            CampaignPreflightFailed { problems } => format!("A campanha não pode começar: {}", problems.join(" ")),
            CampaignStatusConflict { message } => message.clone(),
            FlowArchived { key } => format!("O fluxo \"{key}\" está arquivado: restaure-o antes de usá-lo num canal."),
            ContinueAgentMissing => {
                "Informe o atendente que continua a conversa (ela não está com ninguém).".into()
            }
        }
    }
}

/// On the wire a refusal carries its reason, its parameters and its pt-BR sentence
/// (`{"reason": "flow_missing", "key": "x", "message": "O fluxo \"x\" não existe."}`), so a
/// client that does not know the reason still has the sentence to show.
pub mod wire {
    use super::Refusal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(refusal: &Refusal, s: S) -> Result<S::Ok, S::Error> {
        let mut value = serde_json::to_value(refusal).map_err(serde::ser::Error::custom)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("message".into(), refusal.message().into());
        }
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Refusal, D::Error> {
        let mut value = serde_json::Value::deserialize(d)?;
        if let Some(map) = value.as_object_mut() {
            map.remove("message");
        }
        serde_json::from_value(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_appear_in_the_sentence() {
        assert_eq!(
            Refusal::CannedShortcutTaken {
                shortcut: "boleto".into()
            }
            .message(),
            "Já existe uma resposta com o atalho /boleto."
        );
        assert!(Refusal::ErpMappingInvalid {
            operation: "Cliente por CPF".into()
        }
        .message()
        .contains("{\"nome\": \"dados.nome\"}"));
    }

    #[test]
    fn the_wire_form_carries_the_sentence_and_reads_back() {
        let error = crate::error::AppError::Refused(Refusal::FlowMissing { key: "x".into() });
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["Refused"]["reason"], "flow_missing");
        assert_eq!(json["Refused"]["message"], "O fluxo \"x\" não existe.");
        let back: crate::error::AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, error);
        let unit = crate::error::AppError::Refused(Refusal::TeamNotFound);
        let back: crate::error::AppError =
            serde_json::from_value(serde_json::to_value(&unit).unwrap()).unwrap();
        assert_eq!(back, unit);
    }

    #[test]
    fn reasons_travel_as_tagged_json() {
        let json = serde_json::to_value(Refusal::SearchTooLong { max: 200 }).unwrap();
        assert_eq!(json["reason"], "search_too_long");
        let back: Refusal = serde_json::from_value(json).unwrap();
        assert_eq!(back.message(), "A busca aceita até 200 caracteres.");
    }
}
