//! "Now" in a team's time zone, for the pure schedule rules of `shared::hours`.

use chrono::{NaiveDateTime, Utc};
use shared::hours::BusinessHours;

/// The wall-clock time at the team now; an unknown zone reads as São Paulo's.
pub fn local_now(hours: &BusinessHours) -> NaiveDateTime {
    local_at(hours, Utc::now())
}

pub fn local_at(hours: &BusinessHours, at: chrono::DateTime<Utc>) -> NaiveDateTime {
    let zone: chrono_tz::Tz = hours
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::America::Sao_Paulo);
    at.with_timezone(&zone).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sao_paulo_is_three_hours_behind_utc() {
        let hours = BusinessHours::weekdays();
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 11, 0, 0).unwrap();
        assert_eq!(local_at(&hours, at).to_string(), "2026-12-07 08:00:00");
        assert!(hours.is_open(local_at(&hours, at)));
    }
}
