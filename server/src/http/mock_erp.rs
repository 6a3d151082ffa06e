//! `/mock-erp/`: the demo's ERP of "Águas do Vale", served by the platform in demo mode and
//! reached by the bot through the HTTP connector exactly like a customer's ERP. The API is
//! documented in docs/mock-erp.md (and at `GET /mock-erp`), so prospects see what their ERP
//! must answer. Latency and a failure rate can be injected in the `mock_erp` setting.

use super::json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::erp::mock::{self, DEMO_API_KEY};
use backend::AppState;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mock-erp", get(index))
        .route("/mock-erp/clientes", get(find_customer))
        .route("/mock-erp/faturas-vencidas", get(overdue))
        .route("/mock-erp/clientes/{id}/faturas", get(invoices))
        .route("/mock-erp/faturas/{id}/segunda-via", get(second_copy))
        .route("/mock-erp/clientes/{id}/leituras", get(readings))
        .route("/mock-erp/clientes/{id}/negociacao", get(negotiation))
        .route("/mock-erp/clientes/{id}/acordos", post(close_agreement))
        .route(
            "/mock-erp/clientes/{id}/solicitacoes",
            post(open_service_request),
        )
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Demo mode, the API key, then the injected latency and failures.
async fn gate(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    if !state.demo {
        return Err(json::error(
            404,
            "not_found",
            "O ERP de demonstração só existe no modo demonstração.",
        ));
    }
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    if key != Some(DEMO_API_KEY) {
        return Err(json::error(
            401,
            "chave_invalida",
            "Chave de API ausente ou inválida: envie o cabeçalho X-Api-Key.",
        ));
    }
    let injection = backend::bot::mock_injection(state).await;
    if injection.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(injection.latency_ms.min(60_000))).await;
    }
    if injection.failure_percent > 0 && rand::random_range(0..100u8) < injection.failure_percent {
        return Err(json::error(
            503,
            "indisponivel",
            "ERP temporariamente indisponível (falha simulada).",
        ));
    }
    Ok(())
}

fn not_found(what: &str) -> Response {
    json::error(404, "nao_encontrado", format!("{what} não encontrado."))
}

/// The gate, then what `find` found (404 naming `what` when nothing).
async fn serve<T: serde::Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    what: &str,
    find: impl FnOnce() -> Option<T>,
) -> Response {
    if let Err(r) = gate(state, headers).await {
        return r;
    }
    answer(find(), what)
}

fn answer<T: serde::Serialize>(found: Option<T>, what: &str) -> Response {
    match found {
        Some(v) => (StatusCode::OK, Json(v)).into_response(),
        None => not_found(what),
    }
}

async fn index(State(state): State<AppState>) -> Response {
    if !state.demo {
        return not_found("ERP de demonstração");
    }
    Json(json!({
        "nome": "ERP de demonstração — Águas do Vale",
        "autenticacao": "Cabeçalho X-Api-Key",
        "documentacao": "docs/mock-erp.md",
        "operacoes": [
            {"metodo": "GET", "caminho": "/mock-erp/clientes?cpf={cpf}", "descricao": "Buscar cliente por CPF (404 quando não existe)"},
            {"metodo": "GET", "caminho": "/mock-erp/clientes/{cliente}/faturas", "descricao": "Faturas abertas, vencidas e pagas"},
            {"metodo": "GET", "caminho": "/mock-erp/faturas-vencidas", "descricao": "Clientes com faturas vencidas, o valor devido e o celular (público de campanhas de cobrança)"},
            {"metodo": "GET", "caminho": "/mock-erp/faturas/{fatura}/segunda-via", "descricao": "Linha digitável e PIX copia e cola"},
            {"metodo": "GET", "caminho": "/mock-erp/clientes/{cliente}/leituras", "descricao": "Leituras dos últimos 12 meses"},
            {"metodo": "GET", "caminho": "/mock-erp/clientes/{cliente}/negociacao", "descricao": "Simulação: à vista com desconto, 3, 6 ou 10 parcelas"},
            {"metodo": "POST", "caminho": "/mock-erp/clientes/{cliente}/acordos", "corpo": {"opcao": "6x"}, "descricao": "Fecha o acordo; devolve a 1ª parcela"},
            {"metodo": "POST", "caminho": "/mock-erp/clientes/{cliente}/solicitacoes", "corpo": {"tipo": "vazamento", "descricao": "…"}, "descricao": "Abre uma solicitação de serviço"},
        ],
    }))
    .into_response()
}

async fn find_customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = gate(&state, &headers).await {
        return r;
    }
    let Some(cpf) = query.get("cpf") else {
        return json::error(400, "cpf_ausente", "Informe o parâmetro cpf.");
    };
    answer(mock::find_customer(cpf), "Cliente")
}

async fn overdue(State(state): State<AppState>, headers: HeaderMap) -> Response {
    serve(&state, &headers, "Cliente", || Some(mock::overdue(today()))).await
}

async fn invoices(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    serve(&state, &headers, "Cliente", || mock::invoices(&id, today())).await
}

async fn second_copy(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    serve(&state, &headers, "Fatura", || {
        mock::second_copy(&id, today())
    })
    .await
}

async fn readings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    serve(&state, &headers, "Cliente", || mock::readings(&id, today())).await
}

async fn negotiation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    serve(&state, &headers, "Cliente", || {
        mock::negotiation(&id, today())
    })
    .await
}

fn idempotency_key(headers: &HeaderMap) -> String {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

#[derive(Deserialize)]
struct AgreementBody {
    opcao: String,
}

async fn close_agreement(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<AgreementBody>, JsonRejection>,
) -> Response {
    let expected = "Envie {\"opcao\": \"avista|3x|6x|10x\"}.";
    write(&state, &headers, body, expected, |body, key| {
        answer(
            mock::close_agreement(&id, &body.opcao, key, today()),
            "Cliente ou opção",
        )
    })
    .await
}

/// The gate, then the JSON body (400 with `expected` when it does not parse), then `act`
/// with the caller's idempotency key.
async fn write<T>(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Json<T>, JsonRejection>,
    expected: &str,
    act: impl FnOnce(T, &str) -> Response,
) -> Response {
    if let Err(r) = gate(state, headers).await {
        return r;
    }
    match body {
        Ok(Json(body)) => act(body, &idempotency_key(headers)),
        Err(_) => json::error(400, "corpo_invalido", expected),
    }
}

/// `descricao` is accepted and not kept: the mock only numbers the request.
#[derive(Deserialize)]
struct ServiceRequestBody {
    tipo: String,
}

async fn open_service_request(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<ServiceRequestBody>, JsonRejection>,
) -> Response {
    let expected =
        "Envie {\"tipo\": \"vazamento|falta_agua|leitura|outro\", \"descricao\": \"…\"}.";
    write(
        &state,
        &headers,
        body,
        expected,
        |body, key| match mock::open_service_request(&id, &body.tipo, key, today()) {
            Some(v) => (StatusCode::CREATED, Json(v)).into_response(),
            None => not_found("Cliente"),
        },
    )
    .await
}
