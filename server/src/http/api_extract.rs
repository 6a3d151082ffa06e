//! How the REST API reads a request: path ids (404 when they do not parse), query parameters
//! and JSON bodies, each refused in the API's JSON with the status that says why.

use super::json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use backend::AppState;

pub fn not_found() -> Response {
    json::error(404, "not_found", "Recurso não encontrado.")
}

/// A path id; one that does not parse names nothing, so it is a 404.
pub struct Id<T>(pub T);

impl<T: std::str::FromStr + Send> FromRequestParts<AppState> for Id<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse().map(Id).map_err(|_| not_found())
    }
}

/// Two path ids (`/teams/{id}/members/{user_id}`), a 404 when either does not parse.
pub struct Ids<A, B>(pub A, pub B);

impl<A: std::str::FromStr + Send, B: std::str::FromStr + Send> FromRequestParts<AppState>
    for Ids<A, B>
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        match (a.parse(), b.parse()) {
            (Ok(a), Ok(b)) => Ok(Ids(a, b)),
            _ => Err(not_found()),
        }
    }
}

/// Query parameters, with a 400 in our format when they do not parse.
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
            .map(ApiQuery)
            .map_err(|e| {
                json::error(
                    400,
                    "invalid_query",
                    format!("Parâmetros de consulta inválidos: {e}."),
                )
            })
    }
}

/// A JSON body, with errors in our format: 415 without `application/json`, 400 when it is not
/// JSON, 422 when fields are missing or of the wrong type (413 comes from `limit_body`).
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(json::error(
                415,
                "unsupported_media_type",
                "Envie o corpo como JSON (Content-Type: application/json).",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|_| json::error(400, "bad_request", "O corpo não é um JSON válido."))?;
        serde_json::from_value(value).map(ApiJson).map_err(|e| {
            json::error(
                422,
                "invalid_body",
                format!("Campos ausentes ou inválidos: {e}."),
            )
        })
    }
}
