//! WhatsApp's text formatting, as the bot's flows and agents write it: `*bold*`, `_italic_`,
//! `~strike~` and ```` ```monospace``` ````, nestable (`*_both_*`). The inbox, the list's
//! preview and the simulator show what the customer's app shows, instead of the asterisks.
//!
//! The rules WhatsApp applies: a marker opens only at the start of the text or after a space or
//! punctuation, and is followed by a non-space; it closes on the same line, after a non-space,
//! before the end, a space or punctuation. Anything else stays literal (`2*3*4`, `file_name_x`).

/// A run of text and the styles it is shown with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub mono: bool,
}

/// The text cut into styled runs, the markers removed.
pub fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    parse(text, &Span::default(), &mut out);
    // Neighbouring runs of the same style are one.
    let mut merged: Vec<Span> = Vec::with_capacity(out.len());
    for s in out {
        match merged.last_mut() {
            Some(last) if same_style(last, &s) => last.text.push_str(&s.text),
            _ => merged.push(s),
        }
    }
    merged
}

/// The text as it reads, the markers removed (a preview line, a notification).
pub fn plain(text: &str) -> String {
    spans(text).into_iter().map(|s| s.text).collect()
}

fn same_style(a: &Span, b: &Span) -> bool {
    (a.bold, a.italic, a.strike, a.mono) == (b.bold, b.italic, b.strike, b.mono)
}

fn styled(style: &Span, marker: &str) -> Span {
    let mut s = style.clone();
    s.text.clear();
    match marker {
        "*" => s.bold = true,
        "_" => s.italic = true,
        "~" => s.strike = true,
        _ => s.mono = true,
    }
    s
}

fn opens_after(prev: Option<char>) -> bool {
    prev.is_none_or(|c| c.is_whitespace() || (c.is_ascii_punctuation() && !is_marker(c)))
}

fn closes_before(next: Option<char>) -> bool {
    next.is_none_or(|c| c.is_whitespace() || c.is_ascii_punctuation())
}

fn is_marker(c: char) -> bool {
    matches!(c, '*' | '_' | '~' | '`')
}

/// Where the run opened at `start` (just after its marker) closes: the byte index of the
/// closing marker, on the same line.
fn closing(text: &str, start: usize, marker: &str) -> Option<usize> {
    let rest = &text[start..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let line = &rest[..line_end];
    let mut from = 0;
    while let Some(found) = line[from..].find(marker) {
        let at = from + found;
        let before = line[..at].chars().next_back();
        let after = line[at + marker.len()..].chars().next();
        if at > 0 && before.is_some_and(|c| !c.is_whitespace()) && closes_before(after) {
            return Some(start + at);
        }
        from = at + marker.len();
    }
    None
}

fn parse(text: &str, style: &Span, out: &mut Vec<Span>) {
    let mut literal = String::new();
    let mut prev: Option<char> = None;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let marker = if rest.starts_with("```") {
            Some("```")
        } else {
            rest.chars()
                .next()
                .filter(|c| matches!(c, '*' | '_' | '~'))
                .map(|c| &rest[..c.len_utf8()])
        };
        let opened = marker.filter(|m| {
            opens_after(prev)
                && rest[m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_whitespace())
        });
        if let Some(m) = opened {
            if let Some(end) = closing(text, i + m.len(), m) {
                if !literal.is_empty() {
                    out.push(Span {
                        text: std::mem::take(&mut literal),
                        ..style.clone()
                    });
                }
                let inner = &text[i + m.len()..end];
                let inner_style = styled(style, m);
                if m == "```" {
                    out.push(Span {
                        text: inner.to_owned(),
                        ..inner_style
                    });
                } else {
                    parse(inner, &inner_style, out);
                }
                i = end + m.len();
                prev = m.chars().last();
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        literal.push(c);
        prev = Some(c);
        i += c.len_utf8();
    }
    if !literal.is_empty() {
        out.push(Span {
            text: literal,
            ..style.clone()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, bold: bool, italic: bool, strike: bool, mono: bool) -> Span {
        Span {
            text: text.into(),
            bold,
            italic,
            strike,
            mono,
        }
    }

    #[test]
    fn the_four_styles_are_read_and_their_markers_removed() {
        assert_eq!(
            spans("Valor: *R$ 10,00* _hoje_ ~ontem~ ```1234```"),
            [
                run("Valor: ", false, false, false, false),
                run("R$ 10,00", true, false, false, false),
                run(" ", false, false, false, false),
                run("hoje", false, true, false, false),
                run(" ", false, false, false, false),
                run("ontem", false, false, true, false),
                run(" ", false, false, false, false),
                run("1234", false, false, false, true),
            ]
        );
        assert_eq!(
            plain("Olá! 👋 Eu sou a Val, da *Águas do Vale*."),
            "Olá! 👋 Eu sou a Val, da Águas do Vale."
        );
    }

    #[test]
    fn styles_nest() {
        assert_eq!(
            spans("*negrito _e itálico_*"),
            [
                run("negrito ", true, false, false, false),
                run("e itálico", true, true, false, false),
            ]
        );
    }

    #[test]
    fn markers_that_do_not_open_or_close_stay_literal() {
        for text in [
            "2*3*4",
            "arquivo_nome_final.pdf",
            "* não é negrito*",
            "*também não *",
            "*abre\nmas não fecha*",
            "sozinho *",
            "**",
            "",
            // A PIX code's txid placeholder.
            "5913Fulano de Tal6008BRASILIA62070503***63041D3D",
        ] {
            assert_eq!(plain(text), text, "{text:?}");
        }
    }

    #[test]
    fn punctuation_around_a_run_is_kept() {
        assert_eq!(plain("(*importante*)."), "(importante).");
        assert_eq!(
            plain("Digite *menu*, *ajuda* ou *sair*!"),
            "Digite menu, ajuda ou sair!"
        );
        assert_eq!(
            spans("Digite *menu*,")[1],
            run("menu", true, false, false, false)
        );
    }

    #[test]
    fn monospace_keeps_its_inside_as_written() {
        assert_eq!(
            spans("```a *b* c```"),
            [run("a *b* c", false, false, false, true)]
        );
    }
}
