//! A team's business hours: the weekly schedule in which its agents answer, and what the
//! customer is told outside it ("Abrimos amanhã às 08:00").
//!
//! Pure: the caller converts "now" into the team's local time (the server, with its time-zone
//! database); everything here works on that local wall-clock time.

use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

/// The time zone a team's hours are read in unless it says otherwise.
pub const DEFAULT_TIME_ZONE: &str = "America/Sao_Paulo";

/// Day names, Monday first, as a person writes them in a sentence.
const DAYS: [&str; 7] = [
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
];

/// Short day names, Monday first, for summaries and forms.
pub const DAYS_SHORT: [&str; 7] = ["Seg", "Ter", "Qua", "Qui", "Sex", "Sáb", "Dom"];

/// One day's opening: from `opens` to `closes`, in minutes after midnight (`closes` up to
/// 1440, the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Span {
    pub opens: u16,
    pub closes: u16,
}

impl Span {
    fn contains(self, minute: u16) -> bool {
        self.opens <= minute && minute < self.closes
    }
}

/// When a team answers. A team without business hours answers at any time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BusinessHours {
    /// IANA name, such as `America/Sao_Paulo`.
    pub time_zone: String,
    /// Monday first; `None`: closed all day.
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<Option<Span>>))]
    pub days: [Option<Span>; 7],
}

/// Why a schedule cannot be saved, in the words the form shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("Horário de {day}: o fechamento deve ser depois da abertura.")]
    ClosesBeforeOpening { day: &'static str },
    #[error("Horário de {day}: use horas entre 00:00 e 24:00.")]
    OutOfDay { day: &'static str },
    #[error("Marque ao menos um dia de atendimento, ou escolha \"Sempre aberto\".")]
    NoDay,
    #[error("Horário de {day}: use o formato 08:00-18:00.")]
    Unreadable { day: &'static str },
    #[error("Informe os sete dias da semana, de segunda a domingo.")]
    NotSevenDays,
}

impl BusinessHours {
    /// Monday to Friday, 08:00–18:00, in São Paulo: what the form offers first.
    pub fn weekdays() -> Self {
        let day = Some(Span {
            opens: 8 * 60,
            closes: 18 * 60,
        });
        Self {
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            days: [day, day, day, day, day, None, None],
        }
    }

    pub fn validate(&self) -> Result<(), HoursError> {
        for (i, span) in self.days.iter().enumerate() {
            let Some(span) = span else { continue };
            if span.opens >= 1440 || span.closes > 1440 {
                return Err(HoursError::OutOfDay { day: DAYS[i] });
            }
            if span.closes <= span.opens {
                return Err(HoursError::ClosesBeforeOpening { day: DAYS[i] });
            }
        }
        if self.days.iter().all(Option::is_none) {
            return Err(HoursError::NoDay);
        }
        Ok(())
    }

    /// Whether the team answers at this local time.
    pub fn is_open(&self, local: NaiveDateTime) -> bool {
        let (day, minute) = day_and_minute(local);
        self.days[day].is_some_and(|s| s.contains(minute))
    }

    /// The next local time the team opens, strictly after `local` when it is closed now
    /// (`None` when it never opens).
    pub fn next_opening(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        let (today, minute) = day_and_minute(local);
        for ahead in 0..=7 {
            let Some(span) = self.days[(today + ahead) % 7] else {
                continue;
            };
            if ahead == 0 && span.opens <= minute {
                continue;
            }
            let date = local.date() + Duration::days(ahead as i64);
            return Some(date.and_time(time_of(span.opens)));
        }
        None
    }

    /// "Seg a Sex 08:00–18:00 · Sáb 08:00–12:00": consecutive days with the same hours joined.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < 7 {
            let Some(span) = self.days[i] else {
                i += 1;
                continue;
            };
            let mut j = i;
            while j + 1 < 7 && self.days[j + 1] == Some(span) {
                j += 1;
            }
            let days = match j - i {
                0 => DAYS_SHORT[i].to_owned(),
                1 => format!("{} e {}", DAYS_SHORT[i], DAYS_SHORT[j]),
                _ => format!("{} a {}", DAYS_SHORT[i], DAYS_SHORT[j]),
            };
            parts.push(format!(
                "{days} {}–{}",
                clock(span.opens),
                clock(span.closes)
            ));
            i = j + 1;
        }
        parts.join(" · ")
    }
}

