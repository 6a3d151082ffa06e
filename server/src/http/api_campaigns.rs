//! The REST API's campaigns (`campaigns` scope): made from a template and a CSV audience,
//! checked by the pre-flight, started, paused, resumed and cancelled, and read with their
//! figures and each recipient's state.

use super::api_auth::Caller;
use super::api_extract::{ApiJson, ApiQuery};
use super::json::{self, ErrorBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::campaigns::{self, CampaignView, NewCampaign, Preflight, RecipientView};
use backend::error::{AppError, Error};
use backend::AppState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::campaign::model::CampaignAction;
use shared::campaign::segment::ContactFilter;
use shared::{ChannelId, Refusal};
use std::collections::BTreeMap;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/campaigns",
            get(list_campaigns).post(create_campaign),
        )
        .route(
            "/api/v1/campaigns/settings",
            get(get_settings).put(put_settings),
        )
        .route("/api/v1/campaigns/{id}", get(get_campaign))
        .route("/api/v1/campaigns/{id}/preflight", get(preflight))
        .route("/api/v1/campaigns/{id}/recipients", get(recipients))
        .route("/api/v1/campaigns/{id}/start", post(start))
        .route("/api/v1/campaigns/{id}/pause", post(pause))
        .route("/api/v1/campaigns/{id}/resume", post(resume))
        .route("/api/v1/campaigns/{id}/cancel", post(cancel))
        .route(
            "/api/v1/campaigns/{id}/retry-failures",
            post(retry_failures),
        )
}

fn with_problems(status: StatusCode, code: &str, r: &Refusal, problems: Vec<String>) -> Response {
    (
        status,
        Json(serde_json::json!({"code": code, "message": r.message(), "problems": problems})),
    )
        .into_response()
}

fn failure(e: Error) -> Response {
    match e {
        Error::App(AppError::Refused(r @ Refusal::CampaignInvalid { .. })) => {
            let Refusal::CampaignInvalid { problems } = &r else {
                unreachable!()
            };
            let problems = problems.clone();
            with_problems(
                StatusCode::UNPROCESSABLE_ENTITY,
                "campaign_invalid",
                &r,
                problems,
            )
        }
        Error::App(AppError::Refused(r @ Refusal::CampaignPreflightFailed { .. })) => {
            let Refusal::CampaignPreflightFailed { problems } = &r else {
                unreachable!()
            };
            let problems = problems.clone();
            with_problems(StatusCode::CONFLICT, "preflight_failed", &r, problems)
        }
        other => json::failure(other),
    }
}

fn id_of(raw: &str) -> Result<Uuid, Box<Response>> {
    raw.parse::<Uuid>()
        .map_err(|_| Box::new(json::failure(AppError::NotFound)))
}

