//! WhatsApp message templates (HSM) as an administrator writes them, checked against Meta's
//! limits as they type: the name (`[a-z0-9_]`, up to 512), the header of each kind (text up to
//! 60 characters with at most one parameter, or media), the body (up to 1,024 characters, with
//! `{{1}}`… or named `{{nome}}` parameters, each with an example, never at its very start or
//! end), the footer (60, no parameters) and up to ten buttons (quick replies, at most two URL
//! buttons with an optional variable suffix, one phone, one copy-code).
//!
//! The same checks run in the browser (as you type) and on the server (before Meta is called).

use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 512;
pub const HEADER_TEXT_MAX: usize = 60;
pub const BODY_MAX: usize = 1024;
pub const FOOTER_MAX: usize = 60;
pub const BUTTONS_MAX: usize = 10;
pub const URL_BUTTONS_MAX: usize = 2;
pub const BUTTON_TEXT_MAX: usize = 25;
pub const URL_MAX: usize = 2000;
pub const PHONE_MAX: usize = 20;
pub const COPY_CODE_MAX: usize = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    Marketing,
    Utility,
    Authentication,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Marketing => "Marketing",
            Category::Utility => "Utilidade",
            Category::Authentication => "Autenticação",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaFormat {
    Image,
    Video,
    Document,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Header {
    Text {
        text: String,
        /// The parameter's example, when the text has one.
        #[serde(default)]
        example: Option<String>,
    },
    Image {
        /// A sample's URL (uploaded to Meta as the example handle).
        example_url: String,
    },
    Video {
        example_url: String,
    },
    Document {
        example_url: String,
    },
    Location,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Button {
    QuickReply {
        text: String,
    },
    Url {
        text: String,
        /// May end in `{{1}}`, filled per recipient.
        url: String,
        #[serde(default)]
        example: Option<String>,
    },
    PhoneNumber {
        text: String,
        phone_number: String,
    },
    CopyCode {
        /// The code shown as the example (Meta's `example`).
        example: String,
    },
}

/// A template as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateDraft {
    pub name: String,
    /// `pt_BR`, `en_US`, `es`…
    pub language: String,
    pub category: Category,
    #[serde(default)]
    pub header: Option<Header>,
    pub body: String,
    /// The body parameters' examples, in order of first appearance (positional `{{1}}`…, or
    /// named ones).
    #[serde(default)]
    pub body_examples: Vec<String>,
    #[serde(default)]
    pub footer: Option<String>,
    #[serde(default)]
    pub buttons: Vec<Button>,
}

/// The parameters a text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Params {
    None,
    /// `{{1}}`…`{{n}}`: how many.
    Positional(usize),
    /// `{{nome}}`…: the names, in order of first appearance.
    Named(Vec<String>),
}

impl Params {
    pub fn count(&self) -> usize {
        match self {
            Params::None => 0,
            Params::Positional(n) => *n,
            Params::Named(names) => names.len(),
        }
    }
}

/// A problem with one field of the form, in pt-BR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `name`, `language`, `header`, `body`, `footer`, `buttons.2`…
    pub field: String,
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        field: field.into(),
        message: message.into(),
    }
}

/// Characters as WhatsApp counts them (Unicode scalar values).
pub fn length(text: &str) -> usize {
    text.chars().count()
}

/// The `{{…}}` placeholders of a text, in order, as written inside the braces.
fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        out.push(after[..close].trim().to_owned());
        rest = &after[close + 2..];
    }
    out
}

