//! The bulk sender. A campaign's runner (an apalis job carrying only the campaign's id) claims
//! a batch of recipients (`for update skip locked`), reserves their slots on the number's
//! Redis pace, and sends them in small groups, each group marked "sending" just before its
//! Graph calls: a crash leaves claimed rows to go back to the queue and at most one group
//! "unknown", which the status webhooks settle. One Graph call per attempt, never a blind
//! resend.

use super::{consent, pacer};
use crate::channels::graph::GraphError;
use crate::channels::{whatsapp, Channel};
use crate::db::{self, campaigns as repo};
use crate::error::Error;
use crate::messaging::send::{store_outbound, Delivery, Outgoing};
use crate::outbox::{record_sent, Due};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use shared::campaign::errors::{classify, pair_rate_backoff, ErrorAction, UNKNOWN_OUTCOME};
use shared::campaign::model::{CampaignSettings, CampaignStatus, Purpose, SkipReason};
use shared::campaign::pacer::Reservation;
use shared::campaign::phone::{utc_offset_hours, BrPhone};
use shared::campaign::quiet::{brasilia_day_start, local_time};
use shared::campaign::vars::{self, Binding};
use shared::messaging::{Author, Outbound};
use shared::sent_template::{self, ButtonAction};
use shared::{ContactId, ConversationId, MessageId};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The runner's job: ids only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dispatch {
    pub campaign: Uuid,
}

/// A claim lasts this long; a worker that dies holding it gives it back after.
const LEASE_SECONDS: f64 = 60.0;
/// A runner sends for this long, then hands over to a new job (so no job outlives a deploy).
const RUN_FOR: Duration = Duration::from_secs(20);
/// Slots are reserved at most this far ahead.
const MAX_AHEAD: Duration = Duration::from_secs(2);

/// The queue's name has no `:` (apalis-redis's push wake-ups parse it).
pub fn dispatch_queue(
    conn: redis::aio::ConnectionManager,
    namespace: &str,
) -> apalis_redis::RedisStorage<Dispatch> {
    apalis_redis::RedisStorage::new(conn).with_config(
        apalis_redis::Config::default()
            .queue(format!("{namespace}-campaign-dispatch"))
            .heartbeat_interval(Duration::from_secs(1))
            .batch_size(1),
    )
}

fn runner_key(state: &AppState, campaign: Uuid) -> String {
    format!("{}:campaign:{campaign}:runner", state.auth.redis_namespace)
}

async fn push(state: &AppState, campaign: Uuid) {
    use apalis::prelude::TaskSink;
    let mut queue = dispatch_queue(state.redis.clone(), &state.auth.redis_namespace);
    if let Err(e) = queue.push(Dispatch { campaign }).await {
        tracing::warn!(error = %e, %campaign, "campaign runner not enqueued");
    }
}

/// Starts a runner for the campaign unless one is alive (one per campaign; any instance).
pub async fn wake(state: &AppState, campaign: Uuid) {
    let mut conn = state.redis.clone();
    let taken: Result<Option<String>, _> = redis::cmd("SET")
        .arg(runner_key(state, campaign))
        .arg("wake")
        .arg("NX")
        .arg("PX")
        .arg(60_000)
        .query_async(&mut conn)
        .await;
    if matches!(taken, Ok(Some(_))) {
        push(state, campaign).await;
    }
}

async fn keep_runner(state: &AppState, campaign: Uuid) {
    let mut conn = state.redis.clone();
    let _: Result<(), _> = redis::cmd("SET")
        .arg(runner_key(state, campaign))
        .arg("run")
        .arg("PX")
        .arg(60_000)
        .query_async(&mut conn)
        .await;
}

async fn drop_runner(state: &AppState, campaign: Uuid) {
    let mut conn = state.redis.clone();
    let _: Result<(), _> = redis::cmd("DEL")
        .arg(runner_key(state, campaign))
        .query_async(&mut conn)
        .await;
}

