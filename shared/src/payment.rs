//! Payment data customers can pay with: the FEBRABAN arrecadação barcode and its 48-digit
//! digitable line (utility bills, segments 2 and 3), and the PIX "copia e cola" payload in BR
//! Code format (EMV MPM) with its CRC16. Pure functions, checked against the published rules.

use crate::flow::text::normalize;

/// Segments of an arrecadação barcode (FEBRABAN "Layout padrão de arrecadação", position 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Saneamento (water and sewage).
    Sanitation = 2,
    /// Energia elétrica e gás.
    Energy = 3,
}

/// FEBRABAN module 10: weights 2,1,2,1… from the right, digits of products summed.
pub fn mod10(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            let p = if i % 2 == 0 { d * 2 } else { d };
            p / 10 + p % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A utility bill's barcode (44 digits) and digitable line (48 digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrecadacao {
    pub barcode: String,
    pub digitable: String,
}

impl Arrecadacao {
    /// `company` is the 4-digit FEBRABAN company code, `free` the company's 25-digit field
    /// (customer and invoice numbers, due date). Value identifier 6: amount in reais, module 10.
    pub fn new(segment: Segment, amount_cents: u64, company: &str, free: &str) -> Option<Self> {
        let all_digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
        if !all_digits(company, 4) || !all_digits(free, 25) || amount_cents > 99_999_999_999 {
            return None;
        }
        let head = format!("8{}6", segment as u8);
        let rest = format!("{amount_cents:011}{company}{free}");
        let dac = mod10(&format!("{head}{rest}"));
        let barcode = format!("{head}{dac}{rest}");
        let digitable = barcode
            .as_bytes()
            .chunks(11)
            .map(|block| {
                let block = std::str::from_utf8(block).unwrap_or_default();
                format!("{block}{}", mod10(block))
            })
            .collect();
        Some(Self { barcode, digitable })
    }

    /// "83640000001-1 23450123456-7 …", as printed on the bill.
    pub fn formatted(&self) -> String {
        format_digitable(&self.digitable)
    }
}

