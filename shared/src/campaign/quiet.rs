//! When a campaign may message a recipient: its sending window (by default Monday to Saturday,
//! 08:00–20:00) in the recipient's local time, never on a national holiday. A message outside
//! the window waits for the next opening.

use crate::hours::{BusinessHours, Span};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// The sending window, read in each recipient's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SendWindow {
    /// Monday first; `None`: no sending that day. (`time_zone` is not used: each recipient's
    /// own zone is.)
    pub hours: BusinessHours,
    pub skip_national_holidays: bool,
}

impl Default for SendWindow {
    fn default() -> Self {
        let day = Some(Span {
            opens: 8 * 60,
            closes: 20 * 60,
        });
        Self {
            hours: BusinessHours {
                time_zone: crate::hours::DEFAULT_TIME_ZONE.to_owned(),
                days: [day, day, day, day, day, day, None],
            },
            skip_national_holidays: true,
        }
    }
}

impl SendWindow {
    /// Whether a message may go out at this local time.
    pub fn allows(&self, local: NaiveDateTime) -> bool {
        self.hours.is_open(local)
            && !(self.skip_national_holidays && national_holiday(local.date()).is_some())
    }

    /// The first local time from `local` on (itself when allowed) a message may go out; none
    /// when the window never opens.
    pub fn next_allowed(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut at = local;
        // A year of holidays never closes more than a few days in a row.
        for _ in 0..32 {
            if self.allows(at) {
                return Some(at);
            }
            let next = self.hours.next_opening(at)?;
            at = if self.skip_national_holidays && national_holiday(next.date()).is_some() {
                // The holiday's own opening is no good: look from its end.
                next.date().succ_opt()?.and_hms_opt(0, 0, 0)?
            } else {
                next
            };
        }
        None
    }
}

/// Easter Sunday (the Gregorian computus, Meeus/Jones/Butcher).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("the computus gives a date")
}

/// The national holiday on this date, if any (Lei 662/1949, 6.802/1980, 14.759/2023 and Good
/// Friday, Lei 9.093/1995).
pub fn national_holiday(date: NaiveDate) -> Option<&'static str> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Confraternização Universal"),
        (4, 21) => Some("Tiradentes"),
        (5, 1) => Some("Dia do Trabalho"),
        (9, 7) => Some("Independência do Brasil"),
        (10, 12) => Some("Nossa Senhora Aparecida"),
        (11, 2) => Some("Finados"),
        (11, 15) => Some("Proclamação da República"),
        (11, 20) if date.year() >= 2024 => Some("Dia Nacional de Zumbi e da Consciência Negra"),
        (12, 25) => Some("Natal"),
        _ => None,
    };
    fixed.or_else(|| {
        (date == easter(date.year()) - Duration::days(2)).then_some("Sexta-feira Santa")
    })
}

/// A recipient's local time at the UTC instant `utc`, for an offset in hours.
pub fn local_time(utc: NaiveDateTime, offset_hours: i32) -> NaiveDateTime {
    utc + Duration::hours(offset_hours as i64)
}

/// The start of the calendar day in Brasília (UTC−3, no daylight saving since 2019) that
/// contains `utc`, as a UTC instant: where a campaign's daily budget restarts.
pub fn brasilia_day_start(utc: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let local = local_time(utc.naive_utc(), -3).date();
    (local.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::hours(3)).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brasilia_day_starts_at_three_utc() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(
            brasilia_day_start(at("2026-12-04T15:00:00Z")),
            at("2026-12-04T03:00:00Z")
        );
        // 01:00 UTC is still the evening before in Brasília.
        assert_eq!(
            brasilia_day_start(at("2026-12-05T01:00:00Z")),
            at("2026-12-04T03:00:00Z")
        );
        assert_eq!(
            brasilia_day_start(at("2026-12-05T03:00:00Z")),
            at("2026-12-05T03:00:00Z")
        );
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn easter_and_good_friday_fall_where_the_calendar_says() {
        assert_eq!(easter(2026), NaiveDate::from_ymd_opt(2026, 4, 5).unwrap());
        assert_eq!(easter(2027), NaiveDate::from_ymd_opt(2027, 3, 28).unwrap());
        assert_eq!(
            national_holiday(NaiveDate::from_ymd_opt(2026, 4, 3).unwrap()),
            Some("Sexta-feira Santa")
        );
        assert_eq!(
            national_holiday(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()),
            Some("Dia Nacional de Zumbi e da Consciência Negra")
        );
        assert_eq!(
            national_holiday(NaiveDate::from_ymd_opt(2023, 11, 20).unwrap()),
            None
        );
        assert_eq!(
            national_holiday(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()),
            None
        );
    }

    #[test]
    fn the_default_window_is_monday_to_saturday_eight_to_eight() {
        let w = SendWindow::default();
        // Wednesday 2 December 2026.
        assert!(w.allows(at(2026, 12, 2, 8, 0)));
        assert!(w.allows(at(2026, 12, 2, 19, 59)));
        assert!(!w.allows(at(2026, 12, 2, 20, 0)));
        assert!(!w.allows(at(2026, 12, 2, 7, 59)));
        // Saturday yes, Sunday no.
        assert!(w.allows(at(2026, 12, 5, 10, 0)));
        assert!(!w.allows(at(2026, 12, 6, 10, 0)));
    }

    #[test]
    fn outside_the_window_a_message_waits_for_the_next_opening_past_holidays() {
        let w = SendWindow::default();
        // Saturday night → Monday 08:00.
        assert_eq!(
            w.next_allowed(at(2026, 12, 5, 21, 0)),
            Some(at(2026, 12, 7, 8, 0))
        );
        // Christmas Eve (Thursday) night → Saturday 26th, skipping Christmas.
        assert_eq!(
            w.next_allowed(at(2026, 12, 24, 20, 30)),
            Some(at(2026, 12, 26, 8, 0))
        );
        // Thursday before Easter, evening → Saturday (Good Friday is a holiday).
        assert_eq!(
            w.next_allowed(at(2026, 4, 2, 21, 0)),
            Some(at(2026, 4, 4, 8, 0))
        );
        // Already allowed: now.
        assert_eq!(
            w.next_allowed(at(2026, 12, 2, 9, 0)),
            Some(at(2026, 12, 2, 9, 0))
        );
        // Holidays may be sent on when the administrator says so.
        let open = SendWindow {
            skip_national_holidays: false,
            ..SendWindow::default()
        };
        assert!(open.allows(at(2026, 12, 25, 9, 0)));
    }

    #[test]
    fn the_window_is_read_in_the_recipients_time_zone() {
        let w = SendWindow::default();
        // 11:30 UTC is 08:30 in São Paulo, 07:30 in Manaus, 06:30 in Rio Branco.
        let utc = at(2026, 12, 2, 11, 30);
        assert!(w.allows(local_time(utc, -3)));
        assert!(!w.allows(local_time(utc, -4)));
        assert!(!w.allows(local_time(utc, -5)));
        // 23:30 UTC: 20:30 in São Paulo (closed), 19:30 in Manaus (open).
        let late = at(2026, 12, 2, 23, 30);
        assert!(!w.allows(local_time(late, -3)));
        assert!(w.allows(local_time(late, -4)));
    }
}