/// The parameters of a text, or what is wrong with them: positional ones numbered from 1
/// without gaps, named ones in `[a-z_][a-z0-9_]*`, never both kinds in one template.
pub fn params(text: &str) -> Result<Params, String> {
    let found = placeholders(text);
    if found.is_empty() {
        return Ok(Params::None);
    }
    if found.iter().all(|p| p.parse::<usize>().is_ok()) {
        let mut numbers: Vec<usize> = found.iter().filter_map(|p| p.parse().ok()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.iter().enumerate().any(|(i, n)| *n != i + 1) {
            return Err(
                "Numere os parâmetros em sequência a partir de {{1}}, sem pular nenhum.".into(),
            );
        }
        return Ok(Params::Positional(numbers.len()));
    }
    if found.iter().any(|p| p.parse::<usize>().is_ok()) {
        return Err(
            "Use só parâmetros numerados ({{1}}) ou só com nome ({{nome}}), não os dois.".into(),
        );
    }
    let valid = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if let Some(bad) = found.iter().find(|p| !valid(p)) {
        return Err(format!("O parâmetro {{{{{bad}}}}} deve ter só letras minúsculas, números e _ (ex.: {{{{nome_cliente}}}})."));
    }
    let mut names: Vec<String> = Vec::new();
    for p in found {
        if !names.contains(&p) {
            names.push(p);
        }
    }
    Ok(Params::Named(names))
}

fn check_name(name: &str, out: &mut Vec<Problem>) {
    if name.is_empty() {
        out.push(problem("name", "Dê um nome ao modelo."));
    } else if length(name) > NAME_MAX {
        out.push(problem(
            "name",
            format!("O nome aceita até {NAME_MAX} caracteres."),
        ));
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        out.push(problem(
            "name",
            "Use só letras minúsculas sem acento, números e _ no nome (ex.: cobranca_fatura_vencida).",
        ));
    }
}

fn check_language(language: &str, out: &mut Vec<Problem>) {
    let (lang, region) = match language.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (language, None),
    };
    let ok = (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()));
    if !ok {
        out.push(problem(
            "language",
            "Idioma no formato da Meta: pt_BR, en_US, es…",
        ));
    }
}

fn check_header(header: &Header, out: &mut Vec<Problem>) {
    match header {
        Header::Text { text, example } => {
            if text.trim().is_empty() {
                out.push(problem(
                    "header",
                    "Escreva o texto do cabeçalho, ou escolha outro tipo.",
                ));
            }
            if length(text) > HEADER_TEXT_MAX {
                out.push(problem(
                    "header",
                    format!("O cabeçalho aceita até {HEADER_TEXT_MAX} caracteres."),
                ));
            }
            match params(text) {
                Err(e) => out.push(problem("header", e)),
                Ok(p) if p.count() > 1 => out.push(problem(
                    "header",
                    "O cabeçalho aceita no máximo um parâmetro.",
                )),
                Ok(p)
                    if p.count() == 1 && example.as_deref().is_none_or(|e| e.trim().is_empty()) =>
                {
                    out.push(problem(
                        "header",
                        "Dê um exemplo para o parâmetro do cabeçalho.",
                    ))
                }
                Ok(_) => {}
            }
        }
        Header::Image { example_url }
        | Header::Video { example_url }
        | Header::Document { example_url } => {
            if !(example_url.starts_with("https://") || example_url.starts_with("http://")) {
                out.push(problem(
                    "header",
                    "Informe o endereço (https://…) de um arquivo de exemplo para o cabeçalho.",
                ));
            }
        }
        Header::Location => {}
    }
}

fn check_body(t: &TemplateDraft, out: &mut Vec<Problem>) {
    let body = &t.body;
    if body.trim().is_empty() {
        out.push(problem("body", "Escreva o texto da mensagem."));
        return;
    }
    if length(body) > BODY_MAX {
        out.push(problem(
            "body",
            format!(
                "O texto aceita até {BODY_MAX} caracteres (tem {}).",
                length(body)
            ),
        ));
    }
    match params(body) {
        Err(e) => out.push(problem("body", e)),
        Ok(p) => {
            let n = p.count();
            if n > 0 {
                let trimmed = body.trim();
                if trimmed.starts_with("{{") || trimmed.ends_with("}}") {
                    out.push(problem(
                        "body",
                        "O texto não pode começar nem terminar com um parâmetro: a Meta recusa.",
                    ));
                }
                let given = t
                    .body_examples
                    .iter()
                    .filter(|e| !e.trim().is_empty())
                    .count();
                if given < n || t.body_examples.len() < n {
                    out.push(problem(
                        "body_examples",
                        format!("Dê um exemplo para cada um dos {n} parâmetros do texto."),
                    ));
                }
                // Meta refuses bodies that are mostly parameters.
                let words = body.split_whitespace().count();
                if words < 2 * n + 1 {
                    out.push(problem("body", "Há parâmetros demais para o tamanho do texto: escreva mais palavras fixas."));
                }
            }
        }
    }
}

