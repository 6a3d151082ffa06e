//! The company's ERP, as the bot reaches it: the operations a utility needs ([`ErpConnector`])
//! and the HTTP connector an administrator configures in Configurações → Integrações (base
//! URL, an authentication header, each operation's path, a field mapping from the ERP's JSON to
//! the platform's). The demo's mock ERP (`/mock-erp/`) is reached through the same connector.

pub mod mock;

use crate::crypto::Secrets;
use crate::db;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::erp::{Agreement, Customer, Invoice, Negotiation, Reading, SecondCopy, ServiceRequest};
use shared::flow::text::json_path;
use shared::flow::ErpOperation;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// What a utility's ERP answers. Each call is bounded by the connector's timeout.
pub trait ErpConnector: Send + Sync {
    /// `None` when no customer has this CPF (11 digits).
    fn find_customer(
        &self,
        cpf: &str,
    ) -> impl Future<Output = Result<Option<Customer>, ErpError>> + Send;
    /// Open and paid invoices.
    fn invoices(
        &self,
        customer: &str,
    ) -> impl Future<Output = Result<Vec<Invoice>, ErpError>> + Send;
    /// The digitable line and PIX copia-e-cola of an invoice.
    fn second_copy(
        &self,
        invoice: &str,
    ) -> impl Future<Output = Result<SecondCopy, ErpError>> + Send;
    fn readings(
        &self,
        customer: &str,
    ) -> impl Future<Output = Result<Vec<Reading>, ErpError>> + Send;
    /// The debt and its options: cash with a discount, or instalments with interest.
    fn simulate_negotiation(
        &self,
        customer: &str,
    ) -> impl Future<Output = Result<Negotiation, ErpError>> + Send;
    /// Closes the agreement; returns the first instalment's payment data.
    fn close_agreement(
        &self,
        customer: &str,
        option: &str,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<Agreement, ErpError>> + Send;
    /// A leak, a missing reading…
    fn open_service_request(
        &self,
        customer: &str,
        kind: &str,
        description: &str,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<ServiceRequest, ErpError>> + Send;
}

/// Why a call failed; `message()` is pt-BR for the Integrações page and the presenter panel.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErpError {
    #[error("ERP not configured")]
    NotConfigured,
    #[error("timeout")]
    Timeout { ms: u64 },
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("status {status}")]
    Status { status: u16, body: String },
    /// The egress policy refused the call (an internal address, a redirect, a huge answer).
    #[error("refused: {0}")]
    Refused(String),
    #[error("invalid answer: {0}")]
    Invalid(String),
    #[error("missing argument {0}")]
    MissingArgument(&'static str),
}

impl ErpError {
    pub fn message(&self) -> String {
        match self {
            ErpError::NotConfigured => {
                "O ERP não está configurado (Configurações → Integrações).".into()
            }
            ErpError::Timeout { ms } => format!("O ERP não respondeu em {ms} ms."),
            ErpError::Unreachable(e) => format!(
                "Não foi possível conectar ao ERP: {}",
                crate::egress::short(e)
            ),
            // The status line only: what the far end wrote is never echoed to the page.
            ErpError::Status { status, .. } => format!(
                "O ERP respondeu com erro HTTP {status}{}.",
                reqwest::StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            ErpError::Refused(e) => format!("Chamada recusada: {e}."),
            ErpError::Invalid(e) => format!("A resposta do ERP não está no formato esperado: {e}"),
            ErpError::MissingArgument(a) => format!("Falta o parâmetro \"{a}\" na chamada ao ERP."),
        }
    }
}

/// The HTTP connector's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErpSettings {
    /// `https://erp.empresa.com.br/api`; empty: not configured (the demo uses its mock).
    #[serde(default)]
    pub base_url: String,
    /// E.g. `Authorization` or `X-Api-Key`.
    #[serde(default)]
    pub auth_header: String,
    #[serde(default)]
    pub auth_value: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Path of each operation, with `{cpf}`, `{cliente}`, `{fatura}` placeholders.
    #[serde(default)]
    pub paths: BTreeMap<ErpOperation, String>,
    /// Per operation: the platform's field → the path of that field in the ERP's JSON
    /// (`{"nome": "dados.nome_completo"}`). Unmapped fields are read under their own name.
    #[serde(default)]
    pub mapping: BTreeMap<ErpOperation, BTreeMap<String, String>>,
    /// Path of the collection audience (customers with overdue invoices, for campaigns).
    #[serde(default = "default_overdue_path")]
    pub overdue_path: String,
}

fn default_overdue_path() -> String {
    "/faturas-vencidas".into()
}

fn default_timeout_ms() -> u64 {
    5000
}

impl Default for ErpSettings {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            auth_header: String::new(),
            auth_value: String::new(),
            timeout_ms: default_timeout_ms(),
            paths: BTreeMap::new(),
            mapping: BTreeMap::new(),
            overdue_path: default_overdue_path(),
        }
    }
}