pub fn format_digitable(line: &str) -> String {
    line.as_bytes()
        .chunks(12)
        .map(|b| {
            let b = std::str::from_utf8(b).unwrap_or_default();
            format!(
                "{}-{}",
                &b[..b.len().saturating_sub(1)],
                &b[b.len().saturating_sub(1)..]
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a digitable line (punctuation ignored) has right block and general check digits
/// (value identifiers 6 and 7, module 10).
pub fn digitable_valid(line: &str) -> bool {
    let d: String = line.chars().filter(char::is_ascii_digit).collect();
    if d.len() != 48 || !d.starts_with('8') || !matches!(&d[2..3], "6" | "7") {
        return false;
    }
    let blocks: Vec<&str> = (0..4).map(|i| &d[i * 12..i * 12 + 12]).collect();
    if !blocks
        .iter()
        .all(|b| mod10(&b[..11]).to_string() == b[11..])
    {
        return false;
    }
    let barcode: String = blocks.iter().map(|b| &b[..11]).collect();
    let without_dac = format!("{}{}", &barcode[..3], &barcode[4..]);
    mod10(&without_dac).to_string() == barcode[3..4]
}

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as the BR Code requires.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for byte in data {
        crc ^= (*byte as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn field(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// Text a BR Code field accepts: no accents, printable ASCII, at most `max` characters.
fn ascii(text: &str, max: usize) -> String {
    let plain: String = text
        .chars()
        .map(|c| {
            let n = normalize(&c.to_string());
            let up = c.is_uppercase();
            let c = n.chars().next().unwrap_or(' ');
            if up {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .collect();
    plain.trim().chars().take(max).collect()
}

/// A PIX "copia e cola" (static BR Code). `txid`: up to 25 letters and digits, `***` when none.
pub fn pix_copia_e_cola(
    key: &str,
    merchant: &str,
    city: &str,
    amount_cents: Option<u64>,
    txid: Option<&str>,
) -> String {
    let account = format!(
        "{}{}",
        field("00", "br.gov.bcb.pix"),
        field("01", key.trim())
    );
    let txid: String = txid
        .unwrap_or("***")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '*')
        .take(25)
        .collect();
    let mut payload = String::new();
    payload.push_str(&field("00", "01"));
    payload.push_str(&field("26", &account));
    payload.push_str(&field("52", "0000"));
    payload.push_str(&field("53", "986"));
    if let Some(cents) = amount_cents {
        payload.push_str(&field("54", &format!("{}.{:02}", cents / 100, cents % 100)));
    }
    payload.push_str(&field("58", "BR"));
    payload.push_str(&field("59", &ascii(merchant, 25)));
    payload.push_str(&field("60", &ascii(city, 15)));
    payload.push_str(&field("62", &field("05", &txid)));
    payload.push_str("6304");
    let crc = crc16(payload.as_bytes());
    format!("{payload}{crc:04X}")
}

/// Whether a BR Code ends with the right CRC16.
pub fn pix_valid(payload: &str) -> bool {
    let Some(body) = payload.len().checked_sub(4).and_then(|n| payload.get(..n)) else {
        return false;
    };
    body.ends_with("6304") && format!("{:04X}", crc16(body.as_bytes())) == payload[body.len()..]
}

/// A message that is nothing but a PIX "copia e cola" code (the bot sends it alone, so the
/// customer can copy it): one line, a BR Code with a valid CRC, for the PIX arrangement.
pub fn is_pix_code(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("000201")
        && !t.contains('\n')
        && t.to_ascii_lowercase().contains("br.gov.bcb.pix")
        && pix_valid(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_of_only_a_pix_code_is_recognised() {
        let example = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";
        assert!(is_pix_code(example));
        assert!(is_pix_code(&format!("  {example}\n")));
        assert!(!is_pix_code(&format!("Pague com PIX:\n{example}")));
        assert!(
            !is_pix_code(&example.replace("1D3D", "1D3E")),
            "a wrong CRC"
        );
        assert!(!is_pix_code("000201 nada"));
    }

    #[test]
    fn crc16_matches_the_standard_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn the_central_banks_example_br_code_is_reproduced() {
        // Manual de Padrões para Iniciação do Pix, static QR example.
        let example = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";
        assert!(pix_valid(example));
        assert_eq!(
            pix_copia_e_cola(
                "123e4567-e12b-12d1-a456-426655440000",
                "Fulano de Tal",
                "BRASILIA",
                None,
                None
            ),
            example
        );
        let tampered = example.replace("Fulano", "Fulana");
        assert!(!pix_valid(&tampered));
    }

    #[test]
    fn pix_with_amount_and_accents_stays_valid_ascii() {
        let p = pix_copia_e_cola(
            "financeiro@aguasdoexemplo.com.br",
            "Águas do Exemplo Saneamento S.A.",
            "São Paulo",
            Some(12_345),
            Some("ACORDO2026JOAO0001"),
        );
        assert!(pix_valid(&p));
        assert!(p.is_ascii());
        assert!(p.contains("5406123.45"));
        assert!(p.contains("5925Aguas do Exemplo Saneame"));
        assert!(p.contains("6009Sao Paulo"));
        assert!(p.contains("62220518ACORDO2026JOAO0001"));
    }

    #[test]
    fn arrecadacao_lines_have_correct_check_digits() {
        let bill = Arrecadacao::new(
            Segment::Sanitation,
            18_990,
            "0042",
            "0000123456789202611100001",
        )
        .unwrap();
        assert_eq!(bill.barcode.len(), 44);
        assert_eq!(bill.digitable.len(), 48);
        assert!(bill.barcode.starts_with("826"));
        assert_eq!(&bill.barcode[4..15], "00000018990");
        assert!(digitable_valid(&bill.digitable));
        assert!(digitable_valid(&bill.formatted()));
        assert_eq!(bill.formatted().len(), 48 + 4 + 3);
        // Any single changed digit is caught.
        for i in 0..48 {
            let mut d: Vec<u8> = bill.digitable.bytes().collect();
            d[i] = if d[i] == b'9' { b'0' } else { d[i] + 1 };
            assert!(
                !digitable_valid(std::str::from_utf8(&d).unwrap()),
                "digit {i}"
            );
        }
        let energy = Arrecadacao::new(Segment::Energy, 1, "1234", &"7".repeat(25)).unwrap();
        assert!(energy.barcode.starts_with("836"));
        assert!(digitable_valid(&energy.digitable));
        assert!(Arrecadacao::new(Segment::Energy, 1, "12a4", &"7".repeat(25)).is_none());
    }

    #[test]
    fn module_10_follows_febraban() {
        // Weights 2,1,2,… from the right: 8→16→7, 3→3, 6→12→3: 13 → 7.
        assert_eq!(mod10("638"), 7);
        assert_eq!(mod10("0"), 0);
    }
}