/// Every 15 s on every instance (each statement is safe to run anywhere at once): scheduled
/// campaigns whose time came start, a crashed worker's leases are recovered, expired
/// recipients are dropped, finished campaigns end, and running ones without a runner get one.
pub async fn tick(state: &AppState) -> Result<(), Error> {
    let started = repo::start_due(&state.pool).await?;
    // Leases first: a recovered claim is queued again, and may then be past the expiry.
    let (requeued, unknown) = repo::recover_leases(&state.pool).await?;
    if requeued + unknown > 0 {
        tracing::warn!(requeued, unknown, "campaign leases recovered");
    }
    repo::expire(&state.pool).await?;
    repo::finish_done(&state.pool).await?;
    for id in started.into_iter().chain(repo::sending(&state.pool).await?) {
        wake(state, id).await;
    }
    Ok(())
}

/// What one batch did.
enum Batch {
    Sent,
    /// Nothing due now.
    Empty,
    /// The number is booked ahead: come back after this.
    Wait(Duration),
    /// The campaign is no longer sending.
    Stopped,
}

/// The runner: sends batches for [`RUN_FOR`], then hands over to a new job while work is due.
pub async fn run(state: &AppState, job: Dispatch) -> Result<(), Error> {
    let started = Instant::now();
    loop {
        keep_runner(state, job.campaign).await;
        match batch(state, job.campaign).await {
            Ok(Batch::Sent) => {}
            Ok(Batch::Wait(d)) => tokio::time::sleep(d.min(MAX_AHEAD)).await,
            Ok(Batch::Empty) => {
                repo::finish_done(&state.pool).await?;
                drop_runner(state, job.campaign).await;
                return Ok(());
            }
            Ok(Batch::Stopped) => {
                drop_runner(state, job.campaign).await;
                return Ok(());
            }
            Err(e) => {
                drop_runner(state, job.campaign).await;
                return Err(e);
            }
        }
        if started.elapsed() > RUN_FOR {
            push(state, job.campaign).await;
            return Ok(());
        }
    }
}

/// One recipient ready to go.
struct Ready {
    id: Uuid,
    contact: Option<ContactId>,
    phone: String,
    attempts: i32,
    outbound: Outbound,
}

struct Campaign {
    id: Uuid,
    rate: u32,
    purpose: Purpose,
    respect_quiet_hours: bool,
    template: String,
    language: String,
    body: String,
    /// The template's components as Meta holds them (what the history renders).
    components: serde_json::Value,
    /// What its quick replies do (their payloads go with each send).
    actions: Vec<ButtonAction>,
    bindings: BTreeMap<String, Binding>,
    category: String,
    daily_budget_brl: Option<f64>,
}

async fn load(state: &AppState, id: Uuid) -> Result<Option<(Campaign, Channel)>, Error> {
    let Some(row) = repo::find(&state.pool, id).await? else {
        return Ok(None);
    };
    if CampaignStatus::from_code(&row.status) != Some(CampaignStatus::Sending) {
        return Ok(None);
    }
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let Some(channel) = channels.iter().find(|c| c.id == row.channel_id).cloned() else {
        super::pause_for(state, id, "O canal da campanha foi removido.").await?;
        return Ok(None);
    };
    let template = db::message_templates::find(&state.pool, row.template_id).await?;
    let (components, actions) = template
        .map(|t| {
            let actions = serde_json::from_value(t.button_actions).unwrap_or_default();
            (t.components, actions)
        })
        .unwrap_or_default();
    let body = crate::services::templates::body_of(&components);
    let bindings = serde_json::from_value(row.bindings.clone()).unwrap_or_default();
    Ok(Some((
        Campaign {
            id,
            rate: row.rate_per_second.clamp(1, 1000) as u32,
            purpose: Purpose::of_category(&row.category),
            respect_quiet_hours: row.respect_quiet_hours,
            template: row.template_name,
            language: row.template_language,
            body,
            components,
            actions,
            bindings,
            category: row.category,
            daily_budget_brl: row.daily_budget_brl,
        },
        channel,
    )))
}

