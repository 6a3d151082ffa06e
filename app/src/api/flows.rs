//! Fluxos: the flow builder's list and canvas (administrators edit, supervisors look).

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::flow::builder::{FlowDocument, FlowsOverview, VersionView};
use shared::flow::Flow;
use shared::ChannelId;

#[server(client = CsrfClient, endpoint = "flows/list")]
pub async fn list_flows() -> Result<FlowsOverview, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewFlows)?;
        builder::overview(&call.state).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "flows/get")]
pub async fn get_flow(key: String) -> Result<FlowDocument, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewFlows)?;
        let editable = who.user.can(Permission::ManageFlows);
        builder::document(&call.state, &key, editable).await
    })
    .await
}

/// The canvas's autosave: the new revision, or a refusal when `base_revision` is stale.
#[server(client = CsrfClient, endpoint = "flows/save", input = Json)]
pub async fn save_flow(key: String, flow: Flow, base_revision: i32) -> Result<i32, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        builder::autosave(&call.state, &who, &key, flow, base_revision).await
    })
    .await
}

/// Publishes the draft (refused while it has problems): the new version.
#[server(client = CsrfClient, endpoint = "flows/publish")]
pub async fn publish_flow(key: String, note: String) -> Result<i32, AppError> {
    use crate::guard;
    use backend::bot::library;
    use backend::guard::{ensure_not_demo_locked, DemoLocked};
    use backend::services::users::Actor;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        ensure_not_demo_locked(&call.state, &who, DemoLocked::Flows)?;
        let label = who.label();
        library::publish(&call.state, &key, &note, &Actor::person(&who, &label)).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "flows/versions")]
pub async fn flow_versions(key: String) -> Result<Vec<VersionView>, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewFlows)?;
        builder::versions(&call.state, &key).await
    })
    .await
}

/// One published version's flow, to compare with the draft.
#[server(client = CsrfClient, endpoint = "flows/version")]
pub async fn flow_version(key: String, version: i32) -> Result<Flow, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewFlows)?;
        builder::version(&call.state, &key, version).await
    })
    .await
}

/// The version becomes the draft: the draft's new revision.
#[server(client = CsrfClient, endpoint = "flows/restore")]
pub async fn restore_flow_version(key: String, version: i32) -> Result<i32, AppError> {
    use crate::guard;
    use backend::bot::library;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        library::restore(&call.state, &key, version, Some(who.user.id)).await
    })
    .await
}

/// A new flow from a template: its key.
#[server(client = CsrfClient, endpoint = "flows/create")]
pub async fn create_flow(name: String, template: String) -> Result<String, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        builder::create(&call.state, &who, &name, &template).await
    })
    .await
}

/// A copy of a flow: the copy's key.
#[server(client = CsrfClient, endpoint = "flows/duplicate")]
pub async fn duplicate_flow(key: String) -> Result<String, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        builder::duplicate(&call.state, &who, &key).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "flows/archive")]
pub async fn archive_flow(key: String, archived: bool) -> Result<(), AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        builder::set_archived(&call.state, &who, &key, archived).await
    })
    .await
}

/// Imports a flow file (JSON), validated against the library and published: its key.
#[server(client = CsrfClient, endpoint = "flows/import")]
pub async fn import_flow(json: String) -> Result<String, AppError> {
    use crate::guard;
    use backend::bot::library;
    use backend::guard::{ensure_not_demo_locked, DemoLocked};
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        ensure_not_demo_locked(&call.state, &who, DemoLocked::Flows)?;
        Ok(library::import(&call.state, &json, Some(who.user.id))
            .await?
            .key)
    })
    .await
}

/// The flow that answers new conversations on a channel (empty: no bot).
#[server(client = CsrfClient, endpoint = "flows/channel")]
pub async fn set_channel_flow(channel: ChannelId, flow: String) -> Result<(), AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        builder::set_channel_flow(&call.state, &who, channel, Some(flow)).await
    })
    .await
}

/// "Testar": one message through the draft on the server's engine (nothing reaches a channel).
#[server(client = CsrfClient, endpoint = "flows/test", input = Json)]
pub async fn test_flow(
    request: shared::flow::builder::TestRequest,
) -> Result<shared::flow::builder::TestTurn, AppError> {
    use crate::guard;
    use backend::bot::tester;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageFlows)?;
        tester::turn(&call.state, request).await
    })
    .await
}

/// The builder open on a flow says it is there: who else has it open.
#[server(client = CsrfClient, endpoint = "flows/presence")]
pub async fn flow_presence(key: String) -> Result<Vec<String>, AppError> {
    use crate::guard;
    use backend::bot::builder;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewFlows)?;
        builder::presence(&call.state, &who, &key).await
    })
    .await
}

/// "Onde os clientes vão": per block of the flow, how many conversations passed, left through
/// each port or stopped there, and the median time spent, for a published `version` (none:
/// all) over the São Paulo days `from..=to` (none: the last 30 days).
#[server(client = CsrfClient, endpoint = "flows/analytics")]
pub async fn flow_analytics(
    key: String,
    version: Option<i32>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<shared::flow::analytics::FlowAnalytics, AppError> {
    use crate::guard;
    use backend::bot::analytics;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewFlows)?;
        analytics::overview(&call.state, &key, version, from, to).await
    })
    .await
}

/// The test contacts: phone numbers whose conversations on the real channels run the drafts.
#[server(client = CsrfClient, endpoint = "flows/test-contacts")]
pub async fn flow_test_contacts() -> Result<shared::flow::builder::TestContacts, AppError> {
    use crate::guard;
    use backend::bot::test_contacts;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageFlows)?;
        test_contacts::get(&call.state).await
    })
    .await
}

/// Replaces the test contacts with the numbers typed, one per line.
#[server(client = CsrfClient, endpoint = "flows/test-contacts/save")]
pub async fn save_flow_test_contacts(
    phones: String,
) -> Result<shared::flow::builder::TestContacts, AppError> {
    use crate::guard;
    use backend::bot::test_contacts;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageFlows)?;
        test_contacts::set(&call.state, &who, &phones).await
    })
    .await
}