fn check_footer(footer: &str, out: &mut Vec<Problem>) {
    if length(footer) > FOOTER_MAX {
        out.push(problem(
            "footer",
            format!("O rodapé aceita até {FOOTER_MAX} caracteres."),
        ));
    }
    if !placeholders(footer).is_empty() {
        out.push(problem("footer", "O rodapé não aceita parâmetros."));
    }
}

fn check_label(field: &str, text: &str, out: &mut Vec<Problem>) {
    if text.trim().is_empty() {
        out.push(problem(field, "Escreva o texto do botão."));
    } else if length(text) > BUTTON_TEXT_MAX {
        out.push(problem(
            field,
            format!("O texto do botão aceita até {BUTTON_TEXT_MAX} caracteres."),
        ));
    }
    if !placeholders(text).is_empty() {
        out.push(problem(field, "O texto do botão não aceita parâmetros."));
    }
}

fn check_buttons(buttons: &[Button], out: &mut Vec<Problem>) {
    if buttons.len() > BUTTONS_MAX {
        out.push(problem(
            "buttons",
            format!("No máximo {BUTTONS_MAX} botões por modelo."),
        ));
    }
    let count = |f: fn(&Button) -> bool| buttons.iter().filter(|b| f(b)).count();
    if count(|b| matches!(b, Button::Url { .. })) > URL_BUTTONS_MAX {
        out.push(problem(
            "buttons",
            format!("No máximo {URL_BUTTONS_MAX} botões de link."),
        ));
    }
    if count(|b| matches!(b, Button::PhoneNumber { .. })) > 1 {
        out.push(problem("buttons", "No máximo um botão de ligar."));
    }
    if count(|b| matches!(b, Button::CopyCode { .. })) > 1 {
        out.push(problem("buttons", "No máximo um botão de copiar código."));
    }
    // Quick replies stay together: Meta refuses them interleaved with the other kinds.
    let kinds: Vec<bool> = buttons
        .iter()
        .map(|b| matches!(b, Button::QuickReply { .. }))
        .collect();
    let groups = kinds.windows(2).filter(|w| w[0] != w[1]).count();
    if groups > 1 {
        out.push(problem(
            "buttons",
            "Deixe as respostas rápidas juntas, antes ou depois dos outros botões.",
        ));
    }
    for (i, b) in buttons.iter().enumerate() {
        let field = format!("buttons.{i}");
        match b {
            Button::QuickReply { text } => check_label(&field, text, out),
            Button::Url { text, url, example } => {
                check_label(&field, text, out);
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    out.push(problem(&field, "O link deve começar com https://."));
                }
                if length(url) > URL_MAX {
                    out.push(problem(
                        &field,
                        format!("O link aceita até {URL_MAX} caracteres."),
                    ));
                }
                let vars = placeholders(url);
                if vars.len() > 1
                    || (vars.len() == 1 && (vars[0] != "1" || !url.trim_end().ends_with("}}")))
                {
                    out.push(problem(
                        &field,
                        "O link aceita um só parâmetro, {{1}}, no final.",
                    ));
                } else if vars.len() == 1 && example.as_deref().is_none_or(|e| e.trim().is_empty())
                {
                    out.push(problem(&field, "Dê um exemplo do final do link."));
                }
            }
            Button::PhoneNumber { text, phone_number } => {
                check_label(&field, text, out);
                let digits = phone_number.chars().filter(char::is_ascii_digit).count();
                if !phone_number.starts_with('+') || length(phone_number) > PHONE_MAX || digits < 8
                {
                    out.push(problem(
                        &field,
                        "Telefone com + e código do país, até 20 caracteres (ex.: +5511999990000).",
                    ));
                }
            }
            Button::CopyCode { example } => {
                if example.trim().is_empty() || length(example) > COPY_CODE_MAX {
                    out.push(problem(
                        &field,
                        format!("O código de exemplo deve ter de 1 a {COPY_CODE_MAX} caracteres."),
                    ));
                }
            }
        }
    }
}

