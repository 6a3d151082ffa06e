//! What each of Meta's send errors means for a campaign: try the recipient again later, give
//! up on the recipient, stop marketing to them for good, or pause the whole campaign (or every
//! campaign on the number) with the reason shown. Decided by the error's code, never its title
//! (Meta is deprecating titles).

use serde::{Deserialize, Serialize};

/// What the sender does after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ErrorAction {
    /// Try this recipient again after `seconds` (at the earliest); not the recipient's fault.
    Retry { seconds: u32 },
    /// The number's rate was exceeded: slow the number down and try again.
    SlowDown,
    /// Give up on this recipient for this campaign.
    FailRecipient,
    /// The recipient stopped marketing from this business: suppress them everywhere.
    Suppress,
    /// Stop the campaign until an administrator acts (or a webhook says it is fixed).
    PauseCampaign,
    /// Stop every campaign on the number or account.
    PauseNumber,
}

/// One of Meta's error codes, its meaning in pt-BR and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetaError {
    pub code: u32,
    pub meaning: &'static str,
    pub action: ErrorAction,
}

const TABLE: &[MetaError] = &[
    MetaError {
        code: 130429,
        meaning: "Limite de envios por segundo do número excedido",
        action: ErrorAction::SlowDown,
    },
    MetaError {
        code: 131056,
        meaning: "Muitas mensagens seguidas para o mesmo cliente",
        action: ErrorAction::Retry { seconds: 6 },
    },
    MetaError {
        code: 131057,
        meaning: "Número em manutenção na Meta",
        action: ErrorAction::Retry { seconds: 60 },
    },
    MetaError {
        code: 131049,
        meaning: "A Meta limitou as mensagens de marketing a este cliente (tente em 24 horas)",
        action: ErrorAction::FailRecipient,
    },
    MetaError {
        code: 130472,
        meaning: "Cliente em grupo de teste de marketing da Meta",
        action: ErrorAction::FailRecipient,
    },
    MetaError {
        code: 131050,
        meaning: "O cliente pediu para não receber marketing desta empresa",
        action: ErrorAction::Suppress,
    },
    MetaError {
        code: 131026,
        meaning: "Mensagem não entregável (número sem WhatsApp ou app desatualizado)",
        action: ErrorAction::FailRecipient,
    },
    MetaError {
        code: 131047,
        meaning: "Fora da janela de 24 horas: só modelos aprovados podem ser enviados",
        action: ErrorAction::FailRecipient,
    },
    MetaError {
        code: 131048,
        meaning: "Número restrito por denúncias de spam",
        action: ErrorAction::PauseNumber,
    },
    MetaError {
        code: 131042,
        meaning: "Problema de pagamento na conta do WhatsApp Business",
        action: ErrorAction::PauseNumber,
    },
    MetaError {
        code: 131031,
        meaning: "Conta do WhatsApp Business bloqueada",
        action: ErrorAction::PauseNumber,
    },
    MetaError {
        code: 368,
        meaning: "Conta bloqueada temporariamente por violar políticas",
        action: ErrorAction::PauseNumber,
    },
    MetaError {
        code: 130497,
        meaning: "A conta não pode enviar para este país",
        action: ErrorAction::FailRecipient,
    },
    MetaError {
        code: 132000,
        meaning: "Quantidade de parâmetros diferente da do modelo",
        action: ErrorAction::PauseCampaign,
    },
    MetaError {
        code: 132001,
        meaning: "Modelo inexistente neste idioma ou não aprovado",
        action: ErrorAction::PauseCampaign,
    },
    MetaError {
        code: 132005,
        meaning: "Texto do modelo longo demais depois de preenchido",
        action: ErrorAction::FailRecipient,
    },
    MetaError {
        code: 132007,
        meaning: "Parâmetro com caracteres não permitidos",
        action: ErrorAction::FailRecipient,
    },
    MetaError {
        code: 132012,
        meaning: "Formato de parâmetro diferente do modelo",
        action: ErrorAction::PauseCampaign,
    },
    MetaError {
        code: 132015,
        meaning: "Modelo pausado pela Meta por baixa qualidade",
        action: ErrorAction::PauseCampaign,
    },
    MetaError {
        code: 132016,
        meaning: "Modelo desativado pela Meta",
        action: ErrorAction::PauseCampaign,
    },
    MetaError {
        code: 4,
        meaning: "Limite de chamadas da API da Meta atingido",
        action: ErrorAction::Retry { seconds: 60 },
    },
    MetaError {
        code: 80007,
        meaning: "Limite de chamadas da conta na API da Meta atingido",
        action: ErrorAction::Retry { seconds: 60 },
    },
    MetaError {
        code: 131000,
        meaning: "Erro desconhecido na Meta",
        action: ErrorAction::Retry { seconds: 30 },
    },
    MetaError {
        code: 2,
        meaning: "Serviço da Meta indisponível no momento",
        action: ErrorAction::Retry { seconds: 30 },
    },
];

