//! Proactive messaging's pure rules: Brazilian phone numbers as campaigns receive them, when a
//! recipient may be messaged (quiet hours in their time zone, national holidays), template
//! variables with fallbacks, what each of Meta's send errors means for the sender, and opt-out
//! replies. The server schedules and sends; everything it decides is decided here.

pub mod errors;
pub mod optout;
pub mod phone;
pub mod quiet;
pub mod vars;
