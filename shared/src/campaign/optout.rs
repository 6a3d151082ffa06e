//! Opt-out by reply: "PARAR", "SAIR", "CANCELAR", "não quero mais"…, accents, case and
//! punctuation ignored. A reply opts out when it is one of the words (or phrases) and nothing
//! else, so "quero cancelar a fatura" does not; words the bot also uses ("sair" ends a chat)
//! opt out only as the answer to a marketing message.

use crate::flow::text::normalize;
use serde::{Deserialize, Serialize};

/// The words and phrases, configurable per installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OptOutWords {
    /// Opt out wherever they are said.
    pub always: Vec<String>,
    /// Opt out only right after a marketing message (the bot's "sair" ends a chat otherwise).
    pub after_marketing: Vec<String>,
}

impl Default for OptOutWords {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        Self {
            always: words(&[
                "parar",
                "pare",
                "stop",
                "descadastrar",
                "descadastre",
                "nao quero mais",
                "nao quero mais receber",
                "nao quero receber",
                "nao quero receber mensagens",
                "nao me mande mais mensagens",
                "remover",
                "me remova",
                "cancelar inscricao",
                "unsubscribe",
            ]),
            after_marketing: words(&["sair", "cancelar", "chega", "nao"]),
        }
    }
}

fn folded(text: &str) -> String {
    normalize(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl OptOutWords {
    /// Whether this reply asks for no more messages. `after_marketing`: the last message the
    /// customer received was a marketing template.
    pub fn matches(&self, reply: &str, after_marketing: bool) -> bool {
        let said = folded(reply);
        if said.is_empty() {
            return false;
        }
        let is = |w: &String| folded(w) == said;
        self.always.iter().any(is) || (after_marketing && self.after_marketing.iter().any(is))
    }

    /// Parses the settings form: one word or phrase per line, for each list.
    pub fn from_lines(always: &str, after_marketing: &str) -> Self {
        let lines = |t: &str| {
            t.lines()
                .map(folded)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        };
        Self {
            always: lines(always),
            after_marketing: lines(after_marketing),
        }
    }
}

/// What the customer is told once, when the opt-out is recorded.
pub const CONFIRMATION: &str = "Pronto! Você não vai mais receber nossas mensagens promocionais por aqui. Avisos sobre o seu atendimento continuam chegando. Se mudar de ideia, é só nos avisar por aqui.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_opt_out_whatever_the_accents_case_or_punctuation() {
        let w = OptOutWords::default();
        for reply in [
            "PARAR",
            "parar.",
            "  Pare!! ",
            "Não quero mais",
            "NAO QUERO MAIS!!!",
            "Descadastrar",
            "STOP",
        ] {
            assert!(w.matches(reply, false), "{reply}");
        }
    }

    #[test]
    fn a_sentence_that_only_contains_a_word_does_not() {
        let w = OptOutWords::default();
        for reply in [
            "quero cancelar a fatura",
            "como faço para parar o débito automático?",
            "não",
            "",
        ] {
            assert!(!w.matches(reply, false), "{reply}");
        }
    }

    #[test]
    fn the_bots_own_words_opt_out_only_as_the_answer_to_a_marketing_message() {
        let w = OptOutWords::default();
        assert!(!w.matches("SAIR", false));
        assert!(w.matches("SAIR", true));
        assert!(w.matches("Cancelar", true));
    }

    #[test]
    fn the_lists_are_configurable_one_per_line() {
        let w = OptOutWords::from_lines("Basta\n\nNão Me Perturbe\n", "tchau");
        assert!(w.matches("basta!", false));
        assert!(w.matches("nao me perturbe", false));
        assert!(!w.matches("parar", false));
        assert!(w.matches("Tchau", true));
    }
}
