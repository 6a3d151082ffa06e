use super::sql::{query, query_as};
use chrono::{DateTime, Utc};
use shared::dto::{AuditAction, AuditEntry};
use shared::UserId;
use sqlx::PgExecutor;

pub struct NewAuditEntry<'a> {
    pub action: AuditAction,
    pub actor_id: Option<UserId>,
    pub actor_label: Option<&'a str>,
    pub subject_id: Option<UserId>,
    pub subject_label: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub async fn insert(db: impl PgExecutor<'_>, e: &NewAuditEntry<'_>) -> sqlx::Result<()> {
    query(INSERT)
        .bind(e.action.code())
        .bind(e.actor_id)
        .bind(e.actor_label)
        .bind(e.subject_id)
        .bind(e.subject_label)
        .bind(e.ip)
        .bind(e.detail)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    action: String,
    actor: Option<String>,
    subject: Option<String>,
    ip: Option<String>,
    detail: Option<String>,
}

/// The newest entries, `limit` at a time, older than `before` when paging.
pub async fn page(
    db: impl PgExecutor<'_>,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AuditEntry>> {
    let rows: Vec<Row> = query_as(PAGE)
        .bind(before)
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(AuditEntry {
                id: r.id,
                at: r.at,
                action: AuditAction::from_code(&r.action)?,
                actor: r.actor,
                subject: r.subject,
                ip: r.ip,
                detail: r.detail,
            })
        })
        .collect())
}

impl<'a> NewAuditEntry<'a> {
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            actor_id: None,
            actor_label: None,
            subject_id: None,
            subject_label: None,
            ip: None,
            detail: None,
        }
    }

    /// Who acted.
    pub fn by(mut self, id: Option<UserId>, label: &'a str) -> Self {
        self.actor_id = id;
        self.actor_label = Some(label);
        self
    }

    /// Whom it was done to.
    pub fn on(mut self, id: UserId, label: &'a str) -> Self {
        self.subject_id = Some(id);
        self.subject_label = Some(label);
        self
    }

    pub fn from_ip(mut self, ip: Option<&'a str>) -> Self {
        self.ip = ip;
        self
    }

    pub fn detail(mut self, detail: &'a str) -> Self {
        self.detail = Some(detail);
        self
    }

    pub async fn record(self, db: impl PgExecutor<'_>) -> sqlx::Result<()> {
        insert(db, &self).await
    }
}

super::sql::statements! {
    INSERT = "insert into audit_log (action, actor_id, actor_label, subject_id, subject_label, ip, detail) \
         values ($1, $2, $3, $4, $5, $6, $7)";
    PAGE = "select a.id, a.at, a.action, \
                coalesce(actor.name || ' <' || actor.email || '>', a.actor_label) as actor, \
                coalesce(subject.name || ' <' || subject.email || '>', a.subject_label) as subject, \
                a.ip, a.detail \
         from audit_log a \
         left join users actor on actor.id = a.actor_id \
         left join users subject on subject.id = a.subject_id \
         where ($1::bigint is null or a.id < $1) \
         order by a.id desc limit $2";
}
