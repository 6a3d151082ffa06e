//! A campaign's audience from a CSV file as spreadsheets export it (`,` or `;`, quoted fields,
//! a BOM, Windows line ends): one recipient per line with a Brazilian number, every column a
//! variable, and a report of what was left out, by line number (a number that cannot be
//! sent to, a duplicate of an earlier line).

use super::phone::BrPhone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// At most this many lines per file (a bigger audience is split into files or comes from the
/// contact filters).
pub const MAX_LINES: usize = 200_000;

/// Column names taken as the phone number, when the caller names none.
const PHONE_COLUMNS: [&str; 7] = [
    "telefone", "phone", "celular", "whatsapp", "numero", "fone", "tel",
];

/// Why the whole file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvProblem {
    #[error("O arquivo está vazio.")]
    Empty,
    #[error("Nenhuma coluna de telefone: nomeie uma coluna \"telefone\" (colunas: {0}).")]
    NoPhoneColumn(String),
    #[error("A coluna \"{0}\" não existe no arquivo.")]
    UnknownColumn(String),
    #[error("Aspas sem fechamento a partir da linha {0}.")]
    UnclosedQuote(usize),
    #[error("O arquivo tem mais de {MAX_LINES} linhas; divida-o em partes.")]
    TooLarge,
}

/// One recipient from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceRow {
    pub line: usize,
    pub phone: BrPhone,
    /// Every column, by its name in lower case, plus `primeiro_nome` taken from `nome`.
    pub fields: BTreeMap<String, String>,
}

/// A line left out, and why (in pt-BR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProblem {
    pub line: usize,
    pub message: String,
}

/// What the file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceReport {
    pub columns: Vec<String>,
    pub phone_column: String,
    pub rows: Vec<AudienceRow>,
    pub problems: Vec<LineProblem>,
    /// Lines whose number an earlier line already had: (line, the earlier line).
    pub duplicates: Vec<(usize, usize)>,
    /// Mobiles written with eight digits that got their ninth.
    pub ninth_digit_added: usize,
}

/// A file's bytes as text: UTF-8 when they are, else Windows-1252, which is what Excel in
/// Portuguese saves a "CSV (separado por vírgulas)" in ("João" would otherwise arrive as
/// "Jo\u{fffd}o").
pub fn decode(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    // The 0x80–0x9F range of Windows-1252; the rest of the bytes are Latin-1's code points.
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Splits CSV text into records, each with the line it starts on (1-based).
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvProblem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // NUL is never text (and PostgreSQL refuses it): dropped.
    let cleaned;
    let text = if text.contains('\0') {
        cleaned = text.replace('\0', "");
        cleaned.as_str()
    } else {
        text
    };
    let delimiter = delimiter_of(text.lines().next().unwrap_or_default());
    let mut out = Vec::new();
    let mut field = String::new();
    let mut record: Vec<String> = Vec::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            c if c == delimiter => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                push_record(&mut out, start, std::mem::take(&mut record))?;
                line += 1;
                start = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(CsvProblem::UnclosedQuote(start));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        push_record(&mut out, start, record)?;
    }
    Ok(out)
}

fn push_record(
    out: &mut Vec<(usize, Vec<String>)>,
    line: usize,
    record: Vec<String>,
) -> Result<(), CsvProblem> {
    // Blank lines (and a spreadsheet's trailing ";;;") carry no one.
    if record.iter().all(|f| f.trim().is_empty()) {
        return Ok(());
    }
    if out.len() > MAX_LINES {
        return Err(CsvProblem::TooLarge);
    }
    out.push((line, record));
    Ok(())
}

/// `;` when the header has more of them than commas (Excel in pt-BR), a tab likewise, else `,`.
fn delimiter_of(header: &str) -> char {
    let count = |d: char| header.chars().filter(|c| *c == d).count();
    let (semi, comma, tab) = (count(';'), count(','), count('\t'));
    if tab > semi && tab > comma {
        '\t'
    } else if semi > comma {
        ';'
    } else {
        ','
    }
}

fn column_name(raw: &str) -> String {
    crate::flow::text::normalize(raw.trim())
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .trim_matches('_')
        .to_owned()
}