/// Every problem of the template, in the order of the form (none: Meta may be asked).
pub fn validate(t: &TemplateDraft) -> Vec<Problem> {
    let mut out = Vec::new();
    check_name(&t.name, &mut out);
    check_language(&t.language, &mut out);
    if let Some(h) = &t.header {
        check_header(h, &mut out);
    }
    check_body(t, &mut out);
    if let Some(f) = &t.footer {
        check_footer(f, &mut out);
    }
    check_buttons(&t.buttons, &mut out);
    out
}

/// A template as the Modelos page and the REST API list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateSummary {
    pub id: uuid::Uuid,
    pub channel_id: crate::ChannelId,
    /// Meta's id (none until Meta answered a creation).
    pub meta_id: Option<String>,
    pub name: String,
    pub language: String,
    /// As Meta names it: `MARKETING`, `UTILITY`, `AUTHENTICATION`.
    pub category: String,
    /// As Meta names it: `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`…
    pub status: String,
    /// `GREEN`, `YELLOW`, `RED`, `UNKNOWN`.
    pub quality: String,
    /// Why it was rejected, paused or disabled (Meta's code, then its words).
    pub reason: Option<String>,
    /// Meta's components as stored.
    pub components: serde_json::Value,
    /// The template read back from Meta's components (none when Meta's shape was not one
    /// this form edits, such as a carousel).
    pub draft: Option<TemplateDraft>,
    /// What its quick replies do when tapped (start a flow, opt out).
    #[serde(default)]
    pub button_actions: Vec<crate::sent_template::ButtonAction>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A status as a person reads it.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "APPROVED" => "Aprovado",
        "PENDING" => "Em análise",
        "REJECTED" => "Rejeitado",
        "PAUSED" => "Pausado",
        "DISABLED" => "Desativado",
        "IN_APPEAL" => "Em recurso",
        "LIMIT_EXCEEDED" => "Limite excedido",
        "ARCHIVED" => "Arquivado",
        "DELETED" => "Excluído",
        "PENDING_DELETION" => "Exclusão pendente",
        _ => "Desconhecido",
    }
}

/// A quality rating as a person reads it.
pub fn quality_label(quality: &str) -> &'static str {
    match quality {
        "GREEN" => "Alta",
        "YELLOW" => "Média",
        "RED" => "Baixa",
        _ => "Sem avaliação",
    }
}

/// Meta's reason code (`INVALID_FORMAT`, `FIRST_PAUSE`…) in pt-BR; its own words follow it
/// after a colon when it gave some.
pub fn reason_text(reason: &str) -> String {
    let (code, detail) = match reason.split_once(':') {
        Some((c, d)) => (c.trim(), Some(d.trim()).filter(|d| !d.is_empty())),
        None => (reason.trim(), None),
    };
    let text = match code {
        "ABUSIVE_CONTENT" => "Conteúdo considerado abusivo",
        "CATEGORY_NOT_AVAILABLE" => "Categoria indisponível para esta conta",
        "INCORRECT_CATEGORY" => "Categoria incorreta para o conteúdo",
        "INVALID_FORMAT" => "Formato inválido (parâmetros, exemplos ou texto)",
        "PROMOTIONAL" => "Conteúdo promocional fora da categoria Marketing",
        "SCAM" => "Considerado golpe ou fraude",
        "TAG_CONTENT_MISMATCH" => "O conteúdo não corresponde à categoria",
        "FIRST_PAUSE" => "Pausado por 3 horas pela baixa qualidade",
        "SECOND_PAUSE" => "Pausado por 6 horas pela baixa qualidade",
        "RATE_LIMITING_PAUSE" => "Pausado pela Meta para limitar envios",
        "DISABLED" => "Desativado pela Meta depois de pausas repetidas",
        "NONE" | "" => return detail.map(str::to_owned).unwrap_or_default(),
        other => {
            return format!(
                "{other}{}",
                detail.map(|d| format!(": {d}")).unwrap_or_default()
            )
        }
    };
    match detail {
        Some(d) => format!("{text}: {d}"),
        None => text.to_owned(),
    }
}

