//! The REST API's flows (`flows` scope to change them, `read` to read): a company's CI keeps its
//! bot flows in its own repository and publishes them here. A draft is saved on the revision it
//! was read at (409 when someone saved since); a broken flow is refused with the validator's
//! pt-BR messages (422); publishing makes the draft the next immutable version.

use super::api_auth::{Audited, Caller};
use super::api_extract::{ApiJson, ApiQuery};
use super::json::{self, ErrorBody};
use super::session::ClientAddr;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use backend::bot::library;
use backend::error::{AppError, Error};
use backend::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Refusal;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/flows", get(list_flows))
        .route("/api/v1/flows/import", post(import_flow))
        .route("/api/v1/flows/{key}", get(get_flow))
        .route("/api/v1/flows/{key}/draft", put(save_draft))
        .route("/api/v1/flows/{key}/publish", post(publish))
        .route("/api/v1/flows/{key}/versions", get(versions))
        .route(
            "/api/v1/flows/{key}/versions/{version}/restore",
            post(restore),
        )
        .route("/api/v1/flows/{key}/export", get(export))
        .route("/api/v1/flows/{key}/analytics", get(analytics))
}

/// Refusals of a flow as integrators read them: 422 with every problem, 409 with the current
/// revision for a stale save.
fn failure(e: Error) -> Response {
    match e {
        Error::App(AppError::Refused(Refusal::FlowHasProblems { problems })) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({
                "code": "flow_has_problems",
                "message": Refusal::FlowHasProblems { problems: problems.clone() }.message(),
                "problems": problems,
            })),
        )
            .into_response(),
        Error::App(AppError::Refused(
            r @ (Refusal::FlowFileInvalid { .. }
            | Refusal::FlowKeyMismatch
            | Refusal::FlowKeyInvalid
            | Refusal::FlowNoteTooLong { .. }),
        )) => json::error(422, "flow_invalid", r.message()),
        Error::App(AppError::Refused(r @ Refusal::FlowDraftStale { revision })) => (
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "code": "stale_revision",
                "message": r.message(),
                "revision": revision,
            })),
        )
            .into_response(),
        Error::App(AppError::Refused(r @ Refusal::FlowVersionMissing { .. })) => {
            json::error(404, "not_found", r.message())
        }
        other => json::failure(other),
    }
}

