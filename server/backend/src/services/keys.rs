//! Key rotation: every secret sealed under a previous encryption key is opened and sealed again
//! under the current one, in one transaction (all or nothing), so the previous key can then be
//! dropped from ENCRYPTION_KEY_PREVIOUS.

use crate::crypto::Secrets;
use crate::db::sealed::{self, SealedRow};
use crate::erp::ErpSettings;
use serde_json::Value;

/// How many secrets were sealed again, per place.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    pub users: usize,
    pub channels: usize,
    pub settings: usize,
}

/// Re-seals each value a previous key sealed; values the current key sealed are left alone.
/// Fails, changing nothing, when a value opens with none of the keys.
pub async fn reencrypt(pool: &sqlx::PgPool, secrets: &Secrets) -> anyhow::Result<Resealed> {
    let mut tx = pool.begin().await?;
    let mut done = Resealed::default();
    for mut row in sealed::users(&mut tx).await? {
        if reseal_row(secrets, &mut row)? {
            sealed::reseal_user(&mut tx, &row).await?;
            done.users += 1;
        }
    }
    for mut row in sealed::channels(&mut tx).await? {
        if reseal_row(secrets, &mut row)? {
            sealed::reseal_channel(&mut tx, &row).await?;
            done.channels += 1;
        }
    }
    let key = <ErpSettings as crate::db::settings::Setting>::KEY;
    if let Some(mut value) = sealed::setting(&mut tx, key).await? {
        if reseal_erp(secrets, &mut value)? {
            sealed::replace_setting(&mut tx, key, &value).await?;
            done.settings += 1;
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// Whether any value of the row needed (and got) a new seal.
fn reseal_row(secrets: &Secrets, row: &mut SealedRow) -> anyhow::Result<bool> {
    let mut changed = false;
    for value in row.values.iter_mut().flatten() {
        if !secrets.is_current(value) {
            *value = secrets.seal(&secrets.open(value)?)?;
            changed = true;
        }
    }
    Ok(changed)
}

/// The ERP connector's header value, sealed inside its JSON.
fn reseal_erp(secrets: &Secrets, value: &mut Value) -> anyhow::Result<bool> {
    let Some(text) = value.get("auth_value").and_then(Value::as_str) else {
        return Ok(false);
    };
    let Some(sealed) = crate::erp::sealed_bytes(text)? else {
        return Ok(false);
    };
    if secrets.is_current(&sealed) {
        return Ok(false);
    }
    let opened = secrets.open(&sealed)?;
    value["auth_value"] = Value::String(crate::erp::sealed_text(&secrets.seal(&opened)?));
    Ok(true)
}