fn fields_of(value: &serde_json::Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn batch(state: &AppState, id: Uuid) -> Result<Batch, Error> {
    let Some((campaign, channel)) = load(state, id).await? else {
        return Ok(Batch::Stopped);
    };
    let mut size = i64::from(campaign.rate / 2).clamp(1, 200);
    let settings = db::settings::get::<CampaignSettings>(&state.pool).await?;
    if let Some(left) = left_today(state, &campaign, &settings).await? {
        if left <= 0 {
            // Today's budget is spent: the next Brasília day, checked again within MAX_AHEAD.
            let now = chrono::Utc::now();
            let tomorrow = brasilia_day_start(now) + chrono::Duration::days(1);
            let wait = (tomorrow - now).to_std().unwrap_or(Duration::from_secs(60));
            return Ok(Batch::Wait(wait));
        }
        size = size.min(left);
    }
    let claimed = repo::claim(&state.pool, id, size, LEASE_SECONDS).await?;
    if claimed.is_empty() {
        return Ok(Batch::Empty);
    }
    let phones: Vec<String> = claimed.iter().map(|c| c.phone.clone()).collect();
    let suppressed =
        db::consents::suppressed_among(&state.pool, &phones, campaign.purpose.code()).await?;
    let capped = if settings.frequency_cap_24h > 0 {
        repo::capped_among(&state.pool, &phones, settings.frequency_cap_24h).await?
    } else {
        Vec::new()
    };
    let now = chrono::Utc::now();
    let mut ready = Vec::with_capacity(claimed.len());
    for c in claimed {
        let left_out = if suppressed.contains(&c.phone) {
            Some(SkipReason::Suppressed)
        } else if capped.contains(&c.phone) {
            Some(SkipReason::FrequencyCap)
        } else {
            None
        };
        if let Some(reason) = left_out {
            repo::settle(
                &state.pool,
                c.id,
                "skipped",
                (None, None),
                Some(reason.code()),
            )
            .await?;
            continue;
        }
        if campaign.respect_quiet_hours {
            let ddd = BrPhone::parse(&c.phone).map(|p| p.ddd).unwrap_or(11);
            let local = local_time(now.naive_utc(), utc_offset_hours(ddd));
            if !settings.window.allows(local) {
                let wait = settings
                    .window
                    .next_allowed(local)
                    .map(|next| (next - local).num_seconds().max(60) as f64)
                    .unwrap_or(3600.0);
                repo::retry_later(&state.pool, c.id, wait, (None, None)).await?;
                continue;
            }
        }
        let fields = fields_of(&c.fields);
        let values = match vars::fill(&campaign.bindings, &fields) {
            Ok(v) => v,
            Err(e) => {
                let reason = Some(SkipReason::EmptyVariable.code());
                let error = (None, Some(e.to_string()));
                repo::settle(
                    &state.pool,
                    c.id,
                    "skipped",
                    (error.0, error.1.as_deref()),
                    reason,
                )
                .await?;
                continue;
            }
        };
        ready.push(Ready {
            id: c.id,
            contact: c.contact_id,
            phone: c.phone,
            attempts: c.attempts,
            outbound: sent_template::complete(
                vars::template_message(
                    &campaign.template,
                    &campaign.language,
                    &campaign.body,
                    &values,
                ),
                &campaign.components,
                &campaign.actions,
            ),
        });
    }
    if ready.is_empty() {
        return Ok(Batch::Sent);
    }
    let number = channel
        .external_id
        .clone()
        .unwrap_or_else(|| channel.id.0.to_string());
    let reservation =
        match pacer::reserve(state, &number, campaign.rate, ready.len() as u64, MAX_AHEAD).await {
            Ok(r) => r,
            Err(e) => {
                // No shared pace, no sending: the rate is a promise to Meta.
                tracing::warn!(error = %e, "pace unavailable; campaign batch given back");
                let ids: Vec<Uuid> = ready.iter().map(|r| r.id).collect();
                repo::release(&state.pool, &ids).await?;
                return Ok(Batch::Wait(Duration::from_secs(1)));
            }
        };
    let (delay, interval) = match reservation {
        Reservation::Granted {
            delay_us,
            interval_us,
        } => (
            Duration::from_micros(delay_us),
            Duration::from_micros(interval_us),
        ),
        Reservation::Busy { retry_us } => {
            let ids: Vec<Uuid> = ready.iter().map(|r| r.id).collect();
            repo::release(&state.pool, &ids).await?;
            return Ok(Batch::Wait(Duration::from_micros(retry_us)));
        }
    };
    send_groups(state, &campaign, &channel, &number, ready, delay, interval).await?;
    Ok(Batch::Sent)
}

/// What the campaign's daily budget still pays for today (Brasília's day); `None` without a
/// budget, or when its templates cost nothing.
async fn left_today(
    state: &AppState,
    campaign: &Campaign,
    settings: &CampaignSettings,
) -> Result<Option<i64>, Error> {
    let Some(per_day) = campaign
        .daily_budget_brl
        .and_then(|budget| settings.messages_within(budget, &campaign.category))
    else {
        return Ok(None);
    };
    let since = brasilia_day_start(chrono::Utc::now());
    let sent = repo::sent_since(&state.pool, campaign.id, since).await?;
    Ok(Some(per_day - sent))
}

/// Sends the batch in groups of about 50 ms of the pace, several groups in flight, each
/// recipient at its own slot.
async fn send_groups(
    state: &AppState,
    campaign: &Campaign,
    channel: &Channel,
    number: &str,
    ready: Vec<Ready>,
    delay: Duration,
    interval: Duration,
) -> Result<(), Error> {
    use futures::StreamExt;
    let start = tokio::time::Instant::now() + delay;
    let per_group = (campaign.rate as usize / 20).max(1);
    let mut groups: Vec<Vec<(usize, Ready)>> = Vec::new();
    for (i, r) in ready.into_iter().enumerate() {
        if i % per_group == 0 {
            groups.push(Vec::new());
        }
        if let Some(g) = groups.last_mut() {
            g.push((i, r));
        }
    }
    let results: Vec<Result<(), Error>> = futures::stream::iter(groups)
        .map(|group| async move {
            let first = group.first().map(|(i, _)| *i).unwrap_or(0);
            tokio::time::sleep_until(start + interval * first as u32).await;
            let ids: Vec<Uuid> = group.iter().map(|(_, r)| r.id).collect();
            // A pause or a cancel stops the next group: its claims go back.
            if load(state, campaign.id).await?.is_none() {
                repo::release(&state.pool, &ids).await?;
                return Ok(());
            }
            let marked = repo::mark_sending(&state.pool, &ids, LEASE_SECONDS).await?;
            let calls = group
                .into_iter()
                .filter(|(_, r)| marked.contains(&r.id))
                .map(|(i, r)| async move {
                    tokio::time::sleep_until(start + interval * i as u32).await;
                    let outcome = call(state, channel, &r).await;
                    (r, outcome)
                });
            let outcomes = futures::future::join_all(calls).await;
            record(state, campaign, channel, number, outcomes).await
        })
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().collect()
}

/// One Graph call (none for the demo's simulated channel).
async fn call(state: &AppState, channel: &Channel, r: &Ready) -> Result<String, GraphError> {
    if channel.settings.simulated {
        return Ok(format!("sim.{}", Uuid::new_v4().simple()));
    }
    let token = channel.access_token().unwrap_or_default().to_owned();
    let external = channel.external_id.clone().unwrap_or_default();
    let mut body = whatsapp::send_body(r.phone.trim_start_matches('+'), &r.outbound);
    // Echoed in the status webhooks: what settles a send whose answer was lost.
    body["biz_opaque_callback_data"] = serde_json::json!(format!("campanha:{}", r.id));
    let response = state
        .graph
        .post(&format!("{external}/messages"), &token, &body)
        .await?;
    whatsapp::sent_id(&response).ok_or_else(|| GraphError {
        retryable: false,
        code: None,
        title: "Resposta da Meta sem id".into(),
        detail: None,
        http_status: Some(200),
        retry_after: None,
    })
}

async fn record(
    state: &AppState,
    campaign: &Campaign,
    channel: &Channel,
    number: &str,
    outcomes: Vec<(Ready, Result<String, GraphError>)>,
) -> Result<(), Error> {
    let mut sent = Vec::new();
    for (r, outcome) in outcomes {
        match outcome {
            Ok(wamid) => sent.push((r, wamid)),
            Err(e) => failed(state, campaign, channel, number, &r, e).await?,
        }
    }
    let ids: Vec<Uuid> = sent.iter().map(|(r, _)| r.id).collect();
    let wamids: Vec<String> = sent.iter().map(|(_, w)| w.clone()).collect();
    repo::mark_sent(&state.pool, &ids, &wamids).await?;
    metrics::counter!("campaign_messages_sent_total").increment(ids.len() as u64);
    for (r, wamid) in sent {
        // The send is recorded; the contact's history is a copy, and its failure is logged.
        if let Err(e) = into_history(state, channel, &r, &wamid).await {
            tracing::warn!(error = ?e, recipient = %r.id, "campaign message not put in the history");
        }
    }
    Ok(())
}

async fn failed(
    state: &AppState,
    campaign: &Campaign,
    channel: &Channel,
    number: &str,
    r: &Ready,
    e: GraphError,
) -> Result<(), Error> {
    if e.outcome_unknown() {
        tracing::warn!(recipient = %r.id, title = %e.title, "campaign send outcome unknown");
        return repo::settle(
            &state.pool,
            r.id,
            "unknown",
            (None, Some(UNKNOWN_OUTCOME)),
            None,
        )
        .await;
    }
    let Some(code) = e.code.and_then(|c| u32::try_from(c).ok()) else {
        return repo::settle(&state.pool, r.id, "failed", (None, Some(&e.title)), None).await;
    };
    let meta = classify(code);
    let error = (Some(code as i32), Some(meta.meaning));
    let after = e.retry_after.unwrap_or(Duration::from_secs(1));
    match meta.action {
        ErrorAction::Retry { seconds } if r.attempts < 6 => {
            let wait = if code == 131056 {
                pair_rate_backoff(r.attempts as u32)
            } else {
                seconds
            };
            let wait = (wait as f64).max(after.as_secs_f64());
            repo::retry_later(&state.pool, r.id, wait, error).await
        }
        ErrorAction::Retry { .. } | ErrorAction::FailRecipient => {
            repo::settle(&state.pool, r.id, "failed", error, None).await
        }
        ErrorAction::SlowDown => {
            metrics::counter!("campaign_rate_limited_total").increment(1);
            if let Err(err) = pacer::penalize(state, number, after).await {
                tracing::warn!(error = %err, "pace not held back");
            }
            repo::retry_later(&state.pool, r.id, after.as_secs_f64(), error).await
        }
        ErrorAction::Suppress => {
            repo::settle(&state.pool, r.id, "failed", error, None).await?;
            consent::on_meta_stop(state, channel.id, r.phone.trim_start_matches('+')).await
        }
        ErrorAction::PauseCampaign | ErrorAction::PauseNumber => {
            repo::retry_later(&state.pool, r.id, 0.0, error).await?;
            super::pause_for(
                state,
                campaign.id,
                &format!("{} (código {code} da Meta)", meta.meaning),
            )
            .await
        }
    }
}

/// The sent template in the contact's history on the channel: in their open conversation, or
/// in a resolved one made for it (it reaches no queue; the answer opens one as usual).
async fn into_history(
    state: &AppState,
    channel: &Channel,
    r: &Ready,
    wamid: &str,
) -> Result<(), Error> {
    let Some(contact) = r.contact else {
        return Ok(());
    };
    let wa_id = r.phone.trim_start_matches('+');
    let mut tx = state.pool.begin().await?;
    let owner = if db::contacts::add_identity(&mut *tx, contact, channel.id, wa_id).await? {
        contact
    } else {
        db::contacts::identity_owner(&mut *tx, channel.id, wa_id).await?
    };
    let conversation =
        match db::contacts::locked_active_conversation(&mut *tx, owner, channel.id).await? {
            Some(c) => c,
            None => {
                let id = ConversationId(Uuid::new_v4());
                db::conversations::open_resolved(
                    &mut *tx,
                    id,
                    owner,
                    channel.id,
                    channel.default_team_id,
                )
                .await?;
                id
            }
        };
    tx.commit().await?;
    let Some(conv) = db::messages::for_send(&state.pool, conversation).await? else {
        return Ok(());
    };
    let outgoing = Outgoing {
        id: MessageId(Uuid::new_v4()),
        outbound: r.outbound.clone(),
        client_id: Some(format!("campanha:{}", r.id)),
        human_agent_tag: false,
    };
    let rows = store_outbound(
        state,
        &conv,
        conversation,
        (Author::Bot, None),
        std::slice::from_ref(&outgoing),
        Delivery::External,
    )
    .await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(());
    };
    let due = Due {
        id: row.id,
        conversation_id: conversation,
        channel_id: channel.id,
        content: row.content,
        attempts: 1,
        human_agent_tag: false,
        recipient: Some(wa_id.to_owned()),
    };
    record_sent(state, &[(due, wamid.to_owned())]).await?;
    repo::link_message(&state.pool, r.id, row.id.0).await
}