/// The text with each parameter replaced by its value (the preview shows the examples), in the
/// order [`params`] finds them; parameters without a value stay as written.
pub fn fill(text: &str, values: &[String]) -> String {
    let names: Vec<String> = match params(text) {
        Ok(Params::Named(names)) => names,
        Ok(Params::Positional(n)) => (1..=n).map(|i| i.to_string()).collect(),
        _ => return text.to_owned(),
    };
    let mut out = text.to_owned();
    for (name, value) in names.iter().zip(values) {
        if value.trim().is_empty() {
            continue;
        }
        for written in [format!("{{{{{name}}}}}"), format!("{{{{ {name} }}}}")] {
            out = out.replace(&written, value);
        }
    }
    out
}

fn named_examples(names: &[String], examples: &[String]) -> serde_json::Value {
    names
        .iter()
        .zip(examples)
        .map(|(n, e)| serde_json::json!({"param_name": n, "example": e}))
        .collect()
}

/// The template in the shape `POST /{waba}/message_templates` takes.
pub fn to_meta(t: &TemplateDraft) -> serde_json::Value {
    use serde_json::json;
    let body_params = params(&t.body).unwrap_or(Params::None);
    let named = matches!(body_params, Params::Named(_));
    let mut components = Vec::new();
    match &t.header {
        Some(Header::Text { text, example }) => {
            let mut h = json!({"type": "HEADER", "format": "TEXT", "text": text});
            if let (Ok(p), Some(e)) = (params(text), example) {
                match p {
                    Params::Named(names) => {
                        h["example"] = json!({"header_text_named_params": named_examples(&names, std::slice::from_ref(e))})
                    }
                    Params::Positional(_) => h["example"] = json!({"header_text": [e]}),
                    Params::None => {}
                }
            }
            components.push(h);
        }
        Some(Header::Image { example_url }) => components.push(json!({"type": "HEADER", "format": "IMAGE", "example": {"header_handle": [example_url]}})),
        Some(Header::Video { example_url }) => components.push(json!({"type": "HEADER", "format": "VIDEO", "example": {"header_handle": [example_url]}})),
        Some(Header::Document { example_url }) => components.push(json!({"type": "HEADER", "format": "DOCUMENT", "example": {"header_handle": [example_url]}})),
        Some(Header::Location) => components.push(json!({"type": "HEADER", "format": "LOCATION"})),
        None => {}
    }
    let mut body = json!({"type": "BODY", "text": t.body});
    match &body_params {
        Params::Named(names) => {
            body["example"] =
                json!({"body_text_named_params": named_examples(names, &t.body_examples)})
        }
        Params::Positional(n) => {
            body["example"] =
                json!({"body_text": [t.body_examples.iter().take(*n).collect::<Vec<_>>()]})
        }
        Params::None => {}
    }
    components.push(body);
    if let Some(f) = t.footer.as_ref().filter(|f| !f.trim().is_empty()) {
        components.push(json!({"type": "FOOTER", "text": f}));
    }
    if !t.buttons.is_empty() {
        let buttons: Vec<_> = t
            .buttons
            .iter()
            .map(|b| match b {
                Button::QuickReply { text } => json!({"type": "QUICK_REPLY", "text": text}),
                Button::Url { text, url, example } => {
                    let mut v = json!({"type": "URL", "text": text, "url": url});
                    if let Some(e) = example.as_ref().filter(|e| !e.is_empty()) {
                        v["example"] = json!([e]);
                    }
                    v
                }
                Button::PhoneNumber { text, phone_number } => {
                    json!({"type": "PHONE_NUMBER", "text": text, "phone_number": phone_number})
                }
                Button::CopyCode { example } => json!({"type": "COPY_CODE", "example": example}),
            })
            .collect();
        components.push(json!({"type": "BUTTONS", "buttons": buttons}));
    }
    json!({
        "name": t.name,
        "language": t.language,
        "category": t.category,
        "parameter_format": if named { "NAMED" } else { "POSITIONAL" },
        "components": components,
    })
}