fn answer(result: Result<CampaignView, Error>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TemplateRef {
    pub name: String,
    /// `pt_BR`…
    pub language: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AudienceBody {
    /// CSV text (`,` or `;`) with a header line and a phone column (telefone, celular,
    /// whatsapp…). A `consentimento` column saying "sim" records marketing consent.
    pub csv: Option<String>,
    /// `faturas_vencidas`: the ERP's customers with overdue invoices (columns nome, telefone,
    /// cpf, cliente, faturas, valor, vencimento), instead of a file.
    #[serde(default)]
    pub erp: Option<String>,
    /// The platform's contacts picked by a filter (channel, tags, custom attributes, last
    /// message), instead of a file: columns nome, telefone, email, cpf and each custom attribute.
    #[serde(default)]
    pub filter: Option<ContactFilter>,
    /// The phone column, when it is not named like one.
    #[serde(default)]
    pub phone_column: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CampaignBody {
    pub name: String,
    /// Needed when there is more than one WhatsApp channel.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    pub template: TemplateRef,
    pub audience: AudienceBody,
    /// A template parameter (`1`, `2`… or its name) → `{{coluna}}`, `{{coluna | padrão}}` or a
    /// fixed text.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// 1 to 1,000 (default 80, Meta's default throughput).
    #[serde(default)]
    pub rate_per_second: Option<i32>,
    /// When to start (`start` then schedules it); now when absent.
    #[serde(default)]
    pub schedule_at: Option<DateTime<Utc>>,
    /// Read `schedule_at` as each recipient's own wall-clock time (their zone by DDD): at
    /// 09:00 Brasília time São Paulo receives, Manaus an hour later, Rio Branco two.
    #[serde(default)]
    pub local_time: bool,
    /// Send only within the sending window in each recipient's local time (default true).
    #[serde(default = "yes")]
    pub respect_quiet_hours: bool,
    /// Recipients not sent to by then are dropped.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The most it spends a day (Brasília's calendar day), in BRL, at the price per delivered
    /// template of Configurações → Campanhas; the rest waits for the next day.
    #[serde(default)]
    pub daily_budget_brl: Option<f64>,
}

fn yes() -> bool {
    true
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LineProblem {
    pub line: usize,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Duplicate {
    pub line: usize,
    /// The earlier line with the same number.
    pub first_line: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedCampaign {
    pub id: Uuid,
    /// rascunho: `start` launches it.
    pub status: String,
    /// Recipients added.
    pub recipients: u64,
    pub columns: Vec<String>,
    pub phone_column: String,
    /// Lines left out, and why.
    pub problems: Vec<LineProblem>,
    pub duplicates: Vec<Duplicate>,
    /// Mobiles written with eight digits that got their ninth.
    pub ninth_digit_added: usize,
}

/// Makes a draft campaign: 201 with its id and the audience's validation report (lines left
/// out with their number, duplicates); 422 with every problem.
#[utoipa::path(post, path = "/api/v1/campaigns", request_body = CampaignBody,
    responses((status = 201, body = CreatedCampaign), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(body): ApiJson<CampaignBody>,
) -> Response {
    let audience = body.audience;
    let csv = match (audience.csv, audience.erp.as_deref(), audience.filter) {
        (Some(csv), None, None) => csv,
        (None, Some("faturas_vencidas"), None) => match campaigns::erp_audience(&state).await {
            Ok(csv) => csv,
            Err(e) => return failure(e),
        },
        (None, None, Some(filter)) => match campaigns::contacts_audience(&state, &filter).await {
            Ok(segment) => segment.csv,
            Err(e) => return failure(e),
        },
        _ => {
            return failure(
                AppError::Refused(Refusal::CampaignInvalid {
                    problems: vec![
                        "Informe um só público: audience.csv (um CSV com a coluna telefone), audience.erp = \"faturas_vencidas\" ou audience.filter (um filtro de contatos).".into(),
                    ],
                })
                .into(),
            )
        }
    };
    let request = NewCampaign {
        name: body.name,
        channel: body.channel_id,
        template_name: body.template.name,
        template_language: body.template.language,
        csv,
        phone_column: audience.phone_column,
        variables: body.variables,
        rate_per_second: body.rate_per_second,
        schedule_at: body.schedule_at,
        local_time: body.local_time,
        respect_quiet_hours: body.respect_quiet_hours,
        expires_at: body.expires_at,
        daily_budget_brl: body.daily_budget_brl,
    };
    match campaigns::create(&state, request, None).await {
        Ok(c) => (
            StatusCode::CREATED,
            Json(CreatedCampaign {
                id: c.id,
                status: "rascunho".into(),
                recipients: c.recipients,
                columns: c.report.columns,
                phone_column: c.report.phone_column,
                problems: c
                    .report
                    .problems
                    .into_iter()
                    .map(|p| LineProblem {
                        line: p.line,
                        message: p.message,
                    })
                    .collect(),
                duplicates: c
                    .report
                    .duplicates
                    .into_iter()
                    .map(|(line, first_line)| Duplicate { line, first_line })
                    .collect(),
                ninth_digit_added: c.report.ninth_digit_added,
            }),
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CampaignList {
    pub data: Vec<CampaignView>,
}

/// The latest 100 campaigns, newest first, with their figures.
#[utoipa::path(get, path = "/api/v1/campaigns",
    responses((status = 200, body = CampaignList)))]
pub async fn list_campaigns(State(state): State<AppState>, _caller: Caller) -> Response {
    match campaigns::list(&state).await {
        Ok(all) => Json(CampaignList { data: all }).into_response(),
        Err(e) => failure(e),
    }
}

/// Configurações → Campanhas: Meta's messaging limit (`messaging_limit`, 0 for unlimited),
/// the price per delivered template in BRL, the sending window (Monday first, minutes after
/// midnight in each recipient's local time; national holidays skipped or not), the
/// per-contact cap in 24 h (0: none) and the opt-out words.
#[utoipa::path(get, path = "/api/v1/campaigns/settings",
    responses((status = 200, body = shared::campaign::model::CampaignSettings)))]
pub async fn get_settings(State(state): State<AppState>, _caller: Caller) -> Response {
    match backend::services::settings::campaigns(&state).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => json::failure(e),
    }
}

/// Replaces Configurações → Campanhas (fields left out take their defaults); answers what was
/// stored. Every problem at once in a 422.
#[utoipa::path(put, path = "/api/v1/campaigns/settings",
    request_body = shared::campaign::model::CampaignSettings,
    responses((status = 200, body = shared::campaign::model::CampaignSettings),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    client: super::session::ClientAddr,
    ApiJson(body): ApiJson<shared::campaign::model::CampaignSettings>,
) -> Response {
    let audited = super::api_auth::Audited::new(&caller, client);
    match backend::services::settings::save_campaigns(&state, audited.actor(), body).await {
        Ok(s) => Json(s).into_response(),
        Err(Error::App(AppError::Refused(Refusal::CampaignSettingsInvalid { problems }))) => {
            let r = Refusal::CampaignSettingsInvalid {
                problems: problems.clone(),
            };
            with_problems(
                StatusCode::UNPROCESSABLE_ENTITY,
                "campaign_settings_invalid",
                &r,
                problems,
            )
        }
        Err(e) => json::failure(e),
    }
}

/// A campaign: its status and figures.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match id_of(&id) {
        Ok(id) => answer(campaigns::get(&state, id).await),
        Err(r) => *r,
    }
}

/// The checks before launch: the template approved, who is left out and why, overlap with
/// running campaigns, the messaging limit, the cost estimate.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/preflight", params(("id" = Uuid, Path)),
    responses((status = 200, body = Preflight), (status = 404, body = ErrorBody)))]
