//! The ERP's answers as the platform reads them (the "canonical" JSON a connector maps the
//! customer's ERP into, and the JSON the demo's mock ERP speaks), and how each becomes the
//! variables a flow reads (`{{cliente.nome}}`, `{{faturas.proxima.valor | moeda}}`).
//!
//! Amounts are reais with two decimals, dates ISO `YYYY-MM-DD`, as most ERPs' REST layers send.

use crate::flow::text::{brl, date_br};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub nome: String,
    pub cpf: String,
    #[serde(default)]
    pub endereco: String,
    /// "em_dia" or "em_debito".
    #[serde(default)]
    pub situacao: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Paid.
    Paga,
    /// Open, not yet due.
    Aberta,
    /// Open and past its due date.
    Vencida,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: String,
    /// The month billed, "2026-10".
    pub referencia: String,
    pub vencimento: String,
    pub valor: f64,
    pub status: InvoiceStatus,
    /// Fine and interest due today on an overdue invoice.
    #[serde(default)]
    pub multa: f64,
    #[serde(default)]
    pub juros: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pago_em: Option<String>,
}

impl Invoice {
    pub fn total(&self) -> f64 {
        round2(self.valor + self.multa + self.juros)
    }
}

/// What pays an invoice or an instalment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentSlip {
    pub valor: f64,
    pub vencimento: String,
    /// 48 digits, FEBRABAN arrecadação.
    pub linha_digitavel: String,
    #[serde(default)]
    pub codigo_barras: String,
    /// PIX BR Code.
    pub pix_copia_e_cola: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondCopy {
    pub fatura_id: String,
    pub referencia: String,
    #[serde(flatten)]
    pub pagamento: PaymentSlip,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub referencia: String,
    pub data: String,
    /// Meter reading.
    pub leitura: f64,
    /// Consumption of the month (m³ or kWh, see `unidade`).
    pub consumo: f64,
    #[serde(default = "default_unit")]
    pub unidade: String,
}

