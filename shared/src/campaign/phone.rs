//! Brazilian phone numbers as a campaign's CSV brings them: with or without +55, the DDD in
//! parentheses or not, dashes and spaces, and mobiles still written with eight digits (before
//! the ninth digit, added to every mobile by 2016). Each becomes E.164 (`+55DD9XXXXXXXX`), or
//! the reason it cannot.

use serde::{Deserialize, Serialize};

/// Every DDD in use (Anatel).
pub const DDDS: [u8; 67] = [
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77,
    79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
];

/// A number a campaign can send to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrPhone {
    /// `+55` and 10 or 11 digits.
    pub e164: String,
    pub ddd: u8,
    pub mobile: bool,
    /// The ninth digit was added (the file had the old eight-digit mobile).
    pub ninth_added: bool,
}

/// Why a line's number was refused, as the validation report says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneProblem {
    #[error("telefone vazio")]
    Empty,
    #[error("o telefone tem caracteres que não são números")]
    NotDigits,
    #[error("telefone de outro país (só números do Brasil, +55)")]
    Foreign,
    #[error("DDD inexistente")]
    UnknownDdd,
    #[error("número com quantidade de dígitos errada (use DDD + número)")]
    WrongLength,
}

impl BrPhone {
    pub fn parse(raw: &str) -> Result<Self, PhoneProblem> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneProblem::Empty);
        }
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
        {
            return Err(PhoneProblem::NotDigits);
        }
        let mut digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let international = trimmed.starts_with('+');
        // A leading 0 is the long-distance prefix (0 + carrier code 2 digits, or 0 alone).
        if !international {
            if let Some(rest) = digits.strip_prefix('0') {
                digits = match rest.len() {
                    12 | 13 => rest[2..].to_owned(),
                    _ => rest.to_owned(),
                };
            }
        }
        let national = match (international, digits.len()) {
            (true, _) | (false, 12 | 13) => match digits.strip_prefix("55") {
                Some(n) => n.to_owned(),
                None if international => return Err(PhoneProblem::Foreign),
                None => return Err(PhoneProblem::WrongLength),
            },
            (false, 10 | 11) => digits,
            _ => return Err(PhoneProblem::WrongLength),
        };
        if !(10..=11).contains(&national.len()) {
            return Err(PhoneProblem::WrongLength);
        }
        let ddd: u8 = national[..2]
            .parse()
            .map_err(|_| PhoneProblem::WrongLength)?;
        if !DDDS.contains(&ddd) {
            return Err(PhoneProblem::UnknownDdd);
        }
        let subscriber = &national[2..];
        let first = subscriber.as_bytes()[0];
        let (subscriber, mobile, ninth_added) = match subscriber.len() {
            9 if first == b'9' => (subscriber.to_owned(), true, false),
            9 => return Err(PhoneProblem::WrongLength),
            // Eight digits: a landline (2–5) or an old mobile (6–9) that gets its ninth digit.
            _ if (b'6'..=b'9').contains(&first) => (format!("9{subscriber}"), true, true),
            _ if (b'2'..=b'5').contains(&first) => (subscriber.to_owned(), false, false),
            _ => return Err(PhoneProblem::WrongLength),
        };
        Ok(Self {
            e164: format!("+55{ddd}{subscriber}"),
            ddd,
            mobile,
            ninth_added,
        })
    }

    /// The digits WhatsApp's `to` takes.
    pub fn digits(&self) -> &str {
        &self.e164[1..]
    }
}

/// The recipient's offset from UTC, in hours, by DDD: Brazil keeps no daylight saving since
/// 2019. Acre −5; Amazonas, Rondônia, Roraima, Mato Grosso and Mato Grosso do Sul −4; the rest
/// −3 (Fernando de Noronha, −2, shares DDD 81 with Recife and is read as −3).
pub fn utc_offset_hours(ddd: u8) -> i32 {
    match ddd {
        68 => -5,
        65 | 66 | 67 | 69 | 92 | 95 | 97 => -4,
        _ => -3,
    }
}

/// How many hours after a wall-clock time in Brasília the same wall-clock time comes in this
/// DDD's zone: 0, 1 (Manaus) or 2 (Rio Branco).
pub fn hours_after_brasilia(ddd: u8) -> i64 {
    i64::from(-3 - utc_offset_hours(ddd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_in_the_morning_comes_later_west_of_brasilia() {
        assert_eq!(hours_after_brasilia(11), 0);
        assert_eq!(hours_after_brasilia(92), 1);
        assert_eq!(hours_after_brasilia(65), 1);
        assert_eq!(hours_after_brasilia(68), 2);
    }

    #[test]
    fn the_usual_ways_of_writing_a_mobile_become_one_number() {
        for raw in [
            "(11) 99999-0001",
            "11999990001",
            "+55 11 99999-0001",
            "5511999990001",
            "011 99999-0001",
            "0 21 11 99999-0001",
        ] {
            let p = BrPhone::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(p.e164, "+5511999990001", "{raw}");
            assert!(p.mobile && !p.ninth_added);
        }
    }

    #[test]
    fn an_old_eight_digit_mobile_gets_its_ninth_digit_and_a_landline_does_not() {
        let p = BrPhone::parse("(21) 8888-7777").unwrap();
        assert_eq!(p.e164, "+5521988887777");
        assert!(p.ninth_added);
        let p = BrPhone::parse("+55 (31) 3333-4444").unwrap();
        assert_eq!(p.e164, "+553133334444");
        assert!(!p.mobile && !p.ninth_added);
        assert_eq!(p.digits(), "553133334444");
    }

    #[test]
    fn what_cannot_be_a_brazilian_number_says_why() {
        assert_eq!(BrPhone::parse("  "), Err(PhoneProblem::Empty));
        assert_eq!(BrPhone::parse("11 9999 abc"), Err(PhoneProblem::NotDigits));
        assert_eq!(
            BrPhone::parse("+1 415 555 0100"),
            Err(PhoneProblem::Foreign)
        );
        assert_eq!(
            BrPhone::parse("(20) 99999-0001"),
            Err(PhoneProblem::UnknownDdd)
        );
        assert_eq!(BrPhone::parse("99999-0001"), Err(PhoneProblem::WrongLength));
        assert_eq!(
            BrPhone::parse("(11) 89999-0001"),
            Err(PhoneProblem::WrongLength)
        );
        assert_eq!(
            BrPhone::parse("(11) 1999-0001"),
            Err(PhoneProblem::WrongLength)
        );
    }

    #[test]
    fn time_zones_follow_the_ddd() {
        assert_eq!(utc_offset_hours(11), -3);
        assert_eq!(utc_offset_hours(92), -4);
        assert_eq!(utc_offset_hours(68), -5);
        assert_eq!(utc_offset_hours(81), -3);
    }
}