/// A template in Meta's shape (a REST API call, or what Meta lists), read back.
pub fn from_meta(v: &serde_json::Value) -> Result<TemplateDraft, String> {
    let text =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let name = text(v, "name").ok_or("Falta o nome do modelo (name).")?;
    let language = text(v, "language").ok_or("Falta o idioma do modelo (language).")?;
    let category: Category = v
        .get("category")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .ok_or("Categoria do modelo: MARKETING, UTILITY ou AUTHENTICATION.")?;
    let components = v
        .get("components")
        .and_then(|c| c.as_array())
        .ok_or("Faltam os componentes do modelo (components).")?;
    let mut t = TemplateDraft {
        name,
        language,
        category,
        header: None,
        body: String::new(),
        body_examples: Vec::new(),
        footer: None,
        buttons: Vec::new(),
    };
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let named = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|x| x.as_array())
            .map(|a| a.iter().filter_map(|x| text(x, "example")).collect())
            .unwrap_or_default()
    };
    for c in components {
        let kind = text(c, "type").unwrap_or_default().to_uppercase();
        let example = c.get("example");
        match kind.as_str() {
            "HEADER" => {
                let handle = || {
                    strings(example.and_then(|e| e.get("header_handle")))
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                };
                t.header = Some(
                    match text(c, "format")
                        .unwrap_or_default()
                        .to_uppercase()
                        .as_str()
                    {
                        "TEXT" => Header::Text {
                            text: text(c, "text").unwrap_or_default(),
                            example: strings(example.and_then(|e| e.get("header_text")))
                                .into_iter()
                                .chain(named(
                                    example.and_then(|e| e.get("header_text_named_params")),
                                ))
                                .next(),
                        },
                        "IMAGE" => Header::Image {
                            example_url: handle(),
                        },
                        "VIDEO" => Header::Video {
                            example_url: handle(),
                        },
                        "DOCUMENT" => Header::Document {
                            example_url: handle(),
                        },
                        "LOCATION" => Header::Location,
                        other => return Err(format!("Tipo de cabeçalho desconhecido: {other}.")),
                    },
                );
            }
            "BODY" => {
                t.body = text(c, "text").unwrap_or_default();
                let positional = example
                    .and_then(|e| e.get("body_text"))
                    .and_then(|b| b.as_array())
                    .and_then(|rows| rows.first());
                t.body_examples = strings(positional);
                if t.body_examples.is_empty() {
                    t.body_examples = named(example.and_then(|e| e.get("body_text_named_params")));
                }
            }
            "FOOTER" => t.footer = text(c, "text"),
            "BUTTONS" => {
                for b in c
                    .get("buttons")
                    .and_then(|b| b.as_array())
                    .into_iter()
                    .flatten()
                {
                    let label = text(b, "text").unwrap_or_default();
                    t.buttons.push(
                        match text(b, "type").unwrap_or_default().to_uppercase().as_str() {
                            "QUICK_REPLY" => Button::QuickReply { text: label },
                            "URL" => Button::Url {
                                text: label,
                                url: text(b, "url").unwrap_or_default(),
                                example: strings(b.get("example")).into_iter().next(),
                            },
                            "PHONE_NUMBER" => Button::PhoneNumber {
                                text: label,
                                phone_number: text(b, "phone_number").unwrap_or_default(),
                            },
                            "COPY_CODE" => Button::CopyCode {
                                example: text(b, "example")
                                    .or_else(|| strings(b.get("example")).into_iter().next())
                                    .unwrap_or_default(),
                            },
                            other => return Err(format!("Tipo de botão não suportado: {other}.")),
                        },
                    );
                }
            }
            other => return Err(format!("Componente desconhecido: {other}.")),
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection() -> TemplateDraft {
        TemplateDraft {
            name: "cobranca_fatura_vencida".into(),
            language: "pt_BR".into(),
            category: Category::Utility,
            header: Some(Header::Text {
                text: "Fatura em aberto".into(),
                example: None,
            }),
            body: "Olá, {{1}}! A sua fatura de {{2}} está em aberto. Quer negociar agora?".into(),
            body_examples: vec!["Maria".into(), "R$ 150,20".into()],
            footer: Some("Águas do Vale".into()),
            buttons: vec![
                Button::QuickReply {
                    text: "Negociar".into(),
                },
                Button::QuickReply {
                    text: "Não quero receber".into(),
                },
            ],
        }
    }

    fn fields(t: &TemplateDraft) -> Vec<String> {
        validate(t).into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_well_formed_template_has_no_problems() {
        assert_eq!(validate(&collection()), []);
    }

    #[test]
    fn parameters_are_numbered_in_sequence_or_named_never_mixed() {
        assert_eq!(
            params("Olá {{1}}, {{2}} e {{1}}"),
            Ok(Params::Positional(2))
        );
        assert_eq!(
            params("Olá {{nome}}, fatura {{valor}} de {{nome}}"),
            Ok(Params::Named(vec!["nome".into(), "valor".into()]))
        );
        assert!(params("Olá {{1}} e {{3}}")
            .unwrap_err()
            .contains("sequência"));
        assert!(params("Olá {{1}} e {{nome}}")
            .unwrap_err()
            .contains("não os dois"));
        assert!(params("Olá {{Nome Completo}}")
            .unwrap_err()
            .contains("minúsculas"));
        assert_eq!(params("Sem parâmetros"), Ok(Params::None));
    }

    #[test]
    fn names_languages_and_lengths_follow_metas_limits() {
        let mut t = collection();
        t.name = "Cobrança Vencida".into();
        t.language = "pt-BR".into();
        t.body = "x".repeat(BODY_MAX + 1);
        t.body_examples.clear();
        t.footer = Some("y".repeat(FOOTER_MAX + 1));
        assert_eq!(fields(&t), ["name", "language", "body", "footer"]);
        let mut t = collection();
        t.header = Some(Header::Text {
            text: "Olá {{1}} e {{2}}".into(),
            example: None,
        });
        assert_eq!(fields(&t), ["header"]);
    }

    #[test]
    fn each_body_parameter_needs_an_example_and_cannot_open_or_close_the_text() {
        let mut t = collection();
        t.body_examples = vec!["Maria".into()];
        assert_eq!(fields(&t), ["body_examples"]);
        let mut t = collection();
        t.body = "{{1}}, a sua fatura de {{2}} venceu".into();
        assert_eq!(fields(&t), ["body"]);
        let mut t = collection();
        t.body = "{{1}} {{2}}".into();
        assert!(validate(&t).iter().any(|p| p.message.contains("demais")));
    }

    #[test]
    fn buttons_of_each_kind_are_counted_and_checked() {
        let mut t = collection();
        t.buttons = vec![
            Button::Url {
                text: "Ver fatura".into(),
                url: "https://aguasdovale.com.br/fatura/{{1}}".into(),
                example: Some("123".into()),
            },
            Button::PhoneNumber {
                text: "Ligar".into(),
                phone_number: "+551133334444".into(),
            },
            Button::CopyCode {
                example: "PIX123".into(),
            },
        ];
        assert_eq!(validate(&t), []);
        t.buttons.push(Button::Url {
            text: "Outro".into(),
            url: "https://a.com/{{1}}/x".into(),
            example: None,
        });
        t.buttons.push(Button::Url {
            text: "Mais um link com texto longo demais".into(),
            url: "ftp://a.com".into(),
            example: None,
        });
        let problems = validate(&t);
        assert!(problems
            .iter()
            .any(|p| p.field == "buttons" && p.message.contains("2 botões de link")));
        assert!(problems
            .iter()
            .any(|p| p.field == "buttons.3" && p.message.contains("no final")));
        assert!(problems
            .iter()
            .any(|p| p.field == "buttons.4" && p.message.contains("25")));
        assert!(problems
            .iter()
            .any(|p| p.field == "buttons.4" && p.message.contains("https")));
        let mut t = collection();
        t.buttons = vec![
            Button::QuickReply { text: "Sim".into() },
            Button::PhoneNumber {
                text: "Ligar".into(),
                phone_number: "+551133334444".into(),
            },
            Button::QuickReply {
                text: "Não".into()
            },
        ];
        assert!(validate(&t).iter().any(|p| p.message.contains("juntas")));
        t.buttons = (0..11)
            .map(|i| Button::QuickReply {
                text: format!("Opção {i}"),
            })
            .collect();
        assert!(validate(&t).iter().any(|p| p.message.contains("10 botões")));
    }

    #[test]
    fn statuses_and_reasons_read_in_portuguese() {
        assert_eq!(status_label("PENDING"), "Em análise");
        assert_eq!(quality_label("RED"), "Baixa");
        assert_eq!(
            reason_text("INVALID_FORMAT: variável no fim do texto"),
            "Formato inválido (parâmetros, exemplos ou texto): variável no fim do texto"
        );
        assert_eq!(
            reason_text("FIRST_PAUSE"),
            "Pausado por 3 horas pela baixa qualidade"
        );
        assert_eq!(reason_text("NONE"), "");
        assert_eq!(reason_text("NOVO_MOTIVO"), "NOVO_MOTIVO");
    }

    #[test]
    fn the_preview_fills_the_examples_in() {
        let t = collection();
        assert_eq!(
            fill(&t.body, &t.body_examples),
            "Olá, Maria! A sua fatura de R$ 150,20 está em aberto. Quer negociar agora?"
        );
        assert_eq!(fill("Oi {{nome}}", &["".into()]), "Oi {{nome}}");
        assert_eq!(
            fill("Oi {{nome}}, {{ nome }}", &["Ana".into()]),
            "Oi Ana, Ana"
        );
    }

    #[test]
    fn metas_shape_goes_out_and_comes_back_the_same() {
        let mut t = collection();
        t.buttons.push(Button::Url {
            text: "Ver fatura".into(),
            url: "https://aguasdovale.com.br/f/{{1}}".into(),
            example: Some("123".into()),
        });
        let meta = to_meta(&t);
        assert_eq!(meta["parameter_format"], "POSITIONAL");
        assert_eq!(meta["components"][1]["type"], "BODY");
        assert_eq!(
            meta["components"][1]["example"]["body_text"],
            serde_json::json!([["Maria", "R$ 150,20"]])
        );
        assert_eq!(from_meta(&meta).unwrap(), t);
        let mut named = collection();
        named.body = "Olá, {{nome}}! Sua fatura de {{valor}} venceu ontem.".into();
        let meta = to_meta(&named);
        assert_eq!(meta["parameter_format"], "NAMED");
        assert_eq!(
            meta["components"][1]["example"]["body_text_named_params"][1],
            serde_json::json!({"param_name": "valor", "example": "R$ 150,20"})
        );
        assert_eq!(from_meta(&meta).unwrap(), named);
        assert!(from_meta(&serde_json::json!({"name": "x"}))
            .unwrap_err()
            .contains("idioma"));
    }

    #[test]
    fn templates_travel_as_json_in_metas_vocabulary() {
        let json = serde_json::to_value(collection()).unwrap();
        assert_eq!(json["category"], "UTILITY");
        assert_eq!(json["header"]["format"], "TEXT");
        assert_eq!(json["buttons"][0]["type"], "QUICK_REPLY");
    }
}
