//! What an administrator may set in Configurações → Campanhas, checked the same way for the
//! form and the REST API: every problem at once, in pt-BR; opt-out words tidied.

use super::model::CampaignSettings;
use crate::hours::HoursError;

/// Meta's messaging-limit tiers (unique recipients per rolling 24 h outside the service
/// window), with 0 for an unlimited portfolio: what the form offers.
pub const MESSAGING_TIERS: [i64; 5] = [250, 2_000, 10_000, 100_000, 0];

/// The highest price per delivered template the settings accept, in BRL.
pub const MAX_PRICE_BRL: f64 = 100.0;

/// The highest per-contact cap (templates per rolling 24 h).
pub const MAX_FREQUENCY_CAP: i64 = 50;

/// Opt-out words per list, at most, and characters per word.
pub const MAX_WORDS: usize = 60;
pub const MAX_WORD_CHARS: usize = 60;

/// "Ilimitado" or the tier with a thousands separator.
pub fn tier_label(tier: i64) -> String {
    if tier <= 0 {
        return "Ilimitado".into();
    }
    let digits = tier.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} por 24 h")
}

fn words(list: &[String], what: &str, problems: &mut Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for word in list {
        let word = word.trim().to_lowercase();
        if word.is_empty() || kept.contains(&word) {
            continue;
        }
        if word.chars().count() > MAX_WORD_CHARS {
            problems.push(format!(
                "{what}: \"{}…\" passa de {MAX_WORD_CHARS} caracteres.",
                word.chars().take(20).collect::<String>()
            ));
            continue;
        }
        kept.push(word);
    }
    if kept.len() > MAX_WORDS {
        problems.push(format!("{what}: use até {MAX_WORDS} palavras ou frases."));
    }
    kept
}

fn price(value: f64, what: &str, problems: &mut Vec<String>) {
    if !value.is_finite() || !(0.0..=MAX_PRICE_BRL).contains(&value) {
        problems.push(format!(
            "O preço por modelo de {what} entregue deve estar entre R$ 0,00 e R$ 100,00."
        ));
    }
}

impl CampaignSettings {
    /// The settings as they will be stored (opt-out words trimmed, in lower case, without
    /// repeats), or every problem found.
    pub fn checked(mut self) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        if self.messaging_limit < 0 {
            problems.push(
                "O limite de mensagens da Meta deve ser 0 (ilimitado) ou um número positivo."
                    .into(),
            );
        }
        price(self.price_marketing_brl, "marketing", &mut problems);
        price(self.price_utility_brl, "utilidade", &mut problems);
        if !(0..=MAX_FREQUENCY_CAP).contains(&self.frequency_cap_24h) {
            problems.push(format!(
                "O limite por contato deve ficar entre 0 (sem limite) e {MAX_FREQUENCY_CAP} modelos em 24 h."
            ));
        }
        match self.window.hours.validate() {
            Ok(()) => {}
            Err(HoursError::NoDay) => {
                problems.push("Marque ao menos um dia da semana para os envios.".into())
            }
            Err(e) => problems.push(format!("Janela de envio — {e}")),
        }
        self.opt_out.always = words(&self.opt_out.always, "Palavras de saída", &mut problems);
        self.opt_out.after_marketing = words(
            &self.opt_out.after_marketing,
            "Palavras de saída após marketing",
            &mut problems,
        );
        if self.opt_out.always.is_empty() {
            problems.push(
                "Informe ao menos uma palavra de saída (como \"parar\"): a LGPD exige um jeito simples de sair."
                    .into(),
            );
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::Span;

    #[test]
    fn the_defaults_pass_and_words_are_tidied() {
        assert_eq!(
            CampaignSettings::default().checked(),
            Ok(CampaignSettings::default())
        );
        let mut s = CampaignSettings::default();
        s.opt_out.always = vec![
            " PARAR ".into(),
            "parar".into(),
            "".into(),
            "Não quero".into(),
        ];
        let checked = s.checked().unwrap();
        assert_eq!(checked.opt_out.always, vec!["parar", "não quero"]);
    }

    #[test]
    fn every_problem_is_told_at_once() {
        let mut s = CampaignSettings {
            messaging_limit: -1,
            price_marketing_brl: f64::NAN,
            price_utility_brl: 101.0,
            frequency_cap_24h: 51,
            ..Default::default()
        };
        s.opt_out.always = vec!["  ".into()];
        s.window.hours.days = [None; 7];
        let problems = s.checked().unwrap_err();
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(problems[0].contains("limite de mensagens"));
        assert!(problems[1].contains("marketing"));
        assert!(problems[2].contains("utilidade"));
        assert!(problems[3].contains("entre 0 (sem limite) e 50"));
        assert_eq!(
            problems[4],
            "Marque ao menos um dia da semana para os envios."
        );
        assert!(problems[5].contains("ao menos uma palavra de saída"));
    }

    #[test]
    fn a_window_that_closes_before_it_opens_is_refused_with_its_day() {
        let mut s = CampaignSettings::default();
        s.window.hours.days[0] = Some(Span {
            opens: 20 * 60,
            closes: 8 * 60,
        });
        let problems = s.checked().unwrap_err();
        assert_eq!(
            problems,
            vec!["Janela de envio — Horário de segunda-feira: o fechamento deve ser depois da abertura."]
        );
    }

    #[test]
    fn tiers_read_as_people_say_them() {
        assert_eq!(tier_label(2_000), "2.000 por 24 h");
        assert_eq!(tier_label(100_000), "100.000 por 24 h");
        assert_eq!(tier_label(250), "250 por 24 h");
        assert_eq!(tier_label(0), "Ilimitado");
    }
}
