//! Reading a customer's answer: which option it picks (a tap, the option's number, its title,
//! id or keywords named in words) and whether a typed value passes a question's validation.
//! Pure functions, used by the engine and unit-tested with it (`flow/tests.rs`).

use super::text::{normalize, parse_number};
use super::{Choice, Validation};
use crate::values::{Cpf, Email, Phone};
use serde_json::Value;

/// The option an answer picks: the reply's id, the option's number, id or title.
pub fn match_choice(options: &[Choice], text: &str, choice: Option<&str>) -> Option<String> {
    if let Some(id) = choice {
        if let Some(o) = options.iter().find(|o| o.id == id) {
            return Some(o.id.clone());
        }
    }
    let answer = normalize(text);
    let answer = answer.trim_end_matches(['.', ')', '!']);
    if let Ok(n) = answer.parse::<usize>() {
        return options.get(n.checked_sub(1)?).map(|o| o.id.clone());
    }
    if let Some(o) = options
        .iter()
        .find(|o| normalize(&o.title) == answer || normalize(&o.id) == answer)
    {
        return Some(o.id.clone());
    }
    by_words(options, answer)
}

/// The option whose title, id or one of its keywords the answer contains as whole words
/// ("quero a segunda via" → `segunda_via`), a plural "s" ignored; the longest such term wins,
/// and two options named equally long mean no choice.
fn by_words(options: &[Choice], answer: &str) -> Option<String> {
    fn words(text: &str) -> Vec<String> {
        normalize(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| match w.strip_suffix('s') {
                Some(stem) if w.chars().count() > 3 => stem.to_owned(),
                _ => w.to_owned(),
            })
            .collect()
    }
    let said = words(answer);
    let mut best: Option<(usize, &Choice)> = None;
    let mut tie = false;
    for o in options {
        let terms = std::iter::once(o.title.as_str())
            .chain(std::iter::once(o.id.as_str()))
            .chain(o.keywords.iter().map(String::as_str));
        let longest = terms
            .map(|t| words(&t.replace('_', " ")))
            .filter(|t| !t.is_empty() && said.windows(t.len()).any(|w| w == t.as_slice()))
            .map(|t| t.iter().map(String::len).sum::<usize>())
            .max();
        let Some(len) = longest else { continue };
        match best {
            Some((b, other)) if b == len && other.id != o.id => tie = true,
            Some((b, _)) if b >= len => {}
            _ => {
                best = Some((len, o));
                tie = false;
            }
        }
    }
    if tie {
        return None;
    }
    best.map(|(_, o)| o.id.clone())
}

/// The value stored for a valid answer.
pub fn check_answer(
    validation: &Validation,
    text: &str,
    choice: Option<&str>,
    fixture_cpfs: &[String],
) -> Option<Value> {
    let t = text.trim();
    match validation {
        Validation::Text => (!t.is_empty()).then(|| Value::String(t.to_owned())),
        Validation::Cpf => {
            let digits: String = t.chars().filter(char::is_ascii_digit).collect();
            let shaped = t
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ' '));
            if shaped && digits.len() == 11 && fixture_cpfs.contains(&digits) {
                return Some(Value::String(digits));
            }
            Cpf::parse(t)
                .ok()
                .map(|c| Value::String(c.as_str().to_owned()))
        }
        Validation::Email => Email::parse(t)
            .ok()
            .map(|e| Value::String(e.as_str().to_owned())),
        Validation::Phone => Phone::parse(t)
            .ok()
            .map(|p| Value::String(p.as_str().to_owned())),
        Validation::Number => parse_number(t)
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Validation::Date => chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y")
            .ok()
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string())),
        Validation::Options { options } => match_choice(options, t, choice).map(Value::String),
    }
}

/// What "ajuda" says at a block with options: each option with what it does (its
/// description), then the words that work anywhere (`words`, the bot's help text).
pub fn explain_options(options: &[Choice], words: &str) -> String {
    let lines: Vec<String> = options
        .iter()
        .map(|o| match o.description.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => format!("• *{}*: {}", o.title, d),
            _ => format!("• *{}*", o.title),
        })
        .collect();
    format!("Posso ajudar com:\n{}\n\n{words}", lines.join("\n"))
}

/// What a "Não entendi" adds after its message: the options by name, on one line, so the
/// customer knows what to answer without the whole menu sent again.
pub fn name_options(options: &[Choice]) -> String {
    let names: Vec<String> = options.iter().map(|o| format!("*{}*", o.title)).collect();
    format!("Opções: {}", names.join(" · "))
}
