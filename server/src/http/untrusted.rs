//! Headers for bytes a customer (or an agent's upload) supplied, served from our origin: they
//! never run as a page of ours. Every answer is sandboxed and not sniffed; only plain image,
//! audio and video types are shown inline, anything else (HTML, SVG, PDF, scripts…) downloads as
//! `application/octet-stream`.

use axum::http::header::{self, HeaderName};

/// The types a browser may show inline from us: they cannot carry script.
const INLINE: [&str; 14] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "audio/ogg",
    "audio/mpeg",
    "audio/mp4",
    "audio/aac",
    "audio/amr",
    "audio/wav",
    "video/mp4",
    "video/3gpp",
    "video/webm",
    "video/quicktime",
];

/// The sandbox every such answer carries.
pub const SANDBOX: &str = "sandbox; default-src 'none'";

/// How the bytes are served: their type and whether they may show inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub content_type: String,
    pub inline: bool,
}

/// The declared type (as Meta or the uploader gave it), judged: an allowlisted type keeps its
/// name (parameters dropped) and may show inline unless `download` asks otherwise.
pub fn judge(declared: &str, download: bool) -> Served {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if INLINE.contains(&essence.as_str()) {
        Served {
            content_type: essence,
            inline: !download,
        }
    } else {
        Served {
            content_type: "application/octet-stream".to_owned(),
            inline: false,
        }
    }
}

/// The headers for bytes of the declared type, with the file's name when known.
pub fn headers(
    declared: &str,
    filename: Option<&str>,
    download: bool,
) -> [(HeaderName, String); 5] {
    with_served(judge(declared, download), filename)
}

/// The headers for an agent's upload, whose type was checked against the channel's list when
/// it was stored: the type is kept (Meta, fetching the link to deliver it, reads it), but
/// anything not allowlisted for inline display still downloads, sandboxed.
pub fn upload_headers(
    stored_type: &str,
    filename: &str,
    download: bool,
) -> [(HeaderName, String); 5] {
    let inline = judge(stored_type, download).inline;
    let served = Served {
        content_type: stored_type.to_owned(),
        inline,
    };
    with_served(served, Some(filename))
}

fn with_served(served: Served, filename: Option<&str>) -> [(HeaderName, String); 5] {
    let disposition = match (served.inline, filename) {
        (true, None) => "inline".to_owned(),
        (true, Some(name)) => format!("inline; filename*=UTF-8''{}", rfc5987(name)),
        (false, None) => "attachment".to_owned(),
        (false, Some(name)) => format!("attachment; filename*=UTF-8''{}", rfc5987(name)),
    };
    [
        (header::CONTENT_TYPE, served.content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CONTENT_SECURITY_POLICY, SANDBOX.to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
    ]
}

/// A filename for `filename*=UTF-8''…`: every byte but the unreserved ones percent-encoded.
fn rfc5987(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_media_shows_inline() {
        assert_eq!(
            judge("image/JPEG; charset=binary", false),
            Served {
                content_type: "image/jpeg".into(),
                inline: true
            }
        );
        assert!(judge("audio/ogg; codecs=opus", false).inline);
        for risky in [
            "text/html",
            "image/svg+xml",
            "application/pdf",
            "application/xhtml+xml",
            "text/javascript",
            "application/octet-stream",
            "",
        ] {
            assert_eq!(
                judge(risky, false),
                Served {
                    content_type: "application/octet-stream".into(),
                    inline: false
                },
                "{risky}"
            );
        }
        assert!(!judge("image/png", true).inline, "a download stays one");
    }

    #[test]
    fn every_answer_is_sandboxed_and_not_sniffed() {
        let h = headers("text/html", Some("fatura março.html"), false);
        assert_eq!(h[0].1, "application/octet-stream");
        assert_eq!(
            h[1].1,
            "attachment; filename*=UTF-8''fatura%20mar%C3%A7o.html"
        );
        assert_eq!(h[2].1, "sandbox; default-src 'none'");
        assert_eq!(h[3].1, "nosniff");
        let u = upload_headers("application/pdf", "a.pdf", true);
        assert_eq!(u[0].1, "application/pdf");
        assert_eq!(u[1].1, "attachment; filename*=UTF-8''a.pdf");
        assert_eq!(u[2].1, SANDBOX);
        let photo = upload_headers("image/png", "a.png", false);
        assert_eq!(photo[1].1, "inline; filename*=UTF-8''a.png");
    }
}
