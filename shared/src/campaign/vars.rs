//! A template's parameters filled per recipient: each parameter is bound to a contact field or
//! a CSV column, with a fallback for when the recipient's value is empty ("Olá, cliente!"
//! instead of "Olá, !"), and cleaned of what Meta refuses in a parameter (new lines, tabs,
//! more than four spaces in a row: error 132007).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// A CSV column or a contact field (`nome`, `primeiro_nome`, `telefone`, an ERP field…).
    pub source: String,
    /// Said when the recipient's value is empty.
    #[serde(default)]
    pub fallback: Option<String>,
}

impl Binding {
    /// `{{nome}}`, `{{nome | cliente}}`, or a text without braces, which is used as it is.
    pub fn parse(spec: &str) -> Binding {
        let spec = spec.trim();
        let Some(inner) = spec.strip_prefix("{{").and_then(|s| s.strip_suffix("}}")) else {
            return Binding {
                source: String::new(),
                fallback: Some(spec.to_owned()),
            };
        };
        let (source, fallback) = match inner.split_once('|') {
            Some((s, f)) => (
                s.trim(),
                Some(f.trim().to_owned()).filter(|f| !f.is_empty()),
            ),
            None => (inner.trim(), None),
        };
        Binding {
            source: source.to_owned(),
            fallback,
        }
    }
}

/// Why a recipient cannot be sent to with these bindings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarProblem {
    #[error("o parâmetro {param} ficaria vazio (\"{field}\" em branco e sem valor padrão)")]
    Empty { param: String, field: String },
}

/// Meta's rules for a parameter's text: no new line or tab, at most four spaces in a row.
pub fn clean(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut spaces = 0;
    for c in value.trim().chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' {
            spaces += 1;
            if spaces > 1 {
                continue;
            }
        } else {
            spaces = 0;
        }
        out.push(c);
    }
    out
}

/// The parameters' values for one recipient, by parameter (`1`, `2`… or a name), from the
/// recipient's fields; an empty value takes its fallback, and one left empty is a problem.
pub fn fill(
    bindings: &BTreeMap<String, Binding>,
    fields: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, VarProblem> {
    let mut out = BTreeMap::new();
    for (param, b) in bindings {
        let own = fields
            .get(&b.source)
            .map(|v| clean(v))
            .filter(|v| !v.is_empty());
        let value = own
            .or_else(|| b.fallback.as_deref().map(clean))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| VarProblem::Empty {
                param: param.clone(),
                field: b.source.clone(),
            })?;
        out.insert(param.clone(), value);
    }
    Ok(out)
}

/// The body's parameters of a template, in the order Meta expects them, and whether they are
/// named (`{{nome}}`) or positional (`{{1}}`).
pub fn body_params(body: &str) -> (Vec<String>, bool) {
    use crate::template::{params, Params};
    match params(body) {
        Ok(Params::Named(names)) => (names, true),
        Ok(Params::Positional(n)) => ((1..=n).map(|i| i.to_string()).collect(), false),
        _ => (Vec::new(), false),
    }
}

/// The template message for one recipient: its body's parameters filled from `values`.
pub fn template_message(
    name: &str,
    language: &str,
    body: &str,
    values: &BTreeMap<String, String>,
) -> crate::messaging::Outbound {
    use crate::messaging::{Outbound, TemplateComponent, TemplateParameter};
    let (params, named) = body_params(body);
    let components = if params.is_empty() {
        Vec::new()
    } else {
        vec![TemplateComponent {
            kind: "body".into(),
            sub_type: None,
            index: None,
            parameters: params
                .iter()
                .map(|p| TemplateParameter::Text {
                    text: values.get(p).cloned().unwrap_or_default(),
                    parameter_name: named.then(|| p.clone()),
                })
                .collect(),
        }]
    };
    Outbound::Template {
        name: name.to_owned(),
        language: language.to_owned(),
        components,
        rendered: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn bindings_are_written_as_a_field_with_an_optional_fallback() {
        assert_eq!(
            Binding::parse("{{ primeiro_nome | cliente }}"),
            Binding {
                source: "primeiro_nome".into(),
                fallback: Some("cliente".into())
            }
        );
        assert_eq!(Binding::parse("{{valor}}").fallback, None);
        assert_eq!(
            Binding::parse("Águas do Vale").fallback.as_deref(),
            Some("Águas do Vale")
        );
    }

    #[test]
    fn an_empty_first_name_takes_the_fallback_and_never_breaks_the_send() {
        let bindings: BTreeMap<String, Binding> = [
            (
                "1".to_owned(),
                Binding::parse("{{primeiro_nome | cliente}}"),
            ),
            ("2".to_owned(), Binding::parse("{{valor}}")),
        ]
        .into();
        let filled = fill(
            &bindings,
            &fields(&[("primeiro_nome", "  "), ("valor", "R$ 150,20")]),
        )
        .unwrap();
        assert_eq!(filled["1"], "cliente");
        assert_eq!(filled["2"], "R$ 150,20");
        let missing = fill(&bindings, &fields(&[("primeiro_nome", "João")])).unwrap_err();
        assert_eq!(
            missing,
            VarProblem::Empty {
                param: "2".into(),
                field: "valor".into()
            }
        );
        assert!(missing.to_string().contains("valor"));
    }

    #[test]
    fn values_are_cleaned_of_what_meta_refuses() {
        assert_eq!(
            clean(" Rua A,\n  nº 10\t\tapto     3 "),
            "Rua A, nº 10 apto 3"
        );
    }

    #[test]
    fn a_recipients_message_carries_its_values_in_the_bodys_order() {
        let values = fields(&[("1", "Maria"), ("2", "R$ 10,00")]);
        let m = template_message(
            "cobranca",
            "pt_BR",
            "Olá {{1}}, sua fatura de {{2}}.",
            &values,
        );
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["components"][0]["parameters"][0]["text"], "Maria");
        assert_eq!(json["components"][0]["parameters"][1]["text"], "R$ 10,00");
        assert!(json["components"][0]["parameters"][0]
            .get("parameter_name")
            .is_none());
        let named = template_message("x", "pt_BR", "Oi {{nome}}", &fields(&[("nome", "Ana")]));
        let json = serde_json::to_value(&named).unwrap();
        assert_eq!(
            json["components"][0]["parameters"][0]["parameter_name"],
            "nome"
        );
        let plain = template_message("x", "pt_BR", "Sem variáveis", &fields(&[]));
        assert_eq!(
            serde_json::to_value(&plain).unwrap()["components"],
            serde_json::json!([])
        );
    }
}
