//! A campaign's audience from the contacts already in the platform: a filter over the channel
//! they talked on, their tags, their custom attributes and their last message, written out as
//! the CSV every audience becomes (so validation, variables and the report are the same as a
//! file's). Also the rules of a contact's tags.

use crate::ChannelId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// At most this many tags on one contact.
pub const MAX_TAGS: usize = 20;
/// At most this many characters in a tag.
pub const MAX_TAG_CHARS: usize = 32;
/// The filter's day counts go up to ten years.
const MAX_DAYS: u32 = 3650;

/// A tag as stored: trimmed, in lower case, its inner spaces as `-`; letters (accents
/// included), digits, `-` and `_` only. "Cliente VIP" → `cliente-vip`.
pub fn normalize_tag(raw: &str) -> Result<String, String> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let tag = words.join("-").to_lowercase();
    if tag.is_empty() {
        return Err("Uma etiqueta não pode ficar vazia.".into());
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(format!(
            "A etiqueta \"{tag}\" passa de {MAX_TAG_CHARS} caracteres."
        ));
    }
    if let Some(bad) = tag
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "A etiqueta \"{tag}\" tem \"{bad}\": use letras, números, - e _."
        ));
    }
    Ok(tag)
}

/// A contact's tags: each normalised, duplicates removed, sorted; every problem at once.
pub fn normalize_tags(raw: &[String]) -> Result<Vec<String>, Vec<String>> {
    let mut problems = Vec::new();
    let mut tags = BTreeSet::new();
    for t in raw {
        match normalize_tag(t) {
            Ok(t) => {
                tags.insert(t);
            }
            Err(p) => problems.push(p),
        }
    }
    if tags.len() > MAX_TAGS {
        problems.push(format!("Um contato tem no máximo {MAX_TAGS} etiquetas."));
    }
    if problems.is_empty() {
        Ok(tags.into_iter().collect())
    } else {
        Err(problems)
    }
}

/// Which contacts a campaign goes to. Every condition given must hold; contacts without a
/// phone number are never in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContactFilter {
    /// Contacts who have talked on this channel (any kind: one who wrote on Instagram and
    /// left a phone number can get a WhatsApp template).
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// Contacts with every one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom attributes equal to these values, exactly as stored (e.g. `{"bairro": "Centro"}`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Contacts whose last message came in the last N days.
    #[serde(default)]
    pub active_within_days: Option<u32>,
    /// Contacts who have not written for N days or more (never written included).
    #[serde(default)]
    pub inactive_for_days: Option<u32>,
}

impl ContactFilter {
    /// The filter as queried: tags normalised, attribute names and values trimmed; every
    /// problem, in pt-BR.
    pub fn checked(&self) -> Result<ContactFilter, Vec<String>> {
        let mut problems = Vec::new();
        let tags = normalize_tags(&self.tags).unwrap_or_else(|p| {
            problems.extend(p);
            Vec::new()
        });
        let mut attributes = BTreeMap::new();
        for (k, v) in &self.attributes {
            let key = k.trim();
            if key.is_empty() {
                problems.push("Um atributo do filtro está sem nome.".into());
            } else {
                attributes.insert(key.to_owned(), v.trim().to_owned());
            }
        }
        let mut days_valid = true;
        for (days, what) in [
            (self.active_within_days, "A última mensagem"),
            (self.inactive_for_days, "O tempo sem mensagens"),
        ] {
            if matches!(days, Some(d) if d == 0 || d > MAX_DAYS) {
                problems.push(format!("{what} deve ser de 1 a {MAX_DAYS} dias."));
                days_valid = false;
            }
        }
        if let (Some(a), Some(i), true) =
            (self.active_within_days, self.inactive_for_days, days_valid)
        {
            if i >= a {
                problems.push(format!(
                    "Ninguém escreveu nos últimos {a} dias e está há {i} dias sem escrever."
                ));
            }
        }
        if problems.is_empty() {
            Ok(ContactFilter {
                channel_id: self.channel_id,
                tags,
                attributes,
                active_within_days: self.active_within_days,
                inactive_for_days: self.inactive_for_days,
            })
        } else {
            Err(problems)
        }
    }

