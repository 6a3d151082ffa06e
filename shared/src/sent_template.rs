//! A template as it goes out and as the customer sees it: what each quick-reply button does
//! when tapped (start a flow, opt out of marketing), the payload that carries that choice
//! through Meta and back, and the message rendered from Meta's components with the
//! recipient's values (what the history and the simulator show instead of a bare name).

use crate::messaging::{TemplateComponent, TemplateParameter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What tapping a quick-reply button does, besides landing in the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum QuickReplyAction {
    /// The bot starts this flow (by key), e.g. "Negociar" → the negotiation flow.
    Flow { flow: String },
    /// The customer leaves marketing messages: consent withdrawn, number suppressed.
    OptOut,
}

/// The action of the quick-reply button at `index` (Meta's position among all the buttons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ButtonAction {
    pub index: usize,
    #[serde(flatten)]
    pub action: QuickReplyAction,
}

const FLOW_PREFIX: &str = "fluxo:";
const OPT_OUT: &str = "sair:marketing";

impl QuickReplyAction {
    /// The payload sent with the button and echoed back by Meta when it is tapped.
    pub fn payload(&self) -> String {
        match self {
            QuickReplyAction::Flow { flow } => format!("{FLOW_PREFIX}{flow}"),
            QuickReplyAction::OptOut => OPT_OUT.to_owned(),
        }
    }

    /// The action a tapped button's payload names; none for any other payload (a button
    /// sent without one comes back with its text).
    pub fn from_payload(payload: &str) -> Option<QuickReplyAction> {
        if payload == OPT_OUT {
            return Some(QuickReplyAction::OptOut);
        }
        let flow = payload.strip_prefix(FLOW_PREFIX)?;
        crate::flow::valid_key(flow).then(|| QuickReplyAction::Flow {
            flow: flow.to_owned(),
        })
    }

    /// How a person reads it.
    pub fn label(&self, flow_name: Option<&str>) -> String {
        match self {
            QuickReplyAction::Flow { flow } => {
                format!("Inicia o fluxo \"{}\"", flow_name.unwrap_or(flow))
            }
            QuickReplyAction::OptOut => "Descadastra de mensagens de marketing".to_owned(),
        }
    }
}