/// The audience in `text`: the phone column is `phone_column`, else the first column named
/// like a phone (telefone, celular, whatsapp…).
pub fn from_csv(text: &str, phone_column: Option<&str>) -> Result<AudienceReport, CsvProblem> {
    let mut records = records(text)?.into_iter();
    let (_, header) = records.next().ok_or(CsvProblem::Empty)?;
    let columns: Vec<String> = header.iter().map(|h| column_name(h)).collect();
    let phone_at = match phone_column {
        Some(name) => {
            let wanted = column_name(name);
            columns
                .iter()
                .position(|c| *c == wanted)
                .ok_or_else(|| CsvProblem::UnknownColumn(name.to_owned()))?
        }
        None => columns
            .iter()
            .position(|c| PHONE_COLUMNS.contains(&c.as_str()))
            .ok_or_else(|| CsvProblem::NoPhoneColumn(columns.join(", ")))?,
    };
    let mut report = AudienceReport {
        phone_column: columns[phone_at].clone(),
        columns: columns.clone(),
        ..Default::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, values) in records {
        let raw = values.get(phone_at).map(String::as_str).unwrap_or_default();
        let phone = match BrPhone::parse(raw) {
            Ok(p) => p,
            Err(problem) => {
                report.problems.push(LineProblem {
                    line,
                    message: format!("{problem}: \"{}\"", raw.trim()),
                });
                continue;
            }
        };
        if let Some(first) = seen.get(&phone.e164) {
            report.duplicates.push((line, *first));
            continue;
        }
        seen.insert(phone.e164.clone(), line);
        if phone.ninth_added {
            report.ninth_digit_added += 1;
        }
        let mut fields: BTreeMap<String, String> = columns
            .iter()
            .zip(values.iter())
            .filter(|(c, _)| !c.is_empty())
            .map(|(c, v)| (c.clone(), v.trim().to_owned()))
            .collect();
        if let Some(first) = fields
            .get("nome")
            .and_then(|n| n.split_whitespace().next())
            .map(str::to_owned)
        {
            fields.entry("primeiro_nome".into()).or_insert(first);
        }
        report.rows.push(AudienceRow {
            line,
            phone,
            fields,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn files_saved_by_excel_in_portuguese_are_read_as_windows_1252() {
        assert_eq!(super::decode("João;Conceição".as_bytes()), "João;Conceição");
        // "João – R$ 10" as Windows-1252.
        let latin = [
            0x4a, 0x6f, 0xe3, 0x6f, 0x20, 0x96, 0x20, 0x52, 0x24, 0x20, 0x31, 0x30,
        ];
        assert_eq!(super::decode(&latin), "João – R$ 10");
        assert_eq!(super::decode(&[0x80, 0xe7]), "€ç");
    }

    use super::*;

    #[test]
    fn excel_in_portuguese_writes_semicolons_quotes_and_a_bom() {
        let text = "\u{feff}Nome;Telefone;Valor\r\nMaria Silva;(11) 98765-4321;\"R$ 1.234,56; à vista\"\r\n";
        let r = from_csv(text, None).unwrap();
        assert_eq!(r.columns, vec!["nome", "telefone", "valor"]);
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.rows[0].line, 2);
        assert_eq!(r.rows[0].phone.e164, "+5511987654321");
        assert_eq!(r.rows[0].fields["nome"], "Maria Silva");
        assert_eq!(r.rows[0].fields["valor"], "R$ 1.234,56; à vista");
        assert_eq!(r.rows[0].fields["primeiro_nome"], "Maria");
    }

    #[test]
    fn the_report_names_each_line_left_out_and_each_duplicate() {
        let text = "nome,celular\nJoão,11 8765-4321\nAna,abc\nJoão de novo,+55 11 98765-4321\n\nBia,(21) 99999-0000\nSem número,\n";
        let r = from_csv(text, None).unwrap();
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[0].phone.e164, "+5511987654321");
        assert_eq!(r.ninth_digit_added, 1);
        assert_eq!(r.duplicates, vec![(4, 2)]);
        let lines: Vec<usize> = r.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 7]);
        assert!(r.problems[0].message.contains("abc"), "{:?}", r.problems);
        // A blank line is not a recipient, and the line numbers after it stay the file's.
        assert_eq!(r.rows[1].line, 6);
    }

    #[test]
    fn a_quoted_field_may_hold_a_line_break_and_the_lines_still_count() {
        let rows = records("a,b\n\"x\ny\",2\nz,3\n").unwrap();
        assert_eq!(rows[1], (2, vec!["x\ny".to_string(), "2".to_string()]));
        assert_eq!(rows[2].0, 4);
        assert_eq!(records("a\0,b\n").unwrap()[0].1, vec!["a", "b"]);
        assert_eq!(
            records("a\n\"open\n").unwrap_err(),
            CsvProblem::UnclosedQuote(2)
        );
    }

    #[test]
    fn the_phone_column_is_found_or_named() {
        assert!(matches!(
            from_csv("nome,cidade\nA,B\n", None),
            Err(CsvProblem::NoPhoneColumn(_))
        ));
        let r = from_csv("nome,contato\nA,11987654321\n", Some("Contato")).unwrap();
        assert_eq!(r.phone_column, "contato");
        assert_eq!(r.rows.len(), 1);
        assert_eq!(
            from_csv("nome\n", Some("fone")).unwrap_err(),
            CsvProblem::UnknownColumn("fone".into())
        );
        assert_eq!(from_csv("", None).unwrap_err(), CsvProblem::Empty);
    }
}