fn default_unit() -> String {
    "m³".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NegotiationOption {
    /// "avista", "3x", "6x", "10x".
    pub id: String,
    pub parcelas: u32,
    pub valor_parcela: f64,
    pub total: f64,
    /// Discount (cash) as a percentage, 0 when none.
    #[serde(default)]
    pub desconto_percentual: f64,
    /// Monthly interest as a percentage, 0 when none.
    #[serde(default)]
    pub juros_mensal_percentual: f64,
    /// When the (first) payment would fall due if the customer closed now, `YYYY-MM-DD`; the
    /// confirmation shows it when the ERP says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primeiro_vencimento: Option<String>,
}

impl NegotiationOption {
    /// "R$ 1.234,56 com 15% de desconto" / "3x de R$ 456,78 (total R$ 1.370,34)".
    pub fn description(&self) -> String {
        if self.parcelas <= 1 {
            if self.desconto_percentual > 0.0 {
                format!(
                    "{} com {}% de desconto",
                    brl(self.total),
                    trim_number(self.desconto_percentual)
                )
            } else {
                brl(self.total)
            }
        } else {
            format!(
                "{}x de {} (total {})",
                self.parcelas,
                brl(self.valor_parcela),
                brl(self.total)
            )
        }
    }
}

impl NegotiationOption {
    /// What the customer confirms before the agreement is closed: the total, how it is paid and
    /// when it first falls due, one line each.
    pub fn confirmation(&self) -> String {
        let mut lines = Vec::new();
        if self.parcelas <= 1 {
            lines.push(format!("💰 Pagamento à vista: *{}*", brl(self.total)));
            if self.desconto_percentual > 0.0 {
                lines.push(format!(
                    "🏷️ Desconto de {}% sobre a dívida",
                    trim_number(self.desconto_percentual)
                ));
            }
        } else {
            lines.push(format!("💰 Total: *{}*", brl(self.total)));
            lines.push(format!(
                "🧾 {} de *{}*{}",
                quantity(self.parcelas as usize, "parcela", "parcelas"),
                brl(self.valor_parcela),
                if self.juros_mensal_percentual > 0.0 {
                    format!(
                        " (juros de {}% ao mês)",
                        trim_number(self.juros_mensal_percentual)
                    )
                } else {
                    String::new()
                }
            ));
        }
        if let Some(due) = &self.primeiro_vencimento {
            lines.push(if self.parcelas <= 1 {
                format!("📅 Vencimento: {}", date_br(due))
            } else {
                format!("📅 1ª parcela vence em {}", date_br(due))
            });
        }
        lines.join("\n")
    }
}

/// "1 fatura vencida", "3 faturas vencidas": the count with the word that agrees with it.
pub fn quantity(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Negotiation {
    pub divida_total: f64,
    pub faturas: Vec<Invoice>,
    pub opcoes: Vec<NegotiationOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: String,
    pub opcao: NegotiationOption,
    pub primeira_parcela: PaymentSlip,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequest {
    pub protocolo: String,
    pub tipo: String,
    /// "até 24 horas".
    pub prazo: String,
}

/// A customer with overdue invoices, as a collection campaign's audience receives them (the
/// ERP's `faturas_vencidas` operation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdueCustomer {
    pub id: String,
    pub nome: String,
    #[serde(default)]
    pub cpf: String,
    /// The mobile the ERP has, with DDD.
    pub telefone: String,
    /// How many invoices are overdue.
    pub faturas: u32,
    /// What they owe, fines and interest included.
    pub valor: f64,
    /// The oldest overdue invoice's due date.
    pub vencimento: String,
}

/// The overdue customers as a campaign's audience file: one line each, the amount and date as
/// a Brazilian reads them (`R$ 1.234,50`, `15/09/2026`), ready to bind to a template's
/// parameters (`{{valor}}`, `{{vencimento}}`).
pub fn overdue_csv(customers: &[OverdueCustomer]) -> String {
    let field = crate::campaign::segment::csv_field;
    let mut out = String::from("nome;telefone;cpf;cliente;faturas;valor;vencimento\n");
    for c in customers {
        let line = [
            field(&c.nome),
            field(&c.telefone),
            field(&c.cpf),
            field(&c.id),
            c.faturas.to_string(),
            brl(c.valor),
            date_br(&c.vencimento),
        ];
        out.push_str(&line.join(";"));
        out.push('\n');
    }
    out
}

pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

fn first_name(full: &str) -> String {
    full.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn month_br(referencia: &str) -> String {
    // "2026-10" → "10/2026"
    match referencia.split_once('-') {
        Some((y, m)) => format!("{m}/{y}"),
        None => referencia.to_owned(),
    }
}

// ---- What flows read ------------------------------------------------------------------------

/// `cliente`: the customer, or `{"encontrado": false}`.
pub fn customer_value(customer: Option<&Customer>) -> Value {
    match customer {
        None => json!({"encontrado": false}),
        Some(c) => json!({
            "encontrado": true,
            "id": c.id,
            "nome": c.nome,
            "primeiro_nome": first_name(&c.nome),
            "cpf": c.cpf,
            "endereco": c.endereco,
            "situacao": c.situacao,
            "situacao_texto": situation_text(&c.situacao),
        }),
    }
}

/// What a greeting says of the customer's account ("em_dia" or "em_debito").
fn situation_text(situacao: &str) -> &'static str {
    match situacao {
        "em_debito" => "há faturas vencidas no seu cadastro, e posso ajudar a negociar.",
        _ => "suas contas estão em dia! ✅",
    }
}

fn invoice_value(i: &Invoice) -> Value {
    json!({
        "id": i.id,
        "referencia": month_br(&i.referencia),
        "vencimento": i.vencimento,
        "valor": i.valor,
        "multa": i.multa,
        "juros": i.juros,
        "total": i.total(),
        "status": i.status,
    })
}

fn invoice_line(i: &Invoice) -> String {
    match i.status {
        InvoiceStatus::Paga => {
            format!("• {} — {} — paga ✅", month_br(&i.referencia), brl(i.valor))
        }
        InvoiceStatus::Aberta => format!(
            "• {} — {} — vence em {}",
            month_br(&i.referencia),
            brl(i.valor),
            date_br(&i.vencimento)
        ),
        InvoiceStatus::Vencida => format!(
            "• {} — {} (com multa e juros) — venceu em {}",
            month_br(&i.referencia),
            brl(i.total()),
            date_br(&i.vencimento)
        ),
    }
}

/// `faturas`: counts, totals, the next one to pay and ready-made summaries.
pub fn invoices_value(invoices: &[Invoice]) -> Value {
    let mut sorted: Vec<&Invoice> = invoices.iter().collect();
    sorted.sort_by(|a, b| b.referencia.cmp(&a.referencia));
    let open: Vec<&Invoice> = sorted
        .iter()
        .copied()
        .filter(|i| i.status != InvoiceStatus::Paga)
        .collect();
    let overdue: Vec<&Invoice> = open
        .iter()
        .copied()
        .filter(|i| i.status == InvoiceStatus::Vencida)
        .collect();
    let paid: Vec<&Invoice> = sorted
        .iter()
        .copied()
        .filter(|i| i.status == InvoiceStatus::Paga)
        .collect();
    // The next to pay: the oldest overdue, else the open one.
    let next = overdue.last().or(open.first()).copied();
    let lines = |items: &[&Invoice], n: usize| {
        items
            .iter()
            .take(n)
            .map(|i| invoice_line(i))
            .collect::<Vec<_>>()
            .join("\n")
    };
    json!({
        "quantidade": invoices.len(),
        "quantidade_abertas": open.len(),
        "quantidade_vencidas": overdue.len(),
        "vencidas_texto": quantity(overdue.len(), "fatura vencida", "faturas vencidas"),
        "total_aberto": round2(open.iter().map(|i| i.total()).sum()),
        "total_vencido": round2(overdue.iter().map(|i| i.total()).sum()),
        "proxima": next.map(invoice_value).unwrap_or(Value::Null),
        "resumo_abertas": lines(&open, 10),
        "resumo_pagas": lines(&paid, 3),
        "lista": sorted.iter().map(|i| invoice_value(i)).collect::<Vec<_>>(),
    })
}

/// `boleto` (second copy): amount, due date, digitable line and PIX.
pub fn second_copy_value(copy: &SecondCopy) -> Value {
    let mut v = slip_value(&copy.pagamento);
    v["fatura_id"] = json!(copy.fatura_id);
    v["referencia"] = json!(month_br(&copy.referencia));
    v
}

fn slip_value(slip: &PaymentSlip) -> Value {
    json!({
        "valor": slip.valor,
        "vencimento": slip.vencimento,
        "linha_digitavel": crate::payment::format_digitable(&slip.linha_digitavel),
        "codigo_barras": slip.codigo_barras,
        "pix_copia_e_cola": slip.pix_copia_e_cola,
    })
}

/// `leituras`: the months newest first, the average and a summary.
pub fn readings_value(readings: &[Reading]) -> Value {
    let mut sorted: Vec<&Reading> = readings.iter().collect();
    sorted.sort_by(|a, b| b.referencia.cmp(&a.referencia));
    let unit = sorted
        .first()
        .map(|r| r.unidade.clone())
        .unwrap_or_else(default_unit);
    let average = if sorted.is_empty() {
        0.0
    } else {
        round2(sorted.iter().map(|r| r.consumo).sum::<f64>() / sorted.len() as f64)
    };
    let summary = sorted
        .iter()
        .map(|r| {
            format!(
                "• {} — {} {}",
                month_br(&r.referencia),
                trim_number(r.consumo),
                r.unidade
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    json!({
        "quantidade": sorted.len(),
        "unidade": unit,
        "media": trim_number(average),
        "ultima": sorted.first().map(|r| json!({
            "referencia": month_br(&r.referencia), "data": r.data,
            "leitura": r.leitura, "consumo": r.consumo,
        })).unwrap_or(Value::Null),
        "resumo": summary,
    })
}

/// `negociacao`: the debt and each option by id (`{{negociacao.opcoes.6x.descricao}}`).
pub fn negotiation_value(n: &Negotiation) -> Value {
    let options: serde_json::Map<String, Value> = n
        .opcoes
        .iter()
        .map(|o| {
            (
                o.id.clone(),
                json!({
                    "parcelas": o.parcelas,
                    "valor_parcela": o.valor_parcela,
                    "total": o.total,
                    "descricao": o.description(),
                    "confirmacao": o.confirmation(),
                }),
            )
        })
        .collect();
    let overdue: Vec<&Invoice> = n.faturas.iter().collect();
    json!({
        "divida_total": n.divida_total,
        "quantidade_faturas": n.faturas.len(),
        "faturas_texto": quantity(n.faturas.len(), "fatura vencida", "faturas vencidas"),
        "resumo_faturas": overdue.iter().map(|i| invoice_line(i)).collect::<Vec<_>>().join("\n"),
        "opcoes": options,
    })
}

/// `acordo`: the agreement and its first instalment's payment data.
pub fn agreement_value(a: &Agreement) -> Value {
    json!({
        "id": a.id,
        "descricao": a.opcao.description(),
        "parcelas": a.opcao.parcelas,
        "primeira_parcela": slip_value(&a.primeira_parcela),
        "pagamento_texto": payment_text(a),
    })
}

/// "A 1ª parcela, de *R$ 228,39*, vence em 04/12/2026." — or, paid at once, "O pagamento à
/// vista, de …": a single payment is not an instalment.
fn payment_text(a: &Agreement) -> String {
    let what = if a.opcao.parcelas <= 1 {
        "O pagamento à vista"
    } else {
        "A 1ª parcela"
    };
    format!(
        "{what}, de *{}*, vence em {}.",
        brl(a.primeira_parcela.valor),
        date_br(&a.primeira_parcela.vencimento)
    )
}

pub fn service_request_value(s: &ServiceRequest) -> Value {
    json!({"protocolo": s.protocolo, "tipo": s.tipo, "prazo": s.prazo})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_customers_become_an_audience_file_the_campaign_reads() {
        let list = [OverdueCustomer {
            id: "100452".into(),
            nome: "Santos; João".into(),
            cpf: "22222222222".into(),
            telefone: "(11) 98765-0002".into(),
            faturas: 3,
            valor: 1234.5,
            vencimento: "2026-09-15".into(),
        }];
        let csv = overdue_csv(&list);
        let report = crate::campaign::audience::from_csv(&csv, None).unwrap();
        assert_eq!(report.rows.len(), 1);
        let row = &report.rows[0].fields;
        assert_eq!(row["nome"], "Santos; João");
        assert_eq!(row["valor"], "R$ 1.234,50");
        assert_eq!(row["vencimento"], "15/09/2026");
        assert_eq!(row["faturas"], "3");
        assert_eq!(report.rows[0].phone.e164, "+5511987650002");
    }

    fn invoice(id: &str, referencia: &str, status: InvoiceStatus, valor: f64) -> Invoice {
        Invoice {
            id: id.into(),
            referencia: referencia.into(),
            vencimento: format!("{referencia}-10"),
            valor,
            status,
            multa: if status == InvoiceStatus::Vencida {
                2.0
            } else {
                0.0
            },
            juros: if status == InvoiceStatus::Vencida {
                1.5
            } else {
                0.0
            },
            pago_em: None,
        }
    }

    #[test]
    fn invoices_summarise_what_is_open_overdue_and_next() {
        let v = invoices_value(&[
            invoice("a", "2026-08", InvoiceStatus::Vencida, 100.0),
            invoice("b", "2026-09", InvoiceStatus::Vencida, 110.0),
            invoice("c", "2026-10", InvoiceStatus::Aberta, 120.0),
            invoice("d", "2026-07", InvoiceStatus::Paga, 90.0),
        ]);
        assert_eq!(v["quantidade_abertas"], 3);
        assert_eq!(v["quantidade_vencidas"], 2);
        assert_eq!(v["total_vencido"], 217.0);
        assert_eq!(v["proxima"]["id"], "a", "the oldest overdue comes first");
        assert_eq!(v["proxima"]["referencia"], "08/2026");
        assert!(v["resumo_pagas"]
            .as_str()
            .unwrap()
            .contains("07/2026 — R$ 90,00 — paga"));
    }

    #[test]
    fn options_describe_themselves_in_portuguese() {
        let cash = NegotiationOption {
            id: "avista".into(),
            parcelas: 1,
            valor_parcela: 850.0,
            total: 850.0,
            desconto_percentual: 15.0,
            juros_mensal_percentual: 0.0,
            primeiro_vencimento: Some("2026-12-04".into()),
        };
        assert_eq!(cash.description(), "R$ 850,00 com 15% de desconto");
        let six = NegotiationOption {
            id: "6x".into(),
            parcelas: 6,
            valor_parcela: 175.5,
            total: 1053.0,
            desconto_percentual: 0.0,
            juros_mensal_percentual: 1.5,
            primeiro_vencimento: Some("2026-12-04".into()),
        };
        assert_eq!(six.description(), "6x de R$ 175,50 (total R$ 1.053,00)");
        let n = negotiation_value(&Negotiation {
            divida_total: 1000.0,
            faturas: vec![],
            opcoes: vec![cash, six],
        });
        assert_eq!(
            n["opcoes"]["6x"]["descricao"],
            "6x de R$ 175,50 (total R$ 1.053,00)"
        );
        assert_eq!(
            n["opcoes"]["6x"]["confirmacao"],
            "💰 Total: *R$ 1.053,00*\n🧾 6 parcelas de *R$ 175,50* (juros de 1,5% ao mês)\n📅 1ª parcela vence em 04/12/2026"
        );
        assert_eq!(
            n["opcoes"]["avista"]["confirmacao"],
            "💰 Pagamento à vista: *R$ 850,00*\n🏷️ Desconto de 15% sobre a dívida\n📅 Vencimento: 04/12/2026"
        );
        assert_eq!(n["faturas_texto"], "0 faturas vencidas");
    }

    #[test]
    fn counts_agree_with_their_words() {
        assert_eq!(
            quantity(1, "fatura vencida", "faturas vencidas"),
            "1 fatura vencida"
        );
        assert_eq!(
            quantity(3, "fatura vencida", "faturas vencidas"),
            "3 faturas vencidas"
        );
        let one = invoices_value(&[invoice("a", "2026-08", InvoiceStatus::Vencida, 100.0)]);
        assert_eq!(one["vencidas_texto"], "1 fatura vencida");
    }

    #[test]
    fn a_cash_agreement_is_a_payment_not_an_instalment() {
        let slip = PaymentSlip {
            valor: 850.0,
            vencimento: "2026-12-04".into(),
            linha_digitavel: String::new(),
            codigo_barras: String::new(),
            pix_copia_e_cola: String::new(),
        };
        let mut option = NegotiationOption {
            id: "avista".into(),
            parcelas: 1,
            valor_parcela: 850.0,
            total: 850.0,
            desconto_percentual: 15.0,
            juros_mensal_percentual: 0.0,
            primeiro_vencimento: None,
        };
        let cash = Agreement {
            id: "AC1".into(),
            opcao: option.clone(),
            primeira_parcela: slip.clone(),
        };
        assert_eq!(
            agreement_value(&cash)["pagamento_texto"],
            "O pagamento à vista, de *R$ 850,00*, vence em 04/12/2026."
        );
        option.parcelas = 3;
        let split = Agreement {
            id: "AC2".into(),
            opcao: option,
            primeira_parcela: slip,
        };
        assert_eq!(
            agreement_value(&split)["pagamento_texto"],
            "A 1ª parcela, de *R$ 850,00*, vence em 04/12/2026."
        );
    }
}
