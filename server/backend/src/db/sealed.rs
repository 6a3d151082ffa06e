//! Every column that holds a secret sealed with the encryption key, for re-sealing them all
//! under a new key after a rotation.

use super::sql::{query, query_as};
use sqlx::PgConnection;
use uuid::Uuid;

/// A row's sealed values, as stored.
pub struct SealedRow {
    pub id: Uuid,
    pub values: Vec<Option<Vec<u8>>>,
}

type Sealed = Option<Vec<u8>>;

/// The users' TOTP seeds (enabled and pending), locked until the transaction ends.
pub async fn users(db: &mut PgConnection) -> sqlx::Result<Vec<SealedRow>> {
    let rows: Vec<(Uuid, Sealed, Sealed)> = query_as(SEALED_USERS).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, a, b)| SealedRow {
            id,
            values: vec![a, b],
        })
        .collect())
}

pub async fn reseal_user(db: &mut PgConnection, row: &SealedRow) -> sqlx::Result<()> {
    query(RESEAL_USER)
        .bind(row.id)
        .bind(row.values.first().cloned().flatten())
        .bind(row.values.get(1).cloned().flatten())
        .execute(db)
        .await?;
    Ok(())
}

/// The channels' tokens and app secrets, locked until the transaction ends.
pub async fn channels(db: &mut PgConnection) -> sqlx::Result<Vec<SealedRow>> {
    let rows: Vec<(Uuid, Option<Vec<u8>>)> = query_as(SEALED_CHANNELS).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, a)| SealedRow {
            id,
            values: vec![a],
        })
        .collect())
}

pub async fn reseal_channel(db: &mut PgConnection, row: &SealedRow) -> sqlx::Result<()> {
    query(RESEAL_CHANNEL)
        .bind(row.id)
        .bind(row.values.first().cloned().flatten())
        .execute(db)
        .await?;
    Ok(())
}

/// A setting's JSON, locked until the transaction ends.
pub async fn setting(db: &mut PgConnection, key: &str) -> sqlx::Result<Option<serde_json::Value>> {
    super::sql::query_scalar(SEALED_SETTING)
        .bind(key)
        .fetch_optional(db)
        .await
}

pub async fn replace_setting(
    db: &mut PgConnection,
    key: &str,
    value: &serde_json::Value,
) -> sqlx::Result<()> {
    query(RESEAL_SETTING)
        .bind(key)
        .bind(value)
        .execute(db)
        .await?;
    Ok(())
}

super::sql::statements! {
    SEALED_USERS = "select id, totp_secret_enc, totp_pending_secret_enc from users
         where totp_secret_enc is not null or totp_pending_secret_enc is not null
         order by id for update";
    RESEAL_USER = "update users set totp_secret_enc = $2, totp_pending_secret_enc = $3 where id = $1";
    SEALED_CHANNELS = "select id, secrets from channels where secrets is not null order by id for update";
    RESEAL_CHANNEL = "update channels set secrets = $2 where id = $1";
    SEALED_SETTING = "select value from settings where key = $1 for update";
    RESEAL_SETTING = "update settings set value = $2 where key = $1";
}
