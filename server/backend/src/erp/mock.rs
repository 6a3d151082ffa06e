//! The demo's fictional water and sanitation company, "Águas do Vale": its customers, invoices,
//! readings and debt negotiation, computed from today's date so the demo never goes stale.
//! Served over HTTP under `/mock-erp/` (server/src/http/mock_erp.rs, docs/mock-erp.md).
//!
//! Payment data is real-format: FEBRABAN arrecadação lines (segment 2, sanitation) with
//! correct check digits, and PIX BR Codes with a correct CRC16.

use chrono::{Datelike, Months, NaiveDate};
use shared::erp::*;
use shared::payment::{pix_copia_e_cola, Arrecadacao, Segment};

/// The key the mock ERP expects in `X-Api-Key` (the demo's connector sends it).
pub const DEMO_API_KEY: &str = "demo-erp-chave";

const COMPANY_CODE: &str = "0174";
const PIX_KEY: &str = "financeiro@aguasdovale.com.br";
const MERCHANT: &str = "AGUAS DO VALE SANEAMENTO";
const CITY: &str = "VALE VERDE";

/// Latency and failures injected into every mock ERP answer, to show error handling.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Injection {
    #[serde(default)]
    pub latency_ms: u64,
    /// 0–100: the share of calls answered with HTTP 503.
    #[serde(default)]
    pub failure_percent: u8,
}

impl crate::db::settings::Setting for Injection {
    const KEY: &'static str = "mock_erp";
}

struct Fixture {
    id: &'static str,
    name: &'static str,
    cpf: &'static str,
    address: &'static str,
    /// The mobile on file, with DDD (a collection campaign's audience).
    phone: &'static str,
    /// Months (counting back from last month) left unpaid.
    unpaid_months: u32,
    /// Average monthly consumption, m³.
    usage: f64,
}

const CUSTOMERS: [Fixture; 4] = [
    Fixture {
        id: "100231",
        name: "Maria Silva",
        cpf: "11111111111",
        address: "Rua das Flores, 120 — Centro, Vale Verde/SP",
        phone: "(11) 98765-0001",
        unpaid_months: 0,
        usage: 14.0,
    },
    Fixture {
        id: "100452",
        name: "João Santos",
        cpf: "22222222222",
        address: "Av. Brasil, 1.500, apto 42 — Jardim América, Vale Verde/SP",
        phone: "(11) 98765-0002",
        unpaid_months: 3,
        usage: 19.0,
    },
    Fixture {
        id: "100578",
        name: "Ana Pereira",
        cpf: "52998224725",
        address: "Rua Sete de Setembro, 88 — Vila Nova, Vale Verde/SP",
        phone: "(11) 98765-0003",
        unpaid_months: 0,
        usage: 9.0,
    },
    Fixture {
        id: "100613",
        name: "Carlos Oliveira",
        cpf: "12345678909",
        address: "Travessa do Ipê, 7 — Parque das Águas, Vale Verde/SP",
        phone: "(11) 98765-0004",
        unpaid_months: 1,
        usage: 23.0,
    },
];

/// The demo's fixture CPFs, whose check digits are not valid: the bot accepts them anyway.
pub const FIXTURE_CPFS: [&str; 2] = ["11111111111", "22222222222"];

fn fixture(id: &str) -> Option<&'static Fixture> {
    CUSTOMERS.iter().find(|c| c.id == id)
}

pub fn find_customer(cpf: &str) -> Option<Customer> {
    let digits: String = cpf.chars().filter(char::is_ascii_digit).collect();
    CUSTOMERS
        .iter()
        .find(|c| c.cpf == digits)
        .map(|c| Customer {
            id: c.id.into(),
            nome: c.name.into(),
            cpf: c.cpf.into(),
            endereco: c.address.into(),
            situacao: if c.unpaid_months > 0 {
                "em_debito"
            } else {
                "em_dia"
            }
            .into(),
        })
}

/// A stable wobble per customer and month, so figures look real and never change on reload.
fn wobble(customer: &str, month: u32) -> f64 {
    let seed = customer
        .bytes()
        .fold(month.wrapping_mul(2_654_435_761), |h, b| {
            h.rotate_left(5) ^ b as u32
        });
    ((seed % 1000) as f64 / 1000.0) - 0.5
}

fn consumption(c: &Fixture, month: u32) -> f64 {
    (c.usage * (1.0 + wobble(c.id, month) * 0.4)).round()
}