/// Method and default path of each operation (the mock ERP's API, docs/mock-erp.md).
pub fn default_route(op: ErpOperation) -> (reqwest::Method, &'static str) {
    use reqwest::Method;
    match op {
        ErpOperation::FindCustomer => (Method::GET, "/clientes?cpf={cpf}"),
        ErpOperation::ListInvoices => (Method::GET, "/clientes/{cliente}/faturas"),
        ErpOperation::SecondCopy => (Method::GET, "/faturas/{fatura}/segunda-via"),
        ErpOperation::MeterReadings => (Method::GET, "/clientes/{cliente}/leituras"),
        ErpOperation::SimulateNegotiation => (Method::GET, "/clientes/{cliente}/negociacao"),
        ErpOperation::CloseAgreement => (Method::POST, "/clientes/{cliente}/acordos"),
        ErpOperation::OpenServiceRequest => (Method::POST, "/clientes/{cliente}/solicitacoes"),
    }
}

/// The demo's connector: the platform's own mock ERP with its demo key.
pub fn demo_settings(own_base: &str) -> ErpSettings {
    ErpSettings {
        base_url: format!("{}/mock-erp", own_base.trim_end_matches('/')),
        auth_header: "X-Api-Key".into(),
        auth_value: mock::DEMO_API_KEY.into(),
        ..ErpSettings::default()
    }
}

const SEALED: &str = "sealed:";

/// The mapping entry that names where, in the ERP's JSON, the answer lives.
pub const ANSWER_AT: &str = ".";

impl db::settings::Setting for ErpSettings {
    const KEY: &'static str = "erp";
}

/// Reads the saved settings (the header value opened); in demo mode, unsaved settings, or
/// settings saved without a URL, point at the mock ERP.
pub async fn settings(
    pool: &sqlx::PgPool,
    secrets: &Secrets,
    demo_base: Option<&str>,
) -> anyhow::Result<ErpSettings> {
    let mut settings = match db::settings::find::<ErpSettings>(pool).await? {
        Some(s) if !s.base_url.trim().is_empty() => s,
        Some(s) if demo_base.is_none() => s,
        _ => return Ok(demo_base.map(demo_settings).unwrap_or_default()),
    };
    if let Some(bytes) = sealed_bytes(&settings.auth_value)? {
        settings.auth_value = String::from_utf8(secrets.open(&bytes)?)?;
    }
    Ok(settings)
}

/// The sealed bytes of a stored header value (`None` when stored in clear, or empty).
pub fn sealed_bytes(stored: &str) -> anyhow::Result<Option<Vec<u8>>> {
    match stored.strip_prefix(SEALED) {
        Some(sealed) => Ok(Some(URL_SAFE_NO_PAD.decode(sealed)?)),
        None => Ok(None),
    }
}

/// A header value as stored, from its sealed bytes.
pub fn sealed_text(sealed: &[u8]) -> String {
    format!("{SEALED}{}", URL_SAFE_NO_PAD.encode(sealed))
}

