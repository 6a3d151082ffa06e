//! Validated value types. Each has a private field and a `parse` constructor, so a value that
//! exists is a valid one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused. `message()` is the pt-BR text shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ValueError {
    #[error("e-mail inválido")]
    InvalidEmail,
    #[error("nome obrigatório")]
    EmptyName,
    #[error("nome longo demais")]
    NameTooLong,
    #[error("nome com caracteres inválidos")]
    NameWithControlChars,
    #[error("senha obrigatória")]
    EmptyPassword,
    #[error("senha curta demais")]
    PasswordTooShort,
    #[error("senha longa demais")]
    PasswordTooLong,
    #[error("capacidade inválida")]
    InvalidCapacity,
    #[error("telefone inválido")]
    InvalidPhone,
    #[error("CPF inválido")]
    InvalidCpf,
    #[error("cor inválida")]
    InvalidColor,
    #[error("origem inválida")]
    InvalidOrigin,
    #[error("identificador da Meta inválido")]
    InvalidExternalId,
    #[error("configuração de canal inválida")]
    InvalidChannelSetting,
}

impl ValueError {
    /// The pt-BR sentence shown to the person who typed the value.
    pub fn message(&self) -> &'static str {
        match self {
            ValueError::InvalidEmail => "Informe um e-mail válido, como nome@empresa.com.br.",
            ValueError::EmptyName => "Informe o nome.",
            ValueError::NameTooLong => "O nome pode ter no máximo 120 caracteres.",
            ValueError::NameWithControlChars => "O nome contém caracteres não permitidos.",
            ValueError::EmptyPassword => "Informe a senha.",
            ValueError::PasswordTooShort => "A nova senha precisa ter pelo menos 8 caracteres.",
            ValueError::PasswordTooLong => "A senha pode ter no máximo 256 caracteres.",
            ValueError::InvalidCapacity => {
                "A capacidade deve ser um número inteiro entre 1 e 50 conversas."
            }
            ValueError::InvalidPhone => {
                "Informe o telefone com DDD, como +55 11 98765-4321 (formato internacional)."
            }
            ValueError::InvalidCpf => "CPF inválido: confira os 11 dígitos.",
            ValueError::InvalidColor => "Informe a cor no formato #RRGGBB, como #0f766e.",
            ValueError::InvalidOrigin => {
                "Cada origem deve ser como https://www.suaempresa.com.br, sem caminho."
            }
            ValueError::InvalidExternalId => {
                "Informe o identificador numérico fornecido pela Meta."
            }
            ValueError::InvalidChannelSetting => {
                "Valor inválido: o título precisa ter de 1 a 60 caracteres e a saudação até 500."
            }
        }
    }
}

/// An e-mail address, trimmed and lower-cased, so uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let value = raw.trim().to_lowercase();
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValueError::InvalidEmail);
        }
        let (local, domain) = value.split_once('@').ok_or(ValueError::InvalidEmail)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\']);
        if local_ok && domain_ok {
            Ok(Self(value))
        } else {
            Err(ValueError::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Email::parse(&raw).map_err(serde::de::Error::custom)
    }
}

fn parse_name(raw: &str) -> Result<String, ValueError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(ValueError::EmptyName);
    }
    if value.chars().count() > 120 {
        return Err(ValueError::NameTooLong);
    }
    if value.chars().any(char::is_control) {
        return Err(ValueError::NameWithControlChars);
    }
    Ok(value.to_owned())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                parse_name(raw).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

name_type!(
    /// A person's display name: trimmed, 1 to 120 characters, no control characters.
    /// Any other text (HTML, SQL) is kept as typed; it is escaped when rendered and bound as a
    /// parameter when stored.
    PersonName
);
name_type!(
    /// A team's name, with the same rules as a person's.
    TeamName
);

/// The most characters a password may have; longer input is refused before hashing.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// The fewest characters a new password may have.
pub const MIN_NEW_PASSWORD_CHARS: usize = 8;

/// Checks a password typed at login: present and not absurdly long.
pub fn check_login_password(raw: &str) -> Result<(), ValueError> {
    if raw.is_empty() {
        Err(ValueError::EmptyPassword)
    } else if raw.chars().count() > MAX_PASSWORD_CHARS {
        Err(ValueError::PasswordTooLong)
    } else {
        Ok(())
    }
}

/// Checks a password being set: the login rules plus a minimum length.
pub fn check_new_password(raw: &str) -> Result<(), ValueError> {
    check_login_password(raw)?;
    if raw.chars().count() < MIN_NEW_PASSWORD_CHARS {
        Err(ValueError::PasswordTooShort)
    } else {
        Ok(())
    }
}