pub async fn preflight(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match campaigns::preflight(&state, id).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => failure(e),
    }
}

async fn act(state: &AppState, id: &str, action: CampaignAction) -> Response {
    match id_of(id) {
        Ok(id) => answer(campaigns::act(state, id, action, None).await),
        Err(r) => *r,
    }
}

/// Launches a draft (now, or at its `schedule_at`) after the pre-flight; 409 with the
/// pre-flight's problems when it refuses.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/start", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    act(&state, &id, CampaignAction::Start).await
}

/// Pauses a scheduled or sending campaign: nothing more goes out until `resume`.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pause", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    act(&state, &id, CampaignAction::Pause).await
}

/// Resumes a paused campaign where it stopped (nobody is sent twice).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/resume", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    act(&state, &id, CampaignAction::Resume).await
}

/// Cancels the campaign: recipients not yet sent to are cancelled.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/cancel", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    act(&state, &id, CampaignAction::Cancel).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Requeued {
    pub requeued: u64,
}

/// "Reenviar só as falhas temporárias": recipients that failed on an error that passes with
/// time (a rate, an outage, Meta's daily marketing cap) go back to the queue.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/retry-failures", params(("id" = Uuid, Path)),
    responses((status = 200, body = Requeued), (status = 404, body = ErrorBody)))]
pub async fn retry_failures(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    if let Err(e) = campaigns::get(&state, id).await {
        return failure(e);
    }
    match campaigns::retry_temporary(&state, id).await {
        Ok(requeued) => Json(Requeued { requeued }).into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecipientQuery {
    /// queued, claimed, sending, sent, unknown, failed, skipped or cancelled.
    state: Option<String>,
    /// The last id of the previous page.
    after: Option<Uuid>,
    /// 1 to 500 (default 100).
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecipientList {
    pub data: Vec<RecipientView>,
    /// Pass as `after` for the next page; null on the last one.
    pub next_after: Option<Uuid>,
}

/// Each recipient with its state, delivery and error, a page at a time.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/recipients",
    params(("id" = Uuid, Path), RecipientQuery),
    responses((status = 200, body = RecipientList), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn recipients(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RecipientQuery>,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    if let Some(s) = q.state.as_deref() {
        if shared::campaign::model::RecipientState::from_code(s).is_none() {
            return json::error(
                400,
                "bad_request",
                "Estado inválido: use queued, claimed, sending, sent, unknown, failed, skipped ou cancelled.",
            );
        }
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    match campaigns::recipients(&state, id, q.state.as_deref(), q.after, limit).await {
        Ok(rows) => {
            let next_after = (rows.len() as i64 == limit)
                .then(|| rows.last().map(|r| r.id))
                .flatten();
            Json(RecipientList {
                next_after,
                data: rows,
            })
            .into_response()
        }
        Err(e) => failure(e),
    }
}
