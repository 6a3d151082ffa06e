//! The REST API for integrations, under `/api/v1`, authenticated by bearer tokens that
//! administrators create. The OpenAPI 3 document is generated from these handlers and types and
//! served at `/api/v1/openapi.json`.

// Helpers return the finished error response on their error path, as handlers do; boxing it
// would only add an allocation to the failure path.
#![allow(clippy::result_large_err)]
use super::api_auth::Caller;
use super::api_doc::{BearerAuth, CommonResponses};
use super::api_extract::{ApiJson, ApiQuery, Id};
use super::json::{self, ErrorBody};
use app::error::AppError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::services::{channels, contacts};
use backend::{messaging, AppState};
use serde::{Deserialize, Serialize};
use shared::dto::{ChannelView, ContactInput, ContactView, ConversationView, MessageView};
use shared::messaging::{Author, ConversationStatus, Outbound};
use shared::{ChannelId, ContactId, ConversationId, MessageId, TeamId, UserId};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/contacts", get(list_contacts).post(create_contact))
        .route(
            "/api/v1/contacts/{id}",
            get(get_contact).patch(update_contact),
        )
        .route("/api/v1/contacts/{id}/merge", post(merge_contact))
        .route("/api/v1/conversations", get(list_conversations))
        .route("/api/v1/conversations/{id}", get(get_conversation))
        .route(
            "/api/v1/conversations/{id}/messages",
            get(list_messages).post(send_message),
        )
        .route("/api/v1/conversations/{id}/read", post(mark_read))
        .route("/api/v1/messages/{id}/media", get(media))
        .route("/api/v1/channels", get(list_channels))
        .route("/api/v1/channels/{id}", get(get_channel))
        .merge(super::api_directory::router())
        .merge(super::api_actions::router())
        .merge(super::api_admin::router())
        .merge(super::api_flows::router())
        .merge(super::api_templates::router())
        .merge(super::api_campaigns::router())
        .merge(super::api_consent::router())
        .route(
            "/api/v1/{*rest}",
            axum::routing::any(|| async {
                json::error(404, "not_found", "Recurso não encontrado.")
            }),
        )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plataforma Omnichannel — API",
        version = "1.0.0",
        description = "Contatos, conversas, mensagens, canais, usuários e equipes. Autentique-se \
            com `Authorization: Bearer <token>` (crie o token em Configurações → Tokens de API ou \
            com `server api-token create --name NOME --scope read`). Cada token tem escopos: \
            leituras pedem `read`; criar e alterar contatos, `contacts`; agir nas conversas e \
            enviar mensagens, `conversations`; salvar, publicar e restaurar fluxos, `flows`; criar e \
            alterar usuários e equipes, e o resto, `admin`; modelos e campanhas, `campaigns`. Fora dos escopos do token: 403 \
            `insufficient_scope`. Erros: `{\"code\", \"message\"}`."
    ),
    paths(
        list_contacts, create_contact, get_contact, update_contact, merge_contact,
        list_conversations, get_conversation, list_messages, send_message, mark_read, media,
        list_channels, get_channel, super::api_directory::list_users,
        super::api_directory::list_teams, super::api_actions::assign, super::api_actions::transfer,
        super::api_actions::resolve, super::api_actions::take, super::api_actions::reopen,
        super::api_actions::continue_on, super::api_admin::create_user,
        super::api_admin::update_user, super::api_admin::create_team, super::api_admin::rename_team,
        super::api_admin::add_member, super::api_admin::remove_member,
        super::api_flows::list_flows, super::api_flows::get_flow, super::api_flows::save_draft,
        super::api_flows::publish, super::api_flows::versions, super::api_flows::restore,
        super::api_flows::export, super::api_flows::import_flow, super::api_flows::analytics,
        super::api_templates::list_templates, super::api_templates::create_template,
        super::api_templates::delete_template, super::api_templates::sync_templates,
        super::api_templates::set_button_actions,
        super::api_campaigns::create_campaign, super::api_campaigns::list_campaigns,
        super::api_campaigns::get_campaign, super::api_campaigns::preflight,
        super::api_campaigns::start, super::api_campaigns::pause, super::api_campaigns::resume,
        super::api_campaigns::cancel, super::api_campaigns::retry_failures,
        super::api_campaigns::get_settings, super::api_campaigns::put_settings,
        super::api_campaigns::recipients, super::api_consent::export,
        super::api_consent::import, super::api_consent::lookup, super::api_consent::remove,
        super::api_consent::consents, super::api_consent::record_consent
    ),
    components(schemas(
        ErrorBody, ContactList, ConversationList, MessageList, ChannelList, SendMessageBody,
        MergeBody, ContactInput, ContactView, ConversationView, MessageView, ChannelView,
        super::api_directory::UserList, super::api_directory::ApiUser,
        super::api_directory::TeamList, super::api_directory::ApiTeam,
        super::api_actions::AssignBody, super::api_actions::TransferBody,
        super::api_actions::ContinueBody, super::api_actions::Continued,
        super::api_admin::NewUserBody, super::api_admin::CreatedUser, super::api_admin::UserChanges,
        super::api_admin::TeamBody, super::api_admin::CreatedTeam, super::api_admin::MemberBody,
        super::api_flows::FlowSummary, super::api_flows::FlowList, super::api_flows::FlowDraft,
        super::api_flows::DraftBody, super::api_flows::Revision, super::api_flows::PublishBody,
        super::api_flows::Published, super::api_flows::FlowVersion,
        super::api_flows::FlowVersionList, super::api_flows::ImportBody, super::api_flows::Imported,
        super::api_flows::FlowAnalytics, super::api_flows::BlockFigures,
        super::api_templates::ApiTemplate, super::api_templates::TemplateList,
        super::api_templates::TemplateBody, super::api_templates::CreatedTemplate,
        super::api_templates::SyncBody, super::api_templates::Synced,
        super::api_templates::ButtonActionsBody,
        shared::sent_template::ButtonAction, shared::sent_template::QuickReplyAction,
        shared::campaign::model::CampaignSettings, shared::campaign::quiet::SendWindow,
        shared::campaign::optout::OptOutWords, shared::hours::BusinessHours, shared::hours::Span,
        shared::campaign::report::CampaignView, shared::campaign::report::Breakdown, shared::campaign::model::CampaignCounts, shared::campaign::model::CampaignStatus, super::api_campaigns::CampaignList,
        super::api_campaigns::CampaignBody, super::api_campaigns::TemplateRef,
        super::api_campaigns::AudienceBody, super::api_campaigns::CreatedCampaign,
        super::api_campaigns::LineProblem, super::api_campaigns::Duplicate,
        shared::campaign::report::Preflight, super::api_campaigns::Requeued,
        shared::campaign::report::RecipientView, super::api_campaigns::RecipientList,
        super::api_consent::ImportBody, super::api_consent::ImportedList,
        super::api_consent::Suppression, super::api_consent::Consent,
        super::api_consent::ConsentList, super::api_consent::ConsentBody
    )),
    modifiers(&BearerAuth, &CommonResponses),
    security(("bearer" = []))
)]
pub struct ApiDoc;

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