fn answer<T: Serialize>(status: StatusCode, result: Result<T, Error>) -> Response {
    match result {
        Ok(body) => (status, Json(body)).into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlowSummary {
    pub key: String,
    pub name: String,
    /// The version the bot runs.
    pub published_version: i32,
    /// The draft's revision (what a save must carry).
    pub revision: i32,
    /// Whether the draft differs from the published version.
    pub unpublished_changes: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Who saved the draft last.
    pub updated_by: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlowList {
    pub data: Vec<FlowSummary>,
}

/// Every flow.
#[utoipa::path(get, path = "/api/v1/flows", responses((status = 200, body = FlowList)))]
pub async fn list_flows(State(state): State<AppState>, _caller: Caller) -> Response {
    let result = library::drafts(&state).await.map(|all| FlowList {
        data: all
            .into_iter()
            .map(|d| FlowSummary {
                key: d.key,
                name: d.name,
                published_version: d.published_version,
                revision: d.revision,
                unpublished_changes: d.unpublished_changes,
                updated_at: d.updated_at,
                updated_by: d.updated_by,
            })
            .collect(),
    });
    answer(StatusCode::OK, result)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlowDraft {
    pub key: String,
    pub name: String,
    /// The flow's JSON (`shared::flow::Flow`), as the builder and `export` give it.
    #[schema(value_type = Object)]
    pub draft: Value,
    pub revision: i32,
    /// The version the bot runs (null for none).
    pub published_version: Option<i32>,
}

/// A flow's draft, with its revision and the version the bot runs.
#[utoipa::path(get, path = "/api/v1/flows/{key}", params(("key" = String, Path)),
    responses((status = 200, body = FlowDraft), (status = 404, body = ErrorBody)))]
pub async fn get_flow(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
) -> Response {
    let result = library::draft(&state, &key).await.and_then(|d| {
        Ok(FlowDraft {
            draft: serde_json::to_value(&d.draft.0).map_err(anyhow::Error::from)?,
            key: d.key,
            name: d.name,
            revision: d.revision,
            published_version: Some(d.published_version),
        })
    });
    answer(StatusCode::OK, result)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DraftBody {
    /// The whole flow's JSON; its `key` is the one in the path.
    #[schema(value_type = Object)]
    pub flow: Value,
    /// The revision the change was made on (`revision` of `GET /api/v1/flows/{key}`).
    pub base_revision: i32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Revision {
    pub revision: i32,
}

/// Saves the draft: 409 `stale_revision` when it changed since `base_revision` (nothing is
/// overwritten), 422 `flow_has_problems` with the validator's messages.
#[utoipa::path(put, path = "/api/v1/flows/{key}/draft", params(("key" = String, Path)),
    request_body = DraftBody,
    responses((status = 200, body = Revision), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_draft(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<DraftBody>,
) -> Response {
    let result = library::save_draft(&state, &key, body.flow, body.base_revision, None)
        .await
        .map(|revision| Revision { revision });
    answer(StatusCode::OK, result)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PublishBody {
    /// What changed, for the history (up to 500 characters).
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Published {
    pub version: i32,
}

/// Publishes the draft as the next version; refused (422) while it has problems.
#[utoipa::path(post, path = "/api/v1/flows/{key}/publish", params(("key" = String, Path)),
    request_body = PublishBody,
    responses((status = 200, body = Published), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<PublishBody>,
) -> Response {
    let who = Audited::new(&caller, client);
    let result = library::publish(&state, &key, &body.note, &who.actor())
        .await
        .map(|version| Published { version });
    answer(StatusCode::OK, result)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlowVersion {
    pub version: i32,
    /// Who published it (null: the API, the command line or the demo's seed).
    pub author: Option<String>,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlowVersionList {
    pub data: Vec<FlowVersion>,
}

/// The flow's published versions, newest first.
#[utoipa::path(get, path = "/api/v1/flows/{key}/versions", params(("key" = String, Path)),
    responses((status = 200, body = FlowVersionList), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
) -> Response {
    let result = library::versions(&state, &key)
        .await
        .map(|all| FlowVersionList {
            data: all
                .into_iter()
                .map(|v| FlowVersion {
                    version: v.version,
                    author: v.author,
                    published_at: v.published_at,
                    note: v.note,
                })
                .collect(),
        });
    answer(StatusCode::OK, result)
}

/// The version becomes the draft (publish it to roll back).
#[utoipa::path(post, path = "/api/v1/flows/{key}/versions/{version}/restore",
    params(("key" = String, Path), ("version" = i32, Path)),
    responses((status = 200, body = Revision), (status = 404, body = ErrorBody)))]
pub async fn restore(
    State(state): State<AppState>,
    _caller: Caller,
    Path((key, version)): Path<(String, String)>,
) -> Response {
    let Ok(version) = version.parse::<i32>() else {
        return super::api_extract::not_found();
    };
    let result = library::restore(&state, &key, version, None)
        .await
        .map(|revision| Revision { revision });
    answer(StatusCode::OK, result)
}

/// The draft as a JSON file, as `import` takes it.
#[utoipa::path(get, path = "/api/v1/flows/{key}/export", params(("key" = String, Path)),
    responses((status = 200, description = "The flow's JSON"), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
) -> Response {
    match library::draft(&state, &key).await {
        Ok(d) => (
            [(
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"fluxo-{}.json\"", d.key),
            )],
            Json(d.draft.0),
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ImportBody {
    /// A flow's JSON (`export` gives one): a new flow, or a new version of the one with its key.
    #[schema(value_type = Object)]
    pub flow: Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub key: String,
    pub published_version: i32,
}

/// Imports a flow and publishes it (a new flow, or the next version of the one with its key).
#[utoipa::path(post, path = "/api/v1/flows/import", request_body = ImportBody,
    responses((status = 201, body = Imported), (status = 422, body = ErrorBody)))]
pub async fn import_flow(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(body): ApiJson<ImportBody>,
) -> Response {
    let result = async {
        let flow = library::import(&state, &body.flow.to_string(), None).await?;
        let d = library::draft(&state, &flow.key).await?;
        Ok::<_, Error>(Imported {
            key: d.key,
            published_version: d.published_version,
        })
    }
    .await;
    answer(StatusCode::CREATED, result)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// A published version (default: every version).
    version: Option<i32>,
    /// First São Paulo day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<chrono::NaiveDate>,
    /// Last São Paulo day, `YYYY-MM-DD` (default: today); at most 367 days after `from`.
    to: Option<chrono::NaiveDate>,
}

/// One block's figures over the period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BlockFigures {
    /// Conversations that reached the block (counted once per day).
    pub passed: i64,
    /// Conversations that left through each port: `next`, `choice:<id>`, `rule:<n>`, `else`,
    /// `success`, `error`, `failure`, `captured`.
    pub ports: std::collections::BTreeMap<String, i64>,
    /// Conversations that stopped there, by reason: `quit` (said "sair"), `open` (never
    /// answered), `inactive`, `agent` (asked for a person), `handoff`, `ended`, `menu`.
    pub stopped: std::collections::BTreeMap<String, i64>,
    /// Median time at the block, in seconds (from duration buckets).
    pub median_seconds: Option<f64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlowAnalytics {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    /// The version counted (null: every version).
    pub version: Option<i32>,
    /// The flow's published versions.
    pub versions: Vec<i32>,
    /// Conversations that reached the flow's start.
    pub started: i64,
    /// By block id.
    pub blocks: std::collections::BTreeMap<String, BlockFigures>,
}

/// Where customers go in the flow's published versions: per block, how many conversations
/// reached it, left through each port or stopped there, and the median time spent.
#[utoipa::path(get, path = "/api/v1/flows/{key}/analytics", params(("key" = String, Path), AnalyticsQuery),
    responses((status = 200, body = FlowAnalytics), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn analytics(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> Response {
    let result = backend::bot::analytics::overview(&state, &key, q.version, q.from, q.to)
        .await
        .map(|a| FlowAnalytics {
            from: a.from,
            to: a.to,
            version: a.version,
            versions: a.versions,
            started: a.started,
            blocks: a
                .blocks
                .into_iter()
                .map(|(id, b)| {
                    (
                        id,
                        BlockFigures {
                            passed: b.passed,
                            ports: b.ports,
                            stopped: b.stopped,
                            median_seconds: b.median_seconds,
                        },
                    )
                })
                .collect(),
        });
    answer(StatusCode::OK, result)
}
