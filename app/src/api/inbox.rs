//! Conversas: the agent inbox. Every endpoint takes JSON and checks both the role's permission
//! and, in the use case, whether the viewer may see the conversation.

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::dto::{ContactInput, MessageView};
use shared::inbox::{
    AgentOption, CannedResponse, ContactPanel, ConversationDetail, InboxPage, InboxQuery,
    InboxSettings, TeamOption, TransferInput,
};
use shared::{ChannelId, ConversationId, TeamId, UserId};

#[server(client = CsrfClient, endpoint = "inbox/list", input = Json)]
pub async fn inbox_list(query: InboxQuery) -> Result<InboxPage, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewOwnConversations)?;
        inbox::list(&call.state, &who, &query).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/conversation", input = Json)]
pub async fn open_conversation(id: ConversationId) -> Result<ConversationDetail, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewOwnConversations)?;
        inbox::detail(&call.state, &who, id).await
    })
    .await
}

/// Older messages of the contact, before the `before` cursor.
#[server(client = CsrfClient, endpoint = "inbox/history", input = Json)]
pub async fn earlier_messages(
    id: ConversationId,
    before: i64,
) -> Result<(Vec<MessageView>, bool), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewOwnConversations)?;
        inbox::history(&call.state, &who, id, Some(before)).await
    })
    .await
}

/// Messages of the contact after the `after` cursor (live updates and catch-up).
#[server(client = CsrfClient, endpoint = "inbox/after", input = Json)]
pub async fn messages_after(id: ConversationId, after: i64) -> Result<Vec<MessageView>, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewOwnConversations)?;
        inbox::messages_after(&call.state, &who, id, after).await
    })
    .await
}

/// A reply (`note` false) or a private note.
#[server(client = CsrfClient, endpoint = "inbox/send", input = Json)]
pub async fn send_reply(
    conversation: ConversationId,
    text: String,
    note: bool,
    client_id: Option<String>,
) -> Result<MessageView, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::messaging::Outbound;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        let outbound = if note {
            Outbound::Note { text }
        } else {
            Outbound::Text { text }
        };
        inbox::send(&call.state, &who, conversation, outbound, client_id).await
    })
    .await
}

/// A file uploaded with `POST /anexos`, with an optional caption.
#[server(client = CsrfClient, endpoint = "inbox/send-attachment", input = Json)]
pub async fn send_attachment(
    conversation: ConversationId,
    media: shared::messaging::Attachment,
    caption: Option<String>,
    client_id: Option<String>,
) -> Result<MessageView, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::messaging::Outbound;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        let outbound = Outbound::Media { media, caption };
        inbox::send(&call.state, &who, conversation, outbound, client_id).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/send-template", input = Json)]
pub async fn send_template(
    conversation: ConversationId,
    name: String,
    language: String,
    values: Vec<String>,
) -> Result<MessageView, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        inbox::send_template(&call.state, &who, conversation, &name, &language, &values).await
    })
    .await
}

/// "Assumir": assigns the conversation to the viewer.
#[server(client = CsrfClient, endpoint = "inbox/take", input = Json)]
pub async fn take_conversation(conversation: ConversationId) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        inbox::take(&call.state, &who, conversation, true).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/assign", input = Json)]
pub async fn assign_conversation(
    conversation: ConversationId,
    agent: UserId,
) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::AssignConversations)?;
        inbox::assign(&call.state, &who, conversation, agent).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/transfer", input = Json)]
pub async fn transfer_conversation(input: TransferInput) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::TransferConversations)?;
        inbox::transfer(&call.state, &who, &input).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/resolve", input = Json)]
pub async fn resolve_conversation(conversation: ConversationId) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        inbox::resolve(&call.state, &who, conversation).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/reopen", input = Json)]
pub async fn reopen_conversation(conversation: ConversationId) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        inbox::reopen(&call.state, &who, conversation).await
    })
    .await
}

/// Continues on another of the contact's channels; returns the conversation there.
#[server(client = CsrfClient, endpoint = "inbox/continue", input = Json)]
pub async fn continue_on_channel(
    conversation: ConversationId,
    channel: ChannelId,
) -> Result<ConversationId, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        inbox::continue_on(&call.state, &who, conversation, channel).await
    })
    .await
}

/// The contact's CPF in full; the reveal is written to the audit log.
#[server(client = CsrfClient, endpoint = "inbox/reveal-cpf", input = Json)]
pub async fn reveal_cpf(conversation: ConversationId) -> Result<String, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::RevealCpf)?;
        inbox::reveal_cpf(&call.state, &who, conversation).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/contact", input = Json)]
pub async fn update_contact(
    conversation: ConversationId,
    input: ContactInput,
) -> Result<ContactPanel, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ReplyToConversations)?;
        inbox::update_contact(&call.state, &who, conversation, input).await
    })
    .await
}

/// Agents to transfer or assign to, with their load.
#[server(client = CsrfClient, endpoint = "inbox/agents", input = Json)]
pub async fn inbox_agents() -> Result<Vec<AgentOption>, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::TransferConversations)?;
        inbox::agents(&call.state).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/teams", input = Json)]
pub async fn inbox_teams() -> Result<Vec<TeamOption>, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::TransferConversations)?;
        inbox::teams(&call.state).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/auto-assign", input = Json)]
pub async fn set_auto_assign(team: TeamId, on: bool) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageQueues)?;
        inbox::set_auto_assign(&call.state, &who, team, on).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/canned", input = Json)]
pub async fn canned_responses() -> Result<Vec<CannedResponse>, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ReplyToConversations)?;
        inbox::canned(&call.state).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/canned-save", input = Json)]
pub async fn save_canned_response(input: CannedResponse) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageCannedResponses)?;
        inbox::save_canned(&call.state, &who, &input).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/canned-delete", input = Json)]
pub async fn delete_canned_response(id: uuid::Uuid) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageCannedResponses)?;
        inbox::delete_canned(&call.state, &who, id).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/settings", input = Json)]
pub async fn get_inbox_settings() -> Result<InboxSettings, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        inbox::settings(&call.state.pool).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "inbox/settings-save", input = Json)]
pub async fn save_inbox_settings(settings: InboxSettings) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        inbox::save_settings(&call.state, &who, settings).await
    })
    .await
}

/// Reads the WhatsApp channel's templates from Meta.
#[server(client = CsrfClient, endpoint = "channels/sync-templates", input = Json)]
pub async fn sync_templates(channel: ChannelId) -> Result<usize, AppError> {
    use crate::guard;
    use backend::services::inbox;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        inbox::sync_templates(&call.state, channel).await
    })
    .await
}