/// The settings as stored: the header value sealed with the platform's key, like channel
/// tokens, never in clear in the database.
pub fn sealed(mut settings: ErpSettings, secrets: &Secrets) -> anyhow::Result<ErpSettings> {
    if !settings.auth_value.is_empty() {
        settings.auth_value = sealed_text(&secrets.seal(settings.auth_value.as_bytes())?);
    }
    Ok(settings)
}

/// An ERP reached over HTTP with [`ErpSettings`].
pub struct HttpErp<'a> {
    pub egress: &'a crate::egress::Egress,
    pub settings: ErpSettings,
}

impl HttpErp<'_> {
    async fn call(
        &self,
        op: ErpOperation,
        vars: &[(&str, &str)],
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Option<Value>, ErpError> {
        let (method, default_path) = default_route(op);
        let path = self
            .settings
            .paths
            .get(&op)
            .filter(|p| !p.trim().is_empty())
            .map(String::as_str)
            .unwrap_or(default_path)
            .to_owned();
        let (status, text) = self
            .fetch(method, &path, vars, body, idempotency_key)
            .await?;
        if status == reqwest::StatusCode::NOT_FOUND && op == ErpOperation::FindCustomer {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(ErpError::Status {
                status: status.as_u16(),
                body: text,
            });
        }
        let value: Value =
            serde_json::from_str(&text).map_err(|e| ErpError::Invalid(e.to_string()))?;
        Ok(Some(self.mapped(op, value)))
    }

    /// The customers with overdue invoices, for a collection campaign's audience.
    pub async fn overdue_customers(&self) -> Result<Vec<shared::erp::OverdueCustomer>, ErpError> {
        let path = match self.settings.overdue_path.trim() {
            "" => default_overdue_path(),
            p => p.to_owned(),
        };
        let (status, text) = self
            .fetch(reqwest::Method::GET, &path, &[], None, None)
            .await?;
        if !status.is_success() {
            return Err(ErpError::Status {
                status: status.as_u16(),
                body: text,
            });
        }
        serde_json::from_str(&text).map_err(|e| ErpError::Invalid(e.to_string()))
    }

    /// One call to the ERP at `path` (its `{name}` placeholders filled from `vars`), with the
    /// connector's authentication and timeout: the status and the answer's text.
    async fn fetch(
        &self,
        method: reqwest::Method,
        path: &str,
        vars: &[(&str, &str)],
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> Result<(reqwest::StatusCode, String), ErpError> {
        let base = self.settings.base_url.trim_end_matches('/');
        if base.is_empty() {
            return Err(ErpError::NotConfigured);
        }
        let mut path = path.to_owned();
        for (name, value) in vars {
            let encoded: String = url_encode(value);
            path = path.replace(&format!("{{{name}}}"), &encoded);
        }
        let url = format!("{base}/{}", path.trim_start_matches('/'));
        let timeout = Duration::from_millis(self.settings.timeout_ms.clamp(100, 60_000));
        let mut request = self.egress.client.request(method, &url);
        if !self.settings.auth_header.trim().is_empty() {
            request = request.header(
                self.settings.auth_header.trim(),
                self.settings.auth_value.trim(),
            );
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        send_bounded(self.egress, request, timeout).await
    }

    /// Applies the operation's field mapping to the answer. The entry [`ANSWER_AT`] names
    /// where the answer lives in the ERP's JSON (`{".": "dados.faturas"}`); every other entry
    /// maps our field (dotted for a nested one, `primeira_parcela.valor`) from the ERP's path,
    /// item by item when the answer is a list. Fields not mapped keep their names.
    fn mapped(&self, op: ErpOperation, value: Value) -> Value {
        let Some(mapping) = self.settings.mapping.get(&op).filter(|m| !m.is_empty()) else {
            return value;
        };
        let value = match mapping.get(ANSWER_AT) {
            Some(path) => json_path(&value, path).cloned().unwrap_or(Value::Null),
            None => value,
        };
        let map_one = |item: Value| -> Value {
            let mut out: shared::flow::text::Vars = match &item {
                Value::Object(m) => m.clone().into_iter().collect(),
                _ => Default::default(),
            };
            for (ours, theirs) in mapping.iter().filter(|(ours, _)| *ours != ANSWER_AT) {
                if let Some(v) = json_path(&item, theirs) {
                    shared::flow::engine::set_path(&mut out, ours, v.clone());
                }
            }
            Value::Object(out.into_iter().collect())
        };
        match value {
            Value::Array(items) => Value::Array(items.into_iter().map(map_one).collect()),
            other => map_one(other),
        }
    }

    async fn typed<T: serde::de::DeserializeOwned>(
        &self,
        op: ErpOperation,
        vars: &[(&str, &str)],
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> Result<T, ErpError> {
        let value = self
            .call(op, vars, body, idempotency_key)
            .await?
            .ok_or_else(|| ErpError::Invalid("não encontrado".into()))?;
        serde_json::from_value(value).map_err(|e| ErpError::Invalid(e.to_string()))
    }
}

/// Sends through the egress client and reads the answer within `timeout` (connecting, waiting
/// and reading together): a slow ERP or API never holds a conversation longer.
pub async fn send_bounded(
    egress: &crate::egress::Egress,
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<(reqwest::StatusCode, String), ErpError> {
    use crate::egress::CallFailure;
    crate::egress::send_bounded(egress, request, timeout)
        .await
        .map_err(|f| match f {
            CallFailure::Timeout { ms } => ErpError::Timeout { ms },
            CallFailure::Refused(e) => ErpError::Refused(e.to_string()),
            CallFailure::Unreachable(e) => ErpError::Unreachable(e),
        })
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl ErpConnector for HttpErp<'_> {
    async fn find_customer(&self, cpf: &str) -> Result<Option<Customer>, ErpError> {
        match self
            .call(ErpOperation::FindCustomer, &[("cpf", cpf)], None, None)
            .await?
        {
            None => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| ErpError::Invalid(e.to_string())),
        }
    }

    async fn invoices(&self, customer: &str) -> Result<Vec<Invoice>, ErpError> {
        self.typed(
            ErpOperation::ListInvoices,
            &[("cliente", customer)],
            None,
            None,
        )
        .await
    }

    async fn second_copy(&self, invoice: &str) -> Result<SecondCopy, ErpError> {
        self.typed(ErpOperation::SecondCopy, &[("fatura", invoice)], None, None)
            .await
    }

    async fn readings(&self, customer: &str) -> Result<Vec<Reading>, ErpError> {
        self.typed(
            ErpOperation::MeterReadings,
            &[("cliente", customer)],
            None,
            None,
        )
        .await
    }

    async fn simulate_negotiation(&self, customer: &str) -> Result<Negotiation, ErpError> {
        self.typed(
            ErpOperation::SimulateNegotiation,
            &[("cliente", customer)],
            None,
            None,
        )
        .await
    }

    async fn close_agreement(
        &self,
        customer: &str,
        option: &str,
        idempotency_key: &str,
    ) -> Result<Agreement, ErpError> {
        self.typed(
            ErpOperation::CloseAgreement,
            &[("cliente", customer)],
            Some(serde_json::json!({"opcao": option})),
            Some(idempotency_key),
        )
        .await
    }

    async fn open_service_request(
        &self,
        customer: &str,
        kind: &str,
        description: &str,
        idempotency_key: &str,
    ) -> Result<ServiceRequest, ErpError> {
        self.typed(
            ErpOperation::OpenServiceRequest,
            &[("cliente", customer)],
            Some(serde_json::json!({"tipo": kind, "descricao": description})),
            Some(idempotency_key),
        )
        .await
    }
}

/// Runs a flow's ERP block: the operation with its (already interpolated) arguments, and the
/// answer shaped as the variables flows read (see [`shared::erp`]).
pub async fn run_operation<E: ErpConnector>(
    erp: &E,
    op: ErpOperation,
    args: &BTreeMap<String, String>,
    idempotency_key: &str,
) -> Result<Value, ErpError> {
    use shared::erp::*;
    let arg = |name: &'static str| {
        args.get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or(ErpError::MissingArgument(name))
    };
    Ok(match op {
        ErpOperation::FindCustomer => {
            let cpf: String = arg("cpf")?.chars().filter(char::is_ascii_digit).collect();
            customer_value(erp.find_customer(&cpf).await?.as_ref())
        }
        ErpOperation::ListInvoices => invoices_value(&erp.invoices(arg("cliente")?).await?),
        ErpOperation::SecondCopy => second_copy_value(&erp.second_copy(arg("fatura")?).await?),
        ErpOperation::MeterReadings => readings_value(&erp.readings(arg("cliente")?).await?),
        ErpOperation::SimulateNegotiation => {
            negotiation_value(&erp.simulate_negotiation(arg("cliente")?).await?)
        }
        ErpOperation::CloseAgreement => agreement_value(
            &erp.close_agreement(arg("cliente")?, arg("opcao")?, idempotency_key)
                .await?,
        ),
        ErpOperation::OpenServiceRequest => service_request_value(
            &erp.open_service_request(
                arg("cliente")?,
                arg("tipo")?,
                args.get("descricao").map(String::as_str).unwrap_or(""),
                idempotency_key,
            )
            .await?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_mapping_reads_the_erps_names_into_ours() {
        let egress = crate::egress::Egress::new(Default::default());
        let mut settings = ErpSettings::default();
        settings.mapping.insert(
            ErpOperation::FindCustomer,
            [
                ("nome".to_owned(), "dados.nome_completo".to_owned()),
                ("id".to_owned(), "codigo".to_owned()),
            ]
            .into(),
        );
        let erp = HttpErp {
            egress: &egress,
            settings,
        };
        let theirs = serde_json::json!({"codigo": "77", "cpf": "52998224725",
            "dados": {"nome_completo": "Ana Pereira"}});
        let ours: Customer =
            serde_json::from_value(erp.mapped(ErpOperation::FindCustomer, theirs)).unwrap();
        assert_eq!(
            (ours.id.as_str(), ours.nome.as_str()),
            ("77", "Ana Pereira")
        );
        assert_eq!(ours.cpf, "52998224725", "unmapped fields keep their name");
        // Lists are mapped item by item; other operations untouched.
        let list = serde_json::json!([{"codigo": "1", "dados": {"nome_completo": "A"}}]);
        assert_eq!(erp.mapped(ErpOperation::FindCustomer, list)[0]["nome"], "A");
        let same = serde_json::json!({"x": 1});
        assert_eq!(erp.mapped(ErpOperation::ListInvoices, same.clone()), same);
    }

    #[test]
    fn the_mapping_finds_a_list_inside_the_answer_and_fills_nested_fields() {
        let egress = crate::egress::Egress::new(Default::default());
        let mut settings = ErpSettings::default();
        settings.mapping.insert(
            ErpOperation::ListInvoices,
            [
                (ANSWER_AT.to_owned(), "resultado.itens".to_owned()),
                ("valor".to_owned(), "total".to_owned()),
                ("pagamento.pix".to_owned(), "cobranca.brcode".to_owned()),
            ]
            .into(),
        );
        let erp = HttpErp {
            egress: &egress,
            settings,
        };
        let theirs = serde_json::json!({"resultado": {"itens": [
            {"id": "F1", "total": 10.5, "cobranca": {"brcode": "000201…"}}]}});
        let ours = erp.mapped(ErpOperation::ListInvoices, theirs);
        assert_eq!(ours[0]["id"], "F1");
        assert_eq!(ours[0]["valor"], 10.5);
        assert_eq!(ours[0]["pagamento"]["pix"], "000201…");
        // The answer is not where the mapping says: nothing, which the call reports as invalid.
        let elsewhere = serde_json::json!({"dados": []});
        assert_eq!(
            erp.mapped(ErpOperation::ListInvoices, elsewhere),
            serde_json::json!({})
        );
    }
}