/// The most simultaneous conversations an agent may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity(i32);

impl Capacity {
    pub const DEFAULT: Capacity = Capacity(5);

    pub fn parse(value: i32) -> Result<Self, ValueError> {
        if (1..=50).contains(&value) {
            Ok(Self(value))
        } else {
            Err(ValueError::InvalidCapacity)
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// A phone number in E.164 (`+` and 8 to 15 digits). Brazilian numbers typed without the
/// country code (10 or 11 digits with DDD) get `+55`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let trimmed = raw.trim();
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.')))
            || trimmed.chars().skip(1).any(|c| c == '+')
        {
            return Err(ValueError::InvalidPhone);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let international = trimmed.starts_with('+');
        let digits = if !international && (digits.len() == 10 || digits.len() == 11) {
            format!("55{digits}")
        } else {
            digits
        };
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(ValueError::InvalidPhone);
        }
        Ok(Self(format!("+{digits}")))
    }

    /// Builds the E.164 form from a WhatsApp `wa_id` (the digits, without `+`).
    pub fn from_wa_id(wa_id: &str) -> Result<Self, ValueError> {
        if wa_id.starts_with('+') {
            return Err(ValueError::InvalidPhone);
        }
        Self::parse(&format!("+{wa_id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits only, as WhatsApp's `to` and `wa_id` use them.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CPF (Brazilian individual taxpayer number): 11 digits with valid check digits, stored
/// without punctuation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Cpf(String);

impl Cpf {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let trimmed = raw.trim();
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, '.' | '-' | ' ')))
        {
            return Err(ValueError::InvalidCpf);
        }
        let digits: Vec<u32> = trimmed.chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != 11 || digits.iter().all(|d| *d == digits[0]) {
            return Err(ValueError::InvalidCpf);
        }
        let check = |len: usize| {
            let sum: u32 = digits[..len]
                .iter()
                .enumerate()
                .map(|(i, d)| d * (len as u32 + 1 - i as u32))
                .sum();
            let rest = (sum * 10) % 11;
            if rest == 10 {
                0
            } else {
                rest
            }
        };
        if check(9) != digits[9] || check(10) != digits[10] {
            return Err(ValueError::InvalidCpf);
        }
        Ok(Self(
            digits.iter().map(|d| char::from(b'0' + *d as u8)).collect(),
        ))
    }

    /// The 11 digits of a CPF another system of record states ("111.111.111-11" from the ERP),
    /// punctuation dropped; `None` unless exactly 11 digits. No check-digit test: the ERP's word
    /// is taken as it is, as the demo's fixture CPFs need (what a person types goes through
    /// [`Cpf::parse`]).
    pub fn digits_of(stated: &str) -> Option<String> {
        let digits: String = stated.chars().filter(char::is_ascii_digit).collect();
        let only_punctuation = stated
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ' ' | '/'));
        (digits.len() == 11 && only_punctuation).then_some(digits)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `123.456.789-09`.
    pub fn formatted(&self) -> String {
        let s = &self.0;
        format!("{}.{}.{}-{}", &s[0..3], &s[3..6], &s[6..9], &s[9..11])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cpf_the_erp_states_keeps_its_eleven_digits() {
        assert_eq!(
            Cpf::digits_of("111.111.111-11").as_deref(),
            Some("11111111111")
        );
        assert_eq!(
            Cpf::digits_of("22222222222").as_deref(),
            Some("22222222222")
        );
        assert_eq!(Cpf::digits_of("1111111111"), None, "ten digits");
        assert_eq!(Cpf::digits_of("CPF 111.111.111-11"), None);
        assert_eq!(Cpf::digits_of(""), None);
    }

    #[test]
    fn email_is_trimmed_and_lowercased_so_uniqueness_ignores_case() {
        let email = Email::parse("  Maria.Silva@Empresa.COM.br ").unwrap();
        assert_eq!(email.as_str(), "maria.silva@empresa.com.br");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in [
            "",
            "maria",
            "maria@",
            "@empresa.com",
            "maria@empresa",
            "maria@@empresa.com",
            "maria silva@empresa.com",
            "maria@empresa..com",
            "maria@.empresa.com",
            "<script>@x.com",
            "maria@empresa.com.",
        ] {
            assert_eq!(Email::parse(raw), Err(ValueError::InvalidEmail), "{raw:?}");
        }
    }

    #[test]
    fn email_deserialization_applies_the_same_rules() {
        let ok: Email = serde_json::from_str("\"Demo@Plataforma.com\"").unwrap();
        assert_eq!(ok.as_str(), "demo@plataforma.com");
        assert!(serde_json::from_str::<Email>("\"não é email\"").is_err());
    }

    #[test]
    fn names_keep_html_and_sql_as_typed_text() {
        let name = PersonName::parse("<b>Ana</b>'; drop table users;--").unwrap();
        assert_eq!(name.as_str(), "<b>Ana</b>'; drop table users;--");
    }

    #[test]
    fn names_are_required_bounded_and_free_of_control_characters() {
        assert_eq!(PersonName::parse("   "), Err(ValueError::EmptyName));
        assert_eq!(
            PersonName::parse(&"a".repeat(121)),
            Err(ValueError::NameTooLong)
        );
        assert_eq!(
            PersonName::parse("Ana\u{0}Silva"),
            Err(ValueError::NameWithControlChars)
        );
        assert_eq!(PersonName::parse(" Ana ").unwrap().as_str(), "Ana");
    }

    #[test]
    fn passwords_must_be_present_and_bounded() {
        assert_eq!(check_login_password(""), Err(ValueError::EmptyPassword));
        assert_eq!(
            check_login_password(&"x".repeat(10 * 1024 * 1024)),
            Err(ValueError::PasswordTooLong)
        );
        assert_eq!(check_login_password("demo123"), Ok(()));
        assert_eq!(
            check_new_password("curta"),
            Err(ValueError::PasswordTooShort)
        );
        assert_eq!(check_new_password("uma senha boa"), Ok(()));
    }

    #[test]
    fn capacity_is_between_one_and_fifty() {
        assert!(Capacity::parse(0).is_err());
        assert!(Capacity::parse(51).is_err());
        assert_eq!(Capacity::parse(5).unwrap(), Capacity::DEFAULT);
    }

    #[test]
    fn every_value_error_has_a_portuguese_message() {
        for e in [
            ValueError::InvalidEmail,
            ValueError::EmptyName,
            ValueError::NameTooLong,
            ValueError::NameWithControlChars,
            ValueError::EmptyPassword,
            ValueError::PasswordTooShort,
            ValueError::PasswordTooLong,
            ValueError::InvalidCapacity,
            ValueError::InvalidPhone,
            ValueError::InvalidCpf,
            ValueError::InvalidColor,
            ValueError::InvalidOrigin,
            ValueError::InvalidExternalId,
            ValueError::InvalidChannelSetting,
        ] {
            assert!(e.message().ends_with('.'));
        }
    }

    #[test]
    fn phones_are_normalised_to_e164() {
        assert_eq!(
            Phone::parse("(11) 98765-4321").unwrap().as_str(),
            "+5511987654321"
        );
        assert_eq!(
            Phone::parse("+55 11 98765-4321").unwrap().as_str(),
            "+5511987654321"
        );
        assert_eq!(
            Phone::parse("+1 555 078 3881").unwrap().as_str(),
            "+15550783881"
        );
        assert_eq!(
            Phone::from_wa_id("5511987654321").unwrap().digits(),
            "5511987654321"
        );
        for bad in [
            "",
            "abc",
            "+55 11 9x",
            "123",
            "+0123456789",
            "++5511987654321",
            "+1234567890123456",
        ] {
            assert_eq!(Phone::parse(bad), Err(ValueError::InvalidPhone), "{bad:?}");
        }
    }

    #[test]
    fn cpf_check_digits_are_verified() {
        assert_eq!(
            Cpf::parse("529.982.247-25").unwrap().as_str(),
            "52998224725"
        );
        assert_eq!(
            Cpf::parse("52998224725").unwrap().formatted(),
            "529.982.247-25"
        );
        for bad in [
            "529.982.247-26",
            "111.111.111-11",
            "1234567890",
            "5299822472a",
            "",
        ] {
            assert_eq!(Cpf::parse(bad), Err(ValueError::InvalidCpf), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn parsed_emails_are_stable_under_reparsing(local in "[a-z0-9._%+-]{1,20}", domain in "[a-z0-9-]{1,20}\\.[a-z]{2,6}") {
            let first = Email::parse(&format!("{local}@{domain}")).unwrap();
            let again = Email::parse(first.as_str()).unwrap();
            prop_assert_eq!(first, again);
        }

        #[test]
        fn email_parse_never_panics(raw in ".{0,80}") {
            let _ = Email::parse(&raw);
        }
    }
}