fn fail(e: impl Into<AppError>) -> Response {
    json::failure(e)
}

/// The result of a use case as the answer: `status` with the JSON body, or the error.
fn reply<T: Serialize, E: Into<AppError>>(status: StatusCode, result: Result<T, E>) -> Response {
    match result {
        Ok(body) => (status, Json(body)).into_response(),
        Err(e) => fail(e),
    }
}

/// A page's `limit` (1 to `max`, `default` when absent) and `offset` (0 or more), as the
/// document declares them; outside those, 400 saying which.
fn page(
    limit: Option<i64>,
    offset: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), Response> {
    let limit = limit.unwrap_or(default);
    let offset = offset.unwrap_or(0);
    if !(1..=max).contains(&limit) {
        return Err(json::error(
            400,
            "invalid_query",
            format!("O parâmetro limit deve estar entre 1 e {max}."),
        ));
    }
    if offset < 0 {
        return Err(json::error(
            400,
            "invalid_query",
            "O parâmetro offset não pode ser negativo.",
        ));
    }
    Ok((limit, offset))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ContactList {
    pub data: Vec<ContactView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConversationList {
    pub data: Vec<ConversationView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MessageList {
    pub data: Vec<MessageView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChannelList {
    pub data: Vec<ChannelView>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Name, e-mail, phone or CPF (part of it).
    q: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Lists contacts, newest first.
#[utoipa::path(get, path = "/api/v1/contacts", params(ContactQuery),
    responses((status = 200, body = ContactList), (status = 401, body = ErrorBody)))]
async fn list_contacts(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> Response {
    let (limit, offset) = match page(q.limit, q.offset, 50, 200) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = contacts::list(&state, q.q.as_deref(), limit, offset).await;
    reply(StatusCode::OK, result.map(|data| ContactList { data }))
}

/// Creates a contact.
#[utoipa::path(post, path = "/api/v1/contacts", request_body = ContactInput,
    responses((status = 201, body = ContactView), (status = 422, body = ErrorBody)))]
async fn create_contact(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(input): ApiJson<ContactInput>,
) -> Response {
    reply(StatusCode::CREATED, contacts::create(&state, &input).await)
}

/// A contact with its channel identities.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ContactView), (status = 404, body = ErrorBody)))]
async fn get_contact(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ContactId>,
) -> Response {
    reply(StatusCode::OK, contacts::get(&state, id).await)
}

/// Changes a contact: absent fields are kept, an empty string clears one.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", params(("id" = String, Path)),
    request_body = ContactInput,
    responses((status = 200, body = ContactView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_contact(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ContactId>,
    ApiJson(input): ApiJson<ContactInput>,
) -> Response {
    reply(StatusCode::OK, contacts::update(&state, id, &input).await)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MergeBody {
    /// The contact that remains; this one's identities and conversations move there.
    pub into: ContactId,
}

/// Merges this contact into another.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", params(("id" = String, Path)),
    request_body = MergeBody,
    responses((status = 200, body = ContactView, description = "The remaining contact"), (status = 404, body = ErrorBody)))]
async fn merge_contact(
    State(state): State<AppState>,
    Caller(token): Caller,
    Id(source): Id<ContactId>,
    ApiJson(merge): ApiJson<MergeBody>,
) -> Response {
    tracing::info!(token = %token.name, %source, into = %merge.into, "contacts merged through the API");
    reply(
        StatusCode::OK,
        contacts::merge(&state, source, merge.into, None).await,
    )
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// bot, waiting, open or resolved.
    status: Option<ConversationStatus>,
    channel_id: Option<ChannelId>,
    contact_id: Option<ContactId>,
    team_id: Option<TeamId>,
    assignee_id: Option<UserId>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Lists conversations by latest activity.
#[utoipa::path(get, path = "/api/v1/conversations", params(ConversationQuery),
    responses((status = 200, body = ConversationList), (status = 400, body = ErrorBody)))]
async fn list_conversations(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<ConversationQuery>,
) -> Response {
    let filter = contacts::ConversationFilter {
        status: q.status,
        channel: q.channel_id,
        contact: q.contact_id,
        team: q.team_id,
        assignee: q.assignee_id,
    };
    let (limit, offset) = match page(q.limit, q.offset, 50, 200) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = contacts::conversations(&state, &filter, limit, offset).await;
    reply(StatusCode::OK, result.map(|data| ConversationList { data }))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ConversationView), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
) -> Response {
    reply(StatusCode::OK, contacts::conversation(&state, id).await)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// Only messages with a larger `seq` (for catching up).
    after: Option<i64>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// A conversation's messages, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages",
    params(("id" = String, Path), MessageQuery),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody)))]