/// What an error code means and what to do. Unknown codes in the template range pause the
/// campaign; other unknown ones fail the recipient (a wrong guess never sends twice).
pub fn classify(code: u32) -> MetaError {
    if let Some(e) = TABLE.iter().find(|e| e.code == code) {
        return *e;
    }
    match code {
        132000..=132099 => MetaError {
            code,
            meaning: "Problema no modelo da mensagem",
            action: ErrorAction::PauseCampaign,
        },
        _ => MetaError {
            code,
            meaning: "Erro da Meta não identificado",
            action: ErrorAction::FailRecipient,
        },
    }
}

/// The codes of errors that pass with time (a rate, an outage, Meta's 24-hour marketing cap
/// per customer): "reenviar só as falhas temporárias" sends those again.
pub fn temporary_codes() -> Vec<u32> {
    TABLE
        .iter()
        .filter(|e| {
            matches!(e.action, ErrorAction::Retry { .. } | ErrorAction::SlowDown)
                || e.code == 131049
        })
        .map(|e| e.code)
        .collect()
}

/// Meta's advice for 131056: wait 4^attempt seconds (1, 4, 16, 64…), at most an hour.
pub fn pair_rate_backoff(attempt: u32) -> u32 {
    4u32.saturating_pow(attempt.min(6)).min(3600)
}

/// A transport failure (timeout, connection reset) after the request may have reached Meta:
/// the recipient's state is unknown, and only the status webhooks may settle it. Never resent.
pub const UNKNOWN_OUTCOME: &str =
    "Sem resposta da Meta: aguardando a confirmação pelo webhook de status";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_errors_are_sent_again() {
        let t = temporary_codes();
        assert!(t.contains(&130429) && t.contains(&131056) && t.contains(&131049));
        assert!(!t.contains(&131026) && !t.contains(&131050) && !t.contains(&132015));
    }

    #[test]
    fn each_kind_of_error_has_its_action() {
        assert_eq!(classify(130429).action, ErrorAction::SlowDown);
        assert_eq!(classify(131050).action, ErrorAction::Suppress);
        assert_eq!(classify(131026).action, ErrorAction::FailRecipient);
        assert_eq!(classify(131048).action, ErrorAction::PauseNumber);
        assert_eq!(classify(132015).action, ErrorAction::PauseCampaign);
        assert_eq!(classify(131056).action, ErrorAction::Retry { seconds: 6 });
    }

    #[test]
    fn unknown_codes_are_handled_without_ever_retrying_blindly() {
        assert_eq!(classify(132099).action, ErrorAction::PauseCampaign);
        assert_eq!(classify(999_999).action, ErrorAction::FailRecipient);
        assert!(classify(999_999).meaning.contains("não identificado"));
    }

    #[test]
    fn every_meaning_is_a_portuguese_sentence_and_codes_are_unique() {
        let mut codes: Vec<u32> = TABLE.iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), TABLE.len());
        assert!(TABLE
            .iter()
            .all(|e| e.meaning.chars().next().unwrap().is_uppercase()));
    }

    #[test]
    fn the_pair_rate_backoff_grows_by_four_and_stops_at_an_hour() {
        assert_eq!(
            (0..4).map(pair_rate_backoff).collect::<Vec<_>>(),
            [1, 4, 16, 64]
        );
        assert_eq!(pair_rate_backoff(30), 3600);
    }
}