    /// The filter in words, for the wizard and the campaign's page: "com as etiquetas
    /// adimplente · bairro = Centro · escreveram nos últimos 30 dias".
    pub fn describe(&self, channel_name: Option<&str>) -> String {
        let mut parts = Vec::new();
        if self.channel_id.is_some() {
            parts.push(format!(
                "conversaram pelo canal {}",
                channel_name.unwrap_or("escolhido")
            ));
        }
        match self.tags.len() {
            0 => {}
            1 => parts.push(format!("com a etiqueta {}", self.tags[0])),
            _ => parts.push(format!("com as etiquetas {}", self.tags.join(", "))),
        }
        parts.extend(self.attributes.iter().map(|(k, v)| format!("{k} = {v}")));
        if let Some(d) = self.active_within_days {
            parts.push(format!("escreveram nos últimos {d} dias"));
        }
        if let Some(d) = self.inactive_for_days {
            parts.push(format!("sem escrever há {d} dias ou mais"));
        }
        if parts.is_empty() {
            "todos os contatos com telefone".into()
        } else {
            parts.join(" · ")
        }
    }
}

/// The wizard's attribute conditions, one `nome = valor` per line (blank lines ignored); each
/// line without `=` is a problem, by its number.
pub fn attribute_lines(text: &str) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                out.insert(k.trim().to_owned(), v.trim().to_owned());
            }
            _ => problems.push(format!(
                "Linha {} dos atributos: escreva nome = valor.",
                i + 1
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// What a contact filter picked, as the wizard shows it before the campaign is made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentPreview {
    /// The filter in words ([`ContactFilter::describe`]).
    pub description: String,
    /// Contacts with a phone number: the audience.
    pub matching: i64,
    /// Contacts the filter picks that have no phone number, left out.
    pub without_phone: i64,
    /// The audience file ([`contacts_csv`]).
    pub csv: String,
}

/// A contact as a filtered audience takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentContact {
    pub name: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub cpf: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// A CSV field, quoted when it must be (the audience reader's own rules).
pub fn csv_field(v: &str) -> String {
    if v.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

/// The contacts as an audience file: `nome;telefone;email;cpf` and one column per custom
/// attribute any of them has (in lower case; an attribute named like a standard column is
/// left to the standard one), so `{{nome}}`, `{{bairro}}` bind like a spreadsheet's columns.
pub fn contacts_csv(contacts: &[SegmentContact]) -> String {
    const STANDARD: [&str; 4] = ["nome", "telefone", "email", "cpf"];
    let extra: BTreeSet<String> = contacts
        .iter()
        .flat_map(|c| c.attributes.keys())
        .map(|k| k.trim().to_lowercase())
        .filter(|k| !k.is_empty() && !STANDARD.contains(&k.as_str()))
        .collect();
    let mut out: String = STANDARD
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().map(|k| csv_field(k)))
        .collect::<Vec<_>>()
        .join(";");
    out.push('\n');
    for c in contacts {
        let lowered: BTreeMap<String, &str> = c
            .attributes
            .iter()
            .map(|(k, v)| (k.trim().to_lowercase(), v.as_str()))
            .collect();
        let line: Vec<String> = [
            c.name.as_deref().unwrap_or(""),
            c.phone.as_str(),
            c.email.as_deref().unwrap_or(""),
            c.cpf.as_deref().unwrap_or(""),
        ]
        .into_iter()
        .map(csv_field)
        .chain(
            extra
                .iter()
                .map(|k| csv_field(lowered.get(k).copied().unwrap_or(""))),
        )
        .collect();
        out.push_str(&line.join(";"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::audience;

    #[test]
    fn tags_are_lower_case_with_dashes_and_refuse_punctuation() {
        assert_eq!(normalize_tag("  Cliente   VIP ").unwrap(), "cliente-vip");
        assert_eq!(
            normalize_tag("Inadimplência_2026").unwrap(),
            "inadimplência_2026"
        );
        assert!(normalize_tag("   ").unwrap_err().contains("vazia"));
        assert!(normalize_tag("a,b").unwrap_err().contains("\",\""));
        assert!(normalize_tag(&"x".repeat(33)).unwrap_err().contains("32"));
        let tags = normalize_tags(&["VIP".into(), "vip".into(), "Bairro Centro".into()]).unwrap();
        assert_eq!(tags, ["bairro-centro", "vip"]);
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(normalize_tags(&many).unwrap_err().len(), 1);
    }

    #[test]
    fn a_filter_is_checked_all_at_once_and_described_in_portuguese() {
        let filter = ContactFilter {
            tags: vec!["Cliente VIP".into()],
            attributes: [(" bairro ".to_owned(), " Centro ".to_owned())].into(),
            active_within_days: Some(30),
            ..Default::default()
        };
        let checked = filter.checked().unwrap();
        assert_eq!(checked.tags, ["cliente-vip"]);
        assert_eq!(checked.attributes["bairro"], "Centro");
        assert_eq!(
            checked.describe(None),
            "com a etiqueta cliente-vip · bairro = Centro · escreveram nos últimos 30 dias"
        );
        assert_eq!(
            ContactFilter::default().describe(None),
            "todos os contatos com telefone"
        );
        let wrong = ContactFilter {
            tags: vec!["a;b".into()],
            attributes: [(" ".to_owned(), "x".to_owned())].into(),
            active_within_days: Some(0),
            inactive_for_days: Some(4000),
            ..Default::default()
        };
        assert_eq!(wrong.checked().unwrap_err().len(), 4);
        let impossible = ContactFilter {
            active_within_days: Some(10),
            inactive_for_days: Some(30),
            ..Default::default()
        };
        assert!(impossible.checked().unwrap_err()[0].contains("Ninguém"));
    }

    #[test]
    fn attribute_lines_are_name_equals_value() {
        let attrs = attribute_lines("bairro = Centro\n\n plano=Ouro = 2 \n").unwrap();
        assert_eq!(attrs["bairro"], "Centro");
        assert_eq!(attrs["plano"], "Ouro = 2");
        assert_eq!(
            attribute_lines("bairro\n= x").unwrap_err(),
            [
                "Linha 1 dos atributos: escreva nome = valor.",
                "Linha 2 dos atributos: escreva nome = valor."
            ]
        );
    }

    #[test]
    fn contacts_become_an_audience_file_with_their_attributes_as_columns() {
        let contacts = [
            SegmentContact {
                name: Some("Maria Silva".into()),
                phone: "+5511987654321".into(),
                email: None,
                cpf: Some("11111111111".into()),
                attributes: [("Bairro".to_owned(), "Centro; Norte".to_owned())].into(),
            },
            SegmentContact {
                name: None,
                phone: "+5521998765432".into(),
                email: Some("joao@example.com".into()),
                cpf: None,
                attributes: [
                    ("plano".to_owned(), "Ouro".to_owned()),
                    ("nome".to_owned(), "ignorado".to_owned()),
                ]
                .into(),
            },
        ];
        let csv = contacts_csv(&contacts);
        let report = audience::from_csv(&csv, None).unwrap();
        assert_eq!(
            report.columns,
            ["nome", "telefone", "email", "cpf", "bairro", "plano"]
        );
        assert_eq!(report.rows.len(), 2);
        assert!(report.problems.is_empty());
        assert_eq!(report.rows[0].fields["bairro"], "Centro; Norte");
        assert_eq!(report.rows[0].fields["primeiro_nome"], "Maria");
        assert_eq!(report.rows[1].fields["plano"], "Ouro");
        assert_eq!(report.rows[1].fields["nome"], "");
    }
}