async fn list_messages(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
    ApiQuery(q): ApiQuery<MessageQuery>,
) -> Response {
    let (limit, _) = match page(q.limit, None, 100, 500) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        contacts::conversation(&state, id).await?;
        messaging::list_messages(&state.pool, id, q.after.unwrap_or(0), limit).await
    }
    .await;
    reply(StatusCode::OK, result.map(|data| MessageList { data }))
}

/// What to send: `text` for plain text, or `message` for buttons, lists, templates and notes.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SendMessageBody {
    pub text: Option<String>,
    pub message: Option<Outbound>,
    /// Who is writing: `agent` (default; may use Messenger's HUMAN_AGENT tag), `bot` or `system`.
    pub author: Option<Author>,
    /// Resending with the same id returns the first message instead of sending twice.
    pub client_id: Option<String>,
}

/// Sends a message. It is stored at once (`status: queued`) and delivered in the background;
/// the provider's receipts move the status to sent, delivered, read or failed.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", params(("id" = String, Path)),
    request_body = SendMessageBody,
    responses(
        (status = 201, body = MessageView),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Conversation resolved"),
        (status = 422, body = ErrorBody, description = "Limits of the channel or the 24-hour window")))]
async fn send_message(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
    ApiJson(b): ApiJson<SendMessageBody>,
) -> Response {
    let outbound = match (b.text, b.message) {
        (Some(text), None) => Outbound::Text { text },
        (None, Some(message)) => message,
        _ => {
            return json::error(
                422,
                "invalid_body",
                "Informe \"text\" ou \"message\" (apenas um deles).",
            )
        }
    };
    let author = b.author.unwrap_or(Author::Agent);
    if author == Author::Customer {
        return json::error(422, "invalid_body", "O autor não pode ser o cliente.");
    }
    let request = messaging::SendRequest {
        conversation: id,
        outbound,
        author,
        author_user: None,
        client_id: b.client_id,
    };
    reply(StatusCode::CREATED, messaging::send(&state, request).await)
}