/// The week as a form sends it: seven comma-separated days, Monday first, each "08:00-18:00"
/// or empty for closed; all empty (or nothing at all) means "always open" (`None`).
pub fn parse_week(time_zone: &str, days: &str) -> Result<Option<BusinessHours>, HoursError> {
    if days.split(',').all(|d| d.trim().is_empty()) {
        return Ok(None);
    }
    let parts: Vec<&str> = days.split(',').collect();
    if parts.len() != 7 {
        return Err(HoursError::NotSevenDays);
    }
    let mut week = [None; 7];
    for (i, part) in parts.iter().enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let span = part.split_once('-').and_then(|(a, b)| {
            Some(Span {
                opens: parse_clock(a)?,
                closes: parse_clock(b)?,
            })
        });
        week[i] = Some(span.ok_or(HoursError::Unreadable { day: DAYS[i] })?);
    }
    let zone = time_zone.trim();
    let hours = BusinessHours {
        time_zone: if zone.is_empty() {
            DEFAULT_TIME_ZONE.to_owned()
        } else {
            zone.to_owned()
        },
        days: week,
    };
    hours.validate()?;
    Ok(Some(hours))
}

/// The inverse of [`parse_week`]'s `days`.
pub fn week_text(hours: Option<&BusinessHours>) -> String {
    let Some(hours) = hours else {
        return String::new();
    };
    hours
        .days
        .iter()
        .map(|d| match d {
            Some(s) => format!("{}-{}", clock(s.opens), clock(s.closes)),
            None => String::new(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// "hoje às 08:00", "amanhã às 08:00", "na segunda-feira às 08:00", "no sábado às 09:00", or
/// a date further away ("em 15/12 às 08:00").
pub fn when_text(now: NaiveDateTime, at: NaiveDateTime) -> String {
    let hour = clock(minute_of(at.time()));
    let days = (at.date() - now.date()).num_days();
    match days {
        0 => format!("hoje às {hour}"),
        1 => format!("amanhã às {hour}"),
        2..=6 => {
            let name = DAYS[at.weekday().num_days_from_monday() as usize];
            // Sábado and domingo are masculine: "no sábado", the others "na segunda-feira".
            let article = if name.ends_with("feira") { "na" } else { "no" };
            format!("{article} {name} às {hour}")
        }
        _ => format!("em {:02}/{:02} às {hour}", at.day(), at.month()),
    }
}

/// What the bot tells a customer handed to a team that is closed now.
pub fn closed_text(team: Option<&str>, hours: &BusinessHours, now: NaiveDateTime) -> String {
    let whose = match team {
        Some(name) => format!("da equipe *{name}*"),
        None => "de atendimento".to_owned(),
    };
    match hours.next_opening(now) {
        Some(at) => format!(
            "Estamos fora do horário {whose} ({}). Abrimos {}: sua conversa já está na fila e será respondida assim que abrirmos. 🙏",
            hours.summary(),
            when_text(now, at)
        ),
        None => format!(
            "Estamos fora do horário {whose}. Sua conversa já está na fila e será respondida assim que possível. 🙏"
        ),
    }
}

/// "08:00" from minutes after midnight ("24:00" for the end of the day).
pub fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Minutes after midnight from "08:30" (or "24:00"); `None` for anything else.
pub fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

fn day_and_minute(local: NaiveDateTime) -> (usize, u16) {
    (
        local.weekday().num_days_from_monday() as usize,
        minute_of(local.time()),
    )
}

fn minute_of(t: NaiveTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

fn time_of(minute: u16) -> NaiveTime {
    NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
        .unwrap_or(NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// 2026-12-07 is a Monday.
    fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn open_inside_the_span_and_closed_at_its_end() {
        let hours = BusinessHours::weekdays();
        assert!(hours.is_open(at(7, 8, 0)));
        assert!(hours.is_open(at(7, 17, 59)));
        assert!(!hours.is_open(at(7, 18, 0)));
        assert!(!hours.is_open(at(7, 7, 59)));
        assert!(!hours.is_open(at(12, 10, 0)), "Saturday is closed");
    }

    #[test]
    fn next_opening_is_today_later_tomorrow_or_after_the_weekend() {
        let hours = BusinessHours::weekdays();
        assert_eq!(hours.next_opening(at(7, 6, 30)), Some(at(7, 8, 0)));
        assert_eq!(hours.next_opening(at(7, 19, 0)), Some(at(8, 8, 0)));
        assert_eq!(hours.next_opening(at(11, 18, 0)), Some(at(14, 8, 0)));
        assert_eq!(hours.next_opening(at(13, 12, 0)), Some(at(14, 8, 0)));
    }

    #[test]
    fn a_single_day_week_reopens_seven_days_later() {
        let mut hours = BusinessHours::weekdays();
        hours.days = [None; 7];
        hours.days[0] = Some(Span {
            opens: 540,
            closes: 600,
        });
        assert_eq!(hours.next_opening(at(7, 11, 0)), Some(at(14, 9, 0)));
        assert_eq!(when_text(at(7, 11, 0), at(14, 9, 0)), "em 14/12 às 09:00");
    }

    #[test]
    fn when_text_reads_as_a_person_says_it() {
        assert_eq!(when_text(at(7, 6, 0), at(7, 8, 0)), "hoje às 08:00");
        assert_eq!(when_text(at(7, 19, 0), at(8, 8, 0)), "amanhã às 08:00");
        assert_eq!(
            when_text(at(11, 19, 0), at(14, 8, 0)),
            "na segunda-feira às 08:00"
        );
        assert_eq!(
            when_text(at(10, 19, 0), at(12, 9, 30)),
            "no sábado às 09:30"
        );
    }

    #[test]
    fn closed_text_names_the_team_the_hours_and_the_opening() {
        let text = closed_text(
            Some("Financeiro"),
            &BusinessHours::weekdays(),
            at(11, 20, 0),
        );
        assert_eq!(
            text,
            "Estamos fora do horário da equipe *Financeiro* (Seg a Sex 08:00–18:00). Abrimos na segunda-feira às 08:00: sua conversa já está na fila e será respondida assim que abrirmos. 🙏"
        );
    }

    #[test]
    fn summary_joins_equal_neighbours() {
        let mut hours = BusinessHours::weekdays();
        hours.days[5] = Some(Span {
            opens: 480,
            closes: 720,
        });
        assert_eq!(hours.summary(), "Seg a Sex 08:00–18:00 · Sáb 08:00–12:00");
        hours.days[2] = None;
        assert_eq!(
            hours.summary(),
            "Seg e Ter 08:00–18:00 · Qui e Sex 08:00–18:00 · Sáb 08:00–12:00"
        );
    }

    #[test]
    fn validation_refuses_inverted_spans_and_empty_weeks() {
        let mut hours = BusinessHours::weekdays();
        hours.days[1] = Some(Span {
            opens: 600,
            closes: 600,
        });
        assert_eq!(
            hours.validate(),
            Err(HoursError::ClosesBeforeOpening {
                day: "terça-feira"
            })
        );
        hours.days = [None; 7];
        assert_eq!(hours.validate(), Err(HoursError::NoDay));
        hours.days[6] = Some(Span {
            opens: 0,
            closes: 1440,
        });
        assert_eq!(hours.validate(), Ok(()));
        assert!(hours.is_open(at(13, 23, 59)));
    }

    #[test]
    fn the_form_week_round_trips_and_says_what_is_wrong() {
        let text = "08:00-18:00,08:00-18:00,08:00-18:00,08:00-18:00,08:00-18:00,,";
        let hours = parse_week("", text).unwrap().unwrap();
        assert_eq!(hours, BusinessHours::weekdays());
        assert_eq!(week_text(Some(&hours)), text);
        assert_eq!(parse_week("America/Manaus", ",,,,,,"), Ok(None));
        assert_eq!(parse_week("", ""), Ok(None));
        assert_eq!(week_text(None), "");
        assert_eq!(
            parse_week("", "08:00-18:00,,,"),
            Err(HoursError::NotSevenDays)
        );
        assert_eq!(
            parse_week("", ",,,,,8h-12h,"),
            Err(HoursError::Unreadable { day: "sábado" })
        );
        assert_eq!(
            parse_week("", ",,,,,,18:00-08:00").unwrap_err().to_string(),
            "Horário de domingo: o fechamento deve ser depois da abertura."
        );
    }

    #[test]
    fn clocks_parse_and_print() {
        assert_eq!(parse_clock("08:30"), Some(510));
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("8h"), None);
        assert_eq!(clock(1440), "24:00");
    }
}
