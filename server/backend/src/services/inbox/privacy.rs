//! CPFs in what the inbox shows, for the roles without the right to see them (`ViewFullCpf`):
//! masked in message texts and previews (what the customer typed, what the bot answered), and a
//! search by a full CPF refused.

use crate::error::{AppError, Error};
use crate::guard::Authorised;
use serde_json::Value;
use shared::dto::MessageView;
use shared::inbox::InboxRow;
use shared::{Permission, Refusal};

fn masks(who: &Authorised) -> bool {
    !who.user.can(Permission::ViewFullCpf)
}

/// The messages as `who` may read them.
pub(crate) fn messages(who: &Authorised, mut list: Vec<MessageView>) -> Vec<MessageView> {
    if masks(who) {
        for m in &mut list {
            if let Some(text) = &m.text {
                m.text = Some(shared::redact::cpfs_in(text));
            }
            mask_strings(&mut m.content);
        }
    }
    list
}

/// The list's rows as `who` may read them.
pub(crate) fn rows(who: &Authorised, mut list: Vec<InboxRow>) -> Vec<InboxRow> {
    if masks(who) {
        for r in &mut list {
            if let Some(p) = &r.preview {
                r.preview = Some(shared::redact::cpfs_in(p));
            }
        }
    }
    list
}

/// Refuses a search by a full CPF to whom may not see CPFs (it would tell whose it is).
pub(crate) fn check_search(who: &Authorised, search: Option<&str>) -> Result<(), Error> {
    match search {
        Some(text) if masks(who) && shared::redact::holds_cpf(text) => {
            Err(AppError::Refused(Refusal::CpfSearchNotAllowed).into())
        }
        _ => Ok(()),
    }
}

fn mask_strings(value: &mut Value) {
    match value {
        Value::String(s) => *s = shared::redact::cpfs_in(s),
        Value::Array(items) => items.iter_mut().for_each(mask_strings),
        Value::Object(map) => map.values_mut().for_each(mask_strings),
        _ => {}
    }
}