/// Meta's 131050 on a status webhook ("user stopped marketing"): the customer is opted out.
pub async fn on_receipt(
    state: &AppState,
    channel: &Channel,
    receipt: &crate::channels::Receipt,
) -> Result<(), Error> {
    if receipt.error_code == Some(MARKETING_STOPPED) {
        if let Some(wa_id) = &receipt.recipient {
            consent::on_meta_stop(state, channel.id, wa_id).await?;
        }
    }
    Ok(())
}

/// Meta's "user stopped marketing" error code.
pub const MARKETING_STOPPED: i32 = 131050;

/// Status webhooks of campaign sends (the recipient's id echoed in `biz_opaque_callback_data`):
/// a send whose answer was lost (unknown), or not yet recorded by its sender, is settled, sent
/// or failed. Not inside a batch's transaction: the sender records those rows in its own, and
/// two transactions taking the same rows in different orders deadlock (the campaign benchmark
/// found it). One read finds the few rows still unsettled (most are, by the time their status
/// comes back); each is settled by a statement of its own, which holds no other lock while it
/// waits for the sender's.
pub async fn settle_receipts(
    state: &AppState,
    receipts: &[&crate::channels::Receipt],
) -> Result<(), Error> {
    let mut settled: BTreeMap<Uuid, repo::Settled<'_>> = BTreeMap::new();
    for receipt in receipts {
        let Some(recipient) = receipt
            .callback
            .as_deref()
            .and_then(|c| c.strip_prefix("campanha:"))
            .and_then(|id| Uuid::parse_str(id).ok())
        else {
            continue;
        };
        let failed = match receipt.status {
            shared::messaging::DeliveryStatus::Failed => Some((
                receipt.error_code.unwrap_or(0),
                receipt
                    .error_title
                    .as_deref()
                    .unwrap_or("Falha informada pela Meta"),
            )),
            _ => None,
        };
        let entry = repo::Settled {
            recipient,
            wamid: &receipt.provider_message_id,
            failed,
        };
        // One entry per recipient: a failure outranks the other statuses.
        match settled.get(&recipient) {
            Some(seen) if seen.failed.is_some() || failed.is_none() => {}
            _ => {
                settled.insert(recipient, entry);
            }
        }
    }
    if settled.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = settled.keys().copied().collect();
    let open = repo::unsettled_among(&state.pool, &ids).await?;
    for id in open {
        let Some(entry) = settled.get(&id) else {
            continue;
        };
        for id in repo::reconcile(&state.pool, std::slice::from_ref(entry)).await? {
            tracing::info!(recipient = %id, "campaign send settled by its status webhook");
        }
    }
    Ok(())
}
