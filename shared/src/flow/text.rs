//! Text in flows: `{{cliente.nome}}` interpolation with formats (`{{fatura.valor | moeda}}`,
//! `{{fatura.vencimento | data}}`), and the accent- and case-insensitive matching of answers.

use serde_json::Value;
use std::collections::BTreeMap;

/// A conversation's variables. Paths (`cliente.nome`, `faturas.0.valor`) reach inside values.
pub type Vars = BTreeMap<String, Value>;

/// Lower case, without accents, inner spaces collapsed: "  Atendênte " → "atendente".
pub fn normalize(text: &str) -> String {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ª' => 'a',
            'º' | '°' => 'o',
            c => c,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value at `path` (`cliente.nome`, `faturas.0.valor`). A segment written `$name` is the
/// value of the variable `name`: `negociacao.opcoes.$opcao_acordo.total` reads the total of the
/// option the customer chose.
pub fn lookup<'a>(vars: &'a Vars, path: &str) -> Option<&'a Value> {
    let mut parts = path.trim().split('.');
    let mut current = vars.get(parts.next()?)?;
    for part in parts {
        let indirect;
        let part = match part.strip_prefix('$') {
            Some(name) => {
                indirect = match vars.get(name)? {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                indirect.as_str()
            }
            None => part,
        };
        current = match current {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The same path in any JSON value (HTTP answers).
pub fn json_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = value;
    for part in path.trim().split('.').filter(|p| !p.is_empty()) {
        current = match current {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// A number as JSON holds it or as a person writes it ("1.234,56", "1234.56", "R$ 10,00").
pub fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

pub fn parse_number(raw: &str) -> Option<f64> {
    let s: String = raw
        .trim()
        .trim_start_matches("R$")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
    {
        return None;
    }
    let normalized = if s.contains(',') {
        s.replace('.', "").replace(',', ".")
    } else if s.matches('.').count() > 1 {
        s.replace('.', "")
    } else {
        s
    };
    normalized.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// "R$ 1.234,56".
pub fn brl(value: f64) -> String {
    let cents = (value.abs() * 100.0).round() as u128;
    let (reais, cents) = (cents / 100, cents % 100);
    let digits = reais.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && (reais > 0 || cents > 0) {
        "-"
    } else {
        ""
    };
    format!("{sign}R$ {grouped},{cents:02}")
}

/// "2026-11-25" (or an RFC 3339 instant) → "25/11/2026"; anything else as it is.
pub fn date_br(raw: &str) -> String {
    let day = raw.get(..10).unwrap_or(raw);
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => raw.to_owned(),
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(true) => "sim".into(),
        Value::Bool(false) => "não".into(),
        other => other.to_string(),
    }
}

/// The formats a placeholder may ask for.
pub const FORMATS: [&str; 4] = ["moeda", "data", "cpf", "maiusculas"];

fn formatted(value: &Value, format: Option<&str>) -> String {
    match format {
        Some("moeda") => number_of(value).map(brl).unwrap_or_else(|| plain(value)),
        Some("data") => date_br(&plain(value)),
        Some("cpf") => {
            let digits: String = plain(value).chars().filter(char::is_ascii_digit).collect();
            if digits.len() == 11 {
                format!(
                    "{}.{}.{}-{}",
                    &digits[..3],
                    &digits[3..6],
                    &digits[6..9],
                    &digits[9..]
                )
            } else {
                plain(value)
            }
        }
        Some("maiusculas") => plain(value).to_uppercase(),
        _ => plain(value),
    }
}

/// One `{{ … }}` of a template: its variable path and format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub path: String,
    pub format: Option<String>,
}

/// Splits a template into literal text and placeholders. An unclosed `{{` stays literal.
fn pieces(template: &str) -> Vec<Result<&str, Placeholder>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        if open > 0 {
            out.push(Ok(&rest[..open]));
        }
        let inner = &rest[open + 2..open + 2 + close];
        let (path, format) = match inner.split_once('|') {
            Some((p, f)) => (p.trim(), Some(f.trim().to_owned())),
            None => (inner.trim(), None),
        };
        out.push(Err(Placeholder {
            path: path.to_owned(),
            format,
        }));
        rest = &rest[open + 2 + close + 2..];
    }
    if !rest.is_empty() {
        out.push(Ok(rest));
    }
    out
}

/// The placeholders a template uses.
pub fn placeholders(template: &str) -> Vec<Placeholder> {
    pieces(template)
        .into_iter()
        .filter_map(Result::err)
        .collect()
}

/// The template with its placeholders replaced; a missing variable reads as nothing.
pub fn render(template: &str, vars: &Vars) -> String {
    render_escaped(template, vars, Escape::None)
}

/// Where a template's text goes, and so how each value put into it is escaped: a value is data
/// there, never syntax (an answer `../admin?x=` stays inside its path segment, and
/// `", "valor": 0` inside its JSON string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Messages to the customer: as is.
    None,
    /// A URL: every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) percent-encoded, in
    /// the path and in the query alike.
    Url,
    /// Inside a JSON document (a request body): escaped as a JSON string's contents.
    Json,
    /// An HTTP header value: line breaks and other control characters dropped.
    Header,
}

impl Escape {
    pub fn apply(self, value: &str) -> String {
        match self {
            Escape::None => value.to_owned(),
            Escape::Url => value
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect(),
            Escape::Json => {
                let quoted = Value::String(value.to_owned()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            }
            Escape::Header => value.chars().filter(|c| !c.is_control()).collect(),
        }
    }
}

/// [`render`], each value escaped for where the text goes (the template's own text is kept).
pub fn render_escaped(template: &str, vars: &Vars, escape: Escape) -> String {
    pieces(template)
        .into_iter()
        .map(|piece| match piece {
            Ok(text) => text.to_owned(),
            Err(p) => lookup(vars, &p.path)
                .map(|v| escape.apply(&formatted(v, p.format.as_deref())))
                .unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_data_where_they_go() {
        let mut v = Vars::new();
        v.insert("resposta".into(), json!("../admin?x="));
        v.insert("nome".into(), json!("\", \"valor\": 0, \"x\": \""));
        v.insert("linha".into(), json!("a\r\nX-Injetado: 1"));
        let url = render_escaped(
            "https://erp.exemplo.com/c/{{resposta}}?q={{resposta}}",
            &v,
            Escape::Url,
        );
        assert_eq!(
            url,
            "https://erp.exemplo.com/c/..%2Fadmin%3Fx%3D?q=..%2Fadmin%3Fx%3D"
        );
        let body = render_escaped("{\"nome\": \"{{nome}}\"}", &v, Escape::Json);
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed, json!({"nome": "\", \"valor\": 0, \"x\": \""}));
        assert_eq!(
            render_escaped("Bearer {{linha}}", &v, Escape::Header),
            "Bearer aX-Injetado: 1"
        );
        assert_eq!(Escape::Url.apply("ç"), "%C3%A7");
    }

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert(
            "cliente".into(),
            json!({"nome": "Maria Silva", "cpf": "11111111111"}),
        );
        v.insert(
            "faturas".into(),
            json!([{"valor": 1234.5, "vencimento": "2026-11-10"}, {"valor": "89,90"}]),
        );
        v
    }

    #[test]
    fn a_dollar_segment_reads_the_key_from_another_variable() {
        let mut v = vars();
        v.insert(
            "negociacao".into(),
            json!({"opcoes": {"avista": {"total": 10.0}, "6x": {"total": 12.5}}}),
        );
        v.insert("opcao".into(), json!("6x"));
        assert_eq!(
            render("{{negociacao.opcoes.$opcao.total | moeda}}", &v),
            "R$ 12,50"
        );
        v.insert("opcao".into(), json!("12x"));
        assert_eq!(render("[{{negociacao.opcoes.$opcao.total}}]", &v), "[]");
        assert_eq!(render("[{{negociacao.opcoes.$nada.total}}]", &v), "[]");
    }

    #[test]
    fn templates_interpolate_paths_with_formats() {
        let v = vars();
        assert_eq!(render("Olá, {{cliente.nome}}!", &v), "Olá, Maria Silva!");
        assert_eq!(
            render(
                "{{ faturas.0.valor | moeda }} vence em {{faturas.0.vencimento|data}}",
                &v
            ),
            "R$ 1.234,50 vence em 10/11/2026"
        );
        assert_eq!(render("{{faturas.1.valor|moeda}}", &v), "R$ 89,90");
        assert_eq!(render("CPF {{cliente.cpf|cpf}}", &v), "CPF 111.111.111-11");
        assert_eq!(render("[{{nada.aqui}}]", &v), "[]");
        assert_eq!(
            render("sem fim {{cliente.nome", &v),
            "sem fim {{cliente.nome"
        );
        assert_eq!(
            placeholders("{{a.b}} e {{c | moeda}}"),
            [
                Placeholder {
                    path: "a.b".into(),
                    format: None
                },
                Placeholder {
                    path: "c".into(),
                    format: Some("moeda".into())
                }
            ]
        );
    }

    #[test]
    fn money_dates_and_numbers_read_as_in_brazil() {
        assert_eq!(brl(0.0), "R$ 0,00");
        assert_eq!(brl(1_000_000.0), "R$ 1.000.000,00");
        assert_eq!(brl(-12.345), "-R$ 12,35");
        assert_eq!(parse_number("1.234,56"), Some(1234.56));
        assert_eq!(parse_number("R$ 10,00"), Some(10.0));
        assert_eq!(parse_number("1234.56"), Some(1234.56));
        assert_eq!(parse_number("1.234.567"), Some(1234567.0));
        assert_eq!(parse_number("dez"), None);
        assert_eq!(date_br("2026-01-31T12:00:00Z"), "31/01/2026");
    }

    #[test]
    fn answers_match_without_accents_or_case() {
        assert_eq!(normalize("  ATENDÊNTE  "), "atendente");
        assert_eq!(
            normalize("Negociação   de  débitos"),
            "negociacao de debitos"
        );
    }
}