/// A button of Meta's components: its kind (`QUICK_REPLY`, `URL`…) and its text.
fn buttons(components: &Value) -> Vec<(String, String)> {
    component(components, "BUTTONS")
        .and_then(|c| c.get("buttons"))
        .and_then(Value::as_array)
        .map(|bs| {
            bs.iter()
                .map(|b| {
                    let kind = b.get("type").and_then(Value::as_str).unwrap_or_default();
                    let text = match kind {
                        "COPY_CODE" => "Copiar código",
                        _ => b.get("text").and_then(Value::as_str).unwrap_or_default(),
                    };
                    (kind.to_owned(), text.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn component<'a>(components: &'a Value, kind: &str) -> Option<&'a Value> {
    components.as_array()?.iter().find(|c| {
        c.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case(kind))
    })
}

/// The template's quick replies as (index, text).
pub fn quick_replies(components: &Value) -> Vec<(usize, String)> {
    buttons(components)
        .into_iter()
        .enumerate()
        .filter(|(_, (kind, _))| kind == "QUICK_REPLY")
        .map(|(i, (_, text))| (i, text))
        .collect()
}

/// What is wrong with these actions for this template, in pt-BR: an index that is not a
/// quick reply, the same button twice, a flow key that cannot be one.
pub fn check_actions(actions: &[ButtonAction], components: &Value) -> Vec<String> {
    let replies = quick_replies(components);
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for a in actions {
        if !replies.iter().any(|(i, _)| *i == a.index) {
            out.push(format!(
                "O botão {} não é uma resposta rápida deste modelo.",
                a.index + 1
            ));
        } else if seen.contains(&a.index) {
            out.push(format!("O botão {} tem mais de uma ação.", a.index + 1));
        }
        seen.push(a.index);
        if let QuickReplyAction::Flow { flow } = &a.action {
            if !crate::flow::valid_key(flow) {
                out.push(format!("\"{flow}\" não é a chave de um fluxo."));
            }
        }
    }
    out
}

/// The button components that carry each action's payload (Meta sends the button's text back
/// for a quick reply without one).
pub fn button_components(actions: &[ButtonAction]) -> Vec<TemplateComponent> {
    let mut actions: Vec<&ButtonAction> = actions.iter().collect();
    actions.sort_by_key(|a| a.index);
    actions
        .into_iter()
        .map(|a| TemplateComponent {
            kind: "button".into(),
            sub_type: Some("quick_reply".into()),
            index: Some(a.index.to_string()),
            parameters: vec![TemplateParameter::Payload {
                payload: a.action.payload(),
            }],
        })
        .collect()
}

/// A button as the customer sees it; `reply` is what tapping it sends back (quick replies
/// only: links, calls and codes do not answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RenderedButton {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// The template as it reaches the customer: texts with their values in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RenderedTemplate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<RenderedButton>,
}

/// `{{1}}` or `{{nome}}` replaced by its value; a placeholder without one stays as written.
fn fill(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let key = after[..end].trim();
                match values.get(key) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The template rendered from Meta's components with the body's values (`1`, `2`… or names)
/// and the buttons' actions.
pub fn render(
    components: &Value,
    values: &BTreeMap<String, String>,
    actions: &[ButtonAction],
) -> RenderedTemplate {
    let text_of = |kind: &str| {
        component(components, kind)
            .and_then(|c| c.get("text"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let header = component(components, "HEADER").and_then(|h| {
        match h.get("format").and_then(Value::as_str).unwrap_or("TEXT") {
            "TEXT" => h.get("text").and_then(Value::as_str).map(str::to_owned),
            "IMAGE" => Some("🖼️ Imagem".to_owned()),
            "VIDEO" => Some("🎬 Vídeo".to_owned()),
            "DOCUMENT" => Some("📄 Documento".to_owned()),
            _ => None,
        }
    });
    RenderedTemplate {
        header,
        body: fill(&text_of("BODY").unwrap_or_default(), values),
        footer: text_of("FOOTER"),
        buttons: buttons(components)
            .into_iter()
            .enumerate()
            .map(|(i, (kind, title))| {
                let reply = (kind == "QUICK_REPLY").then(|| {
                    actions
                        .iter()
                        .find(|a| a.index == i)
                        .map(|a| a.action.payload())
                        .unwrap_or_else(|| title.clone())
                });
                RenderedButton { title, reply }
            })
            .collect(),
    }
}

/// A template send made ready: the quick replies' payloads added (any the caller put are
/// replaced) and what the customer reads rendered from the stored template's components.
pub fn complete(
    mut outbound: crate::messaging::Outbound,
    template_components: &Value,
    actions: &[ButtonAction],
) -> crate::messaging::Outbound {
    if let crate::messaging::Outbound::Template {
        components,
        rendered,
        ..
    } = &mut outbound
    {
        let values = body_values(components);
        components.retain(|c| {
            !(c.kind.eq_ignore_ascii_case("button") && c.sub_type.as_deref() == Some("quick_reply"))
        });
        components.extend(button_components(actions));
        *rendered = Some(render(template_components, &values, actions));
    }
    outbound
}

/// The values of a template send's body parameters, by parameter (`1`, `2`… or a name).
pub fn body_values(components: &[TemplateComponent]) -> BTreeMap<String, String> {
    components
        .iter()
        .filter(|c| c.kind.eq_ignore_ascii_case("body"))
        .flat_map(|c| c.parameters.iter())
        .filter_map(|p| match p {
            TemplateParameter::Text {
                text,
                parameter_name,
            } => Some((parameter_name.clone(), text.clone())),
            _ => None,
        })
        .enumerate()
        .map(|(i, (name, text))| (name.unwrap_or_else(|| (i + 1).to_string()), text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn collection() -> Value {
        json!([
            {"type": "HEADER", "format": "TEXT", "text": "Águas do Vale"},
            {"type": "BODY", "text": "Olá, {{1}}! Você tem {{2}} em aberto."},
            {"type": "FOOTER", "text": "Responda PARAR para não receber mais"},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Ver faturas", "url": "https://exemplo.com/{{1}}"},
                {"type": "QUICK_REPLY", "text": "Negociar"},
                {"type": "QUICK_REPLY", "text": "Parar de receber"}
            ]}
        ])
    }

    fn actions() -> Vec<ButtonAction> {
        vec![
            ButtonAction {
                index: 2,
                action: QuickReplyAction::OptOut,
            },
            ButtonAction {
                index: 1,
                action: QuickReplyAction::Flow {
                    flow: "negociacao".into(),
                },
            },
        ]
    }

    #[test]
    fn a_payload_names_its_action_and_nothing_else_does() {
        for a in actions() {
            assert_eq!(
                QuickReplyAction::from_payload(&a.action.payload()),
                Some(a.action)
            );
        }
        assert_eq!(QuickReplyAction::from_payload("Negociar"), None);
        assert_eq!(QuickReplyAction::from_payload("fluxo:"), None);
        assert_eq!(QuickReplyAction::from_payload("fluxo:Não É Chave"), None);
        assert_eq!(QuickReplyAction::from_payload("sair:"), None);
    }

    #[test]
    fn actions_fit_only_the_templates_quick_replies() {
        assert!(check_actions(&actions(), &collection()).is_empty());
        let wrong = vec![
            ButtonAction {
                index: 0,
                action: QuickReplyAction::OptOut,
            },
            ButtonAction {
                index: 1,
                action: QuickReplyAction::OptOut,
            },
            ButtonAction {
                index: 1,
                action: QuickReplyAction::Flow {
                    flow: "Negociação!".into(),
                },
            },
        ];
        assert_eq!(
            check_actions(&wrong, &collection()),
            vec![
                "O botão 1 não é uma resposta rápida deste modelo.".to_owned(),
                "O botão 2 tem mais de uma ação.".to_owned(),
                "\"Negociação!\" não é a chave de um fluxo.".to_owned(),
            ]
        );
    }

    #[test]
    fn the_payloads_go_as_meta_expects_in_the_buttons_order() {
        let body = serde_json::to_value(button_components(&actions())).unwrap();
        assert_eq!(
            body,
            json!([
                {"type": "button", "sub_type": "quick_reply", "index": "1",
                 "parameters": [{"type": "payload", "payload": "fluxo:negociacao"}]},
                {"type": "button", "sub_type": "quick_reply", "index": "2",
                 "parameters": [{"type": "payload", "payload": "sair:marketing"}]}
            ])
        );
    }

    #[test]
    fn the_customer_reads_the_body_with_their_values_and_taps_the_buttons_actions() {
        let values: BTreeMap<String, String> = [("1", "João"), ("2", "R$ 412,30")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let r = render(&collection(), &values, &actions());
        assert_eq!(r.header.as_deref(), Some("Águas do Vale"));
        assert_eq!(r.body, "Olá, João! Você tem R$ 412,30 em aberto.");
        assert_eq!(
            r.footer.as_deref(),
            Some("Responda PARAR para não receber mais")
        );
        let taps: Vec<(&str, Option<&str>)> = r
            .buttons
            .iter()
            .map(|b| (b.title.as_str(), b.reply.as_deref()))
            .collect();
        assert_eq!(
            taps,
            vec![
                ("Ver faturas", None),
                ("Negociar", Some("fluxo:negociacao")),
                ("Parar de receber", Some("sair:marketing")),
            ]
        );
        // Without actions a quick reply answers with its text, as Meta does.
        let plain = render(&collection(), &BTreeMap::new(), &[]);
        assert_eq!(plain.buttons[1].reply.as_deref(), Some("Negociar"));
        assert_eq!(plain.body, "Olá, {{1}}! Você tem {{2}} em aberto.");
    }

    #[test]
    fn a_completed_send_carries_the_payloads_and_what_the_customer_reads() {
        let values: BTreeMap<String, String> = [
            ("1".to_owned(), "João".to_owned()),
            ("2".to_owned(), "R$ 9,90".to_owned()),
        ]
        .into_iter()
        .collect();
        let body = "Olá, {{1}}! Você tem {{2}} em aberto.";
        let out = complete(
            crate::campaign::vars::template_message("cobranca", "pt_BR", body, &values),
            &collection(),
            &actions(),
        );
        let crate::messaging::Outbound::Template {
            components,
            rendered,
            ..
        } = &out
        else {
            panic!("not a template: {out:?}");
        };
        assert_eq!(components.len(), 3, "the body and two quick replies");
        assert_eq!(components[1].index.as_deref(), Some("1"));
        assert_eq!(
            rendered.as_ref().map(|r| r.body.as_str()),
            Some("Olá, João! Você tem R$ 9,90 em aberto.")
        );
        assert_eq!(out.preview(), "Olá, João! Você tem R$ 9,90 em aberto.");
    }

    #[test]
    fn body_values_are_read_back_from_a_send_positional_or_named() {
        let positional = vec![TemplateComponent {
            kind: "body".into(),
            sub_type: None,
            index: None,
            parameters: vec![
                TemplateParameter::Text {
                    text: "Ana".into(),
                    parameter_name: None,
                },
                TemplateParameter::Text {
                    text: "R$ 1,00".into(),
                    parameter_name: None,
                },
            ],
        }];
        let v = body_values(&positional);
        assert_eq!(v.get("1").map(String::as_str), Some("Ana"));
        assert_eq!(v.get("2").map(String::as_str), Some("R$ 1,00"));
        let named = vec![TemplateComponent {
            kind: "body".into(),
            sub_type: None,
            index: None,
            parameters: vec![TemplateParameter::Text {
                text: "Ana".into(),
                parameter_name: Some("nome".into()),
            }],
        }];
        assert_eq!(
            render(
                &json!([{"type": "BODY", "text": "Oi, {{nome}}"}]),
                &body_values(&named),
                &[]
            )
            .body,
            "Oi, Ana"
        );
    }
}