/// Tariff: R$ 38,50 up to 10 m³, then R$ 7,12 per m³ (water + sewage).
fn bill(m3: f64) -> f64 {
    round2(38.5 + (m3 - 10.0).max(0.0) * 7.12)
}

fn first_of_month(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

/// Month `back` months before this one (0 = this month), as its first day.
fn month(today: NaiveDate, back: u32) -> NaiveDate {
    first_of_month(today)
        .checked_sub_months(Months::new(back))
        .unwrap_or(today)
}

/// Due on the 15th of the month after the month billed.
fn due(reference: NaiveDate) -> NaiveDate {
    reference
        .checked_add_months(Months::new(1))
        .and_then(|d| d.with_day(15))
        .unwrap_or(reference)
}

fn invoice_id(c: &Fixture, reference: NaiveDate) -> String {
    format!("{}{}", c.id, reference.format("%Y%m"))
}

/// Twelve bills: this month's, open (due on the 15th of next month); last month's, paid; the
/// `unpaid_months` before it overdue (always past due, whatever today is); the rest paid.
pub fn invoices(customer: &str, today: NaiveDate) -> Option<Vec<Invoice>> {
    let c = fixture(customer)?;
    Some(
        (0..12u32)
            .map(|back| {
                let reference = month(today, back);
                let due_date = due(reference);
                let m3 = consumption(c, reference.month0() + reference.year() as u32 * 12);
                let valor = bill(m3);
                let overdue_days = (today - due_date).num_days().max(0);
                let status = if back == 0 {
                    InvoiceStatus::Aberta
                } else if back >= 2 && back <= c.unpaid_months + 1 {
                    InvoiceStatus::Vencida
                } else {
                    InvoiceStatus::Paga
                };
                let (multa, juros) = if status == InvoiceStatus::Vencida {
                    // 2% fine, 1% a month pro rata die.
                    (
                        round2(valor * 0.02),
                        round2(valor * 0.01 * overdue_days as f64 / 30.0),
                    )
                } else {
                    (0.0, 0.0)
                };
                Invoice {
                    id: invoice_id(c, reference),
                    referencia: reference.format("%Y-%m").to_string(),
                    vencimento: due_date.to_string(),
                    valor,
                    status,
                    multa,
                    juros,
                    pago_em: (status == InvoiceStatus::Paga)
                        .then(|| (due_date - chrono::Days::new(2 + (back % 4) as u64)).to_string()),
                }
            })
            .collect(),
    )
}

fn cents(v: f64) -> u64 {
    (v * 100.0).round().max(0.0) as u64
}

/// The customers with overdue invoices (the collection campaign's audience): how many, what
/// they owe with fines and interest, and since when.
pub fn overdue(today: NaiveDate) -> Vec<OverdueCustomer> {
    CUSTOMERS
        .iter()
        .filter_map(|c| {
            let late: Vec<Invoice> = invoices(c.id, today)?
                .into_iter()
                .filter(|i| i.status == InvoiceStatus::Vencida)
                .collect();
            let oldest = late.iter().map(|i| i.vencimento.clone()).min()?;
            Some(OverdueCustomer {
                id: c.id.into(),
                nome: c.name.into(),
                cpf: c.cpf.into(),
                telefone: c.phone.into(),
                faturas: late.len() as u32,
                valor: round2(late.iter().map(Invoice::total).sum()),
                vencimento: oldest,
            })
        })
        .collect()
}

/// A payment slip: arrecadação line (free field: customer, document number, due date) and a
/// PIX BR Code with the document as its txid.
pub fn slip(customer: &str, document: &str, amount: f64, due_date: NaiveDate) -> PaymentSlip {
    let digits = |s: &str, n: usize| -> String {
        let d: String = s.chars().filter(char::is_ascii_digit).collect();
        format!("{d:0>n$}")[..n].to_owned()
    };
    let doc_digits: String = document.chars().filter(char::is_ascii_digit).collect();
    let doc_tail = &doc_digits[doc_digits.len().saturating_sub(9)..];
    let free = format!(
        "{}{}{}",
        digits(customer, 8),
        digits(doc_tail, 9),
        due_date.format("%Y%m%d")
    );
    let line = Arrecadacao::new(Segment::Sanitation, cents(amount), COMPANY_CODE, &free)
        .expect("fixed-width digits");
    let txid: String = format!("AV{document}")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(25)
        .collect();
    PaymentSlip {
        valor: round2(amount),
        vencimento: due_date.to_string(),
        linha_digitavel: line.digitable,
        codigo_barras: line.barcode,
        pix_copia_e_cola: pix_copia_e_cola(
            PIX_KEY,
            MERCHANT,
            CITY,
            Some(cents(amount)),
            Some(&txid),
        ),
    }
}

pub fn second_copy(invoice: &str, today: NaiveDate) -> Option<SecondCopy> {
    let customer = CUSTOMERS.iter().find(|c| invoice.starts_with(c.id))?;
    let found = invoices(customer.id, today)?
        .into_iter()
        .find(|i| i.id == invoice)?;
    // An overdue bill is reissued with fine and interest, due in 3 days.
    let due_date = if found.status == InvoiceStatus::Vencida {
        today + chrono::Days::new(3)
    } else {
        NaiveDate::parse_from_str(&found.vencimento, "%Y-%m-%d").unwrap_or(today)
    };
    Some(SecondCopy {
        fatura_id: found.id.clone(),
        referencia: found.referencia.clone(),
        pagamento: slip(customer.id, &found.id, found.total(), due_date),
    })
}

pub fn readings(customer: &str, today: NaiveDate) -> Option<Vec<Reading>> {
    let c = fixture(customer)?;
    let mut meter = 4_120.0 + c.usage * 30.0;
    let mut out: Vec<Reading> = (1..=12u32)
        .rev()
        .map(|back| {
            let reference = month(today, back);
            let m3 = consumption(c, reference.month0() + reference.year() as u32 * 12);
            meter += m3;
            Reading {
                referencia: reference.format("%Y-%m").to_string(),
                data: (reference + chrono::Days::new(27)).to_string(),
                leitura: meter,
                consumo: m3,
                unidade: "m³".into(),
            }
        })
        .collect();
    out.reverse();
    Some(out)
}

/// Price table instalment: P·i / (1 − (1+i)^−n).
fn instalment(principal: f64, monthly: f64, n: u32) -> f64 {
    if monthly == 0.0 {
        return principal / n as f64;
    }
    principal * monthly / (1.0 - (1.0 + monthly).powi(-(n as i32)))
}

pub fn negotiation(customer: &str, today: NaiveDate) -> Option<Negotiation> {
    let overdue: Vec<Invoice> = invoices(customer, today)?
        .into_iter()
        .filter(|i| i.status == InvoiceStatus::Vencida)
        .collect();
    let debt = round2(overdue.iter().map(Invoice::total).sum());
    let mut options = Vec::new();
    let first_due = Some(agreement_due(today).format("%Y-%m-%d").to_string());
    if debt > 0.0 {
        let cash = round2(debt * 0.85);
        options.push(NegotiationOption {
            id: "avista".into(),
            parcelas: 1,
            valor_parcela: cash,
            total: cash,
            desconto_percentual: 15.0,
            juros_mensal_percentual: 0.0,
            primeiro_vencimento: first_due.clone(),
        });
        for (n, rate) in [(3u32, 1.0), (6, 1.5), (10, 1.99)] {
            let each = round2(instalment(debt, rate / 100.0, n));
            options.push(NegotiationOption {
                id: format!("{n}x"),
                parcelas: n,
                valor_parcela: each,
                total: round2(each * n as f64),
                desconto_percentual: 0.0,
                juros_mensal_percentual: rate,
                primeiro_vencimento: first_due.clone(),
            });
        }
    }
    Some(Negotiation {
        divida_total: debt,
        faturas: overdue,
        opcoes: options,
    })
}

/// An agreement's first payment falls due three days after it is closed.
fn agreement_due(today: NaiveDate) -> NaiveDate {
    today + chrono::Days::new(3)
}

/// The agreement for `option`; its id is derived from the idempotency key, so a retried call
/// answers the same agreement.
pub fn close_agreement(
    customer: &str,
    option: &str,
    key: &str,
    today: NaiveDate,
) -> Option<Agreement> {
    let n = negotiation(customer, today)?;
    let chosen = n.opcoes.into_iter().find(|o| o.id == option)?;
    let hash = key
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let id = format!("AC{}{:06}", today.format("%y%m"), hash % 1_000_000);
    let first = slip(customer, &id, chosen.valor_parcela, agreement_due(today));
    Some(Agreement {
        id,
        opcao: chosen,
        primeira_parcela: first,
    })
}

pub fn open_service_request(
    customer: &str,
    kind: &str,
    key: &str,
    today: NaiveDate,
) -> Option<ServiceRequest> {
    fixture(customer)?;
    let hash = key
        .bytes()
        .fold(11u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let (tipo, prazo) = match kind {
        "vazamento" => ("Vazamento", "até 24 horas"),
        "falta_agua" => ("Falta de água", "até 12 horas"),
        "leitura" => ("Leitura não realizada", "até 5 dias úteis"),
        _ => ("Outro problema", "até 3 dias úteis"),
    };
    Some(ServiceRequest {
        protocolo: format!("{}{:06}", today.format("%Y"), hash % 1_000_000),
        tipo: tipo.into(),
        prazo: prazo.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::payment::{digitable_valid, pix_valid};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn the_collection_audience_is_who_has_overdue_invoices() {
        let list = overdue(today());
        let names: Vec<&str> = list.iter().map(|c| c.nome.as_str()).collect();
        assert_eq!(names, ["João Santos", "Carlos Oliveira"]);
        let joao = &list[0];
        assert_eq!(joao.faturas, 3);
        let owed: f64 = invoices("100452", today())
            .unwrap()
            .iter()
            .filter(|i| i.status == InvoiceStatus::Vencida)
            .map(Invoice::total)
            .sum();
        assert_eq!(joao.valor, round2(owed));
        assert!(joao.vencimento < today().to_string());
    }

    #[test]
    fn maria_is_up_to_date_and_joao_owes_three_months() {
        let maria = invoices("100231", today()).unwrap();
        assert_eq!(maria.len(), 12);
        assert!(maria.iter().all(|i| i.status != InvoiceStatus::Vencida));
        assert_eq!(
            maria
                .iter()
                .filter(|i| i.status == InvoiceStatus::Aberta)
                .count(),
            1,
            "this month's bill is open, not yet due"
        );
        let joao = invoices("100452", today()).unwrap();
        let overdue: Vec<_> = joao
            .iter()
            .filter(|i| i.status == InvoiceStatus::Vencida)
            .collect();
        assert_eq!(overdue.len(), 3, "three months unpaid, all past due");
        assert!(overdue.iter().all(|i| i.multa > 0.0 && i.juros > 0.0));
    }

    #[test]
    fn fixture_and_real_cpfs_are_found() {
        assert_eq!(find_customer("111.111.111-11").unwrap().nome, "Maria Silva");
        assert_eq!(find_customer("22222222222").unwrap().situacao, "em_debito");
        for c in CUSTOMERS.iter().filter(|c| !FIXTURE_CPFS.contains(&c.cpf)) {
            assert!(
                shared::Cpf::parse(c.cpf).is_ok(),
                "{} has a valid CPF",
                c.name
            );
        }
        assert!(find_customer("98765432100").is_none());
    }

    #[test]
    fn payment_data_verifies() {
        let maria = invoices("100231", today()).unwrap();
        let open = maria
            .iter()
            .find(|i| i.status != InvoiceStatus::Paga)
            .unwrap();
        let copy = second_copy(&open.id, today()).unwrap();
        assert_eq!(copy.pagamento.linha_digitavel.len(), 48);
        assert!(digitable_valid(&copy.pagamento.linha_digitavel));
        assert!(pix_valid(&copy.pagamento.pix_copia_e_cola));
        let agreement = close_agreement("100452", "6x", "k1", today()).unwrap();
        assert_eq!(agreement.opcao.parcelas, 6);
        assert!(digitable_valid(&agreement.primeira_parcela.linha_digitavel));
        assert!(pix_valid(&agreement.primeira_parcela.pix_copia_e_cola));
        assert_eq!(
            close_agreement("100452", "6x", "k1", today()).unwrap().id,
            agreement.id,
            "a retried call answers the same agreement"
        );
    }

    #[test]
    fn negotiation_offers_cash_with_discount_and_three_instalment_plans() {
        let n = negotiation("100452", today()).unwrap();
        let ids: Vec<&str> = n.opcoes.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["avista", "3x", "6x", "10x"]);
        assert!(n.opcoes[0].total < n.divida_total);
        assert!(
            n.opcoes[3].total > n.opcoes[1].total,
            "longer plans cost more"
        );
        assert!(negotiation("100231", today()).unwrap().opcoes.is_empty());
    }
}