/// Tells the customer their latest message was read (WhatsApp blue ticks, Messenger seen).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
) -> Response {
    let result = async {
        contacts::conversation(&state, id).await?;
        messaging::mark_read(&state, id).await
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e),
    }
}

/// Downloads an inbound message's media from the provider.
#[utoipa::path(get, path = "/api/v1/messages/{id}/media", params(("id" = String, Path)),
    responses((status = 200, description = "The file, with its content type"), (status = 404, body = ErrorBody),
        (status = 502, description = "Meta did not deliver the file now; try again", body = ErrorBody)))]
async fn media(State(state): State<AppState>, _caller: Caller, Id(id): Id<MessageId>) -> Response {
    match messaging::fetch_media(&state, id).await {
        Ok(file) => super::attachments::media_response(&state, &file, true).await,
        Err(e) => fail(e),
    }
}

/// The configured channels (secrets are never included).
#[utoipa::path(get, path = "/api/v1/channels", responses((status = 200, body = ChannelList)))]
async fn list_channels(State(state): State<AppState>, _caller: Caller) -> Response {
    let result = channels::list_views(&state).await;
    reply(StatusCode::OK, result.map(|data| ChannelList { data }))
}

#[utoipa::path(get, path = "/api/v1/channels/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ChannelView), (status = 404, body = ErrorBody)))]
async fn get_channel(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ChannelId>,
) -> Response {
    let result = channels::list_views(&state).await.and_then(|all| {
        all.into_iter()
            .find(|c| c.id == id)
            .ok_or(AppError::NotFound.into())
    });
    reply(StatusCode::OK, result)
}
