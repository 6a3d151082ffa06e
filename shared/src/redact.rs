//! CPFs inside free text (what a customer typed, what the bot answered), masked for the roles
//! that may not see them: `111.111.111-11` reads `***.111.111-**`, as the contact panel shows.

use crate::inbox::mask_cpf;
use crate::Cpf;

/// The text with every CPF in it masked. A CPF is 11 digits written `ddd.ddd.ddd-dd`, or 11
/// digits in a row that are a valid CPF (or all one digit, as the demo's fixtures are): a phone
/// number of 11 digits is left alone unless it happens to be a valid CPF too.
pub fn cpfs_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
        if !starts_number {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The number: digits, with single dots or dashes between them.
        let mut end = i;
        while end < chars.len()
            && (chars[end].is_ascii_digit()
                || (matches!(chars[end], '.' | '-')
                    && chars.get(end + 1).is_some_and(char::is_ascii_digit)
                    && end > i))
        {
            end += 1;
        }
        let token: String = chars[i..end].iter().collect();
        let digits: String = token.chars().filter(char::is_ascii_digit).collect();
        if is_cpf(&token, &digits) {
            out.push_str(&mask_cpf(&digits));
        } else {
            out.push_str(&token);
        }
        i = end;
    }
    out
}

/// Whether the text holds a CPF (as [`cpfs_in`] would mask it).
pub fn holds_cpf(text: &str) -> bool {
    cpfs_in(text) != text
}

fn is_cpf(token: &str, digits: &str) -> bool {
    if digits.len() != 11 {
        return false;
    }
    let formatted = token.len() == 14
        && token.as_bytes()[3] == b'.'
        && token.as_bytes()[7] == b'.'
        && token.as_bytes()[11] == b'-';
    let same_digit = digits.bytes().all(|b| b == digits.as_bytes()[0]);
    formatted || (token == digits && (same_digit || Cpf::parse(digits).is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpfs_are_masked_wherever_they_are_written() {
        assert_eq!(cpfs_in("111.111.111-11"), "***.111.111-**");
        assert_eq!(
            cpfs_in("Meu CPF é 529.982.247-25, ok?"),
            "Meu CPF é ***.982.247-**, ok?"
        );
        assert_eq!(cpfs_in("cpf 52998224725."), "cpf ***.982.247-**.");
        assert_eq!(cpfs_in("22222222222"), "***.222.222-**");
        assert_eq!(
            cpfs_in("Encontrei você, Maria (CPF 111.111.111-11)."),
            "Encontrei você, Maria (CPF ***.111.111-**)."
        );
    }

    #[test]
    fn other_numbers_are_left_alone() {
        for text in [
            "ligue 11987654321",
            "+55 11 98765-4321",
            "fatura 2024-11-10 de R$ 89,90",
            "linha 83650000001-2 12345678901-2",
            "protocolo 202612345678",
            "5511987654321",
            "",
        ] {
            assert_eq!(cpfs_in(text), text);
        }
    }
}
