//! Proactive messaging's pure rules: Brazilian phone numbers as campaigns receive them, a CSV
//! audience and its report, when a recipient may be messaged (quiet hours in their time zone,
//! national holidays), template variables with fallbacks, what each of Meta's send errors
//! means for the sender, the sending number's pace, campaign and recipient states, and opt-out
//! replies. The server schedules and sends; everything it decides is decided here.

pub mod audience;
pub mod errors;
pub mod model;
pub mod optout;
pub mod pacer;
pub mod phone;
pub mod quiet;
pub mod report;
pub mod rules;
pub mod segment;
pub mod vars;
