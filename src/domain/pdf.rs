//! Whether uploaded bytes are a PDF by its structure, not just its first bytes: the `%PDF-1.x`
//! header, a `startxref` with the offset of a cross-reference (`xref` table or stream), an
//! `%%EOF` trailer near the end, and no HTML or script markup anywhere (a PDF/HTML polyglot
//! is refused). A few string searches, no PDF library: the portal only stores and hands the
//! file to the parking office, it never renders it.

/// How near the end `%%EOF` must be (the spec allows some trailing bytes).
const TRAILER_WINDOW: usize = 1024;

/// Markup a browser would take as HTML or script if it ever sniffed the file.
const MARKUP: [&[u8]; 8] = [
    b"<html",
    b"<script",
    b"<!doctype",
    b"<body",
    b"<iframe",
    b"<svg",
    b"<meta",
    b"<object",
];

pub fn is_pdf(data: &[u8]) -> bool {
    let Some(rest) = data.strip_prefix(b"%PDF-") else {
        return false;
    };
    // A version: 1.0–2.0 ("1.7", "2.0").
    if !matches!(rest, [b'1' | b'2', b'.', b'0'..=b'9', ..]) {
        return false;
    }
    let tail = &data[data.len().saturating_sub(TRAILER_WINDOW)..];
    let Some(eof) = rfind(tail, b"%%EOF") else {
        return false;
    };
    // `startxref`, then the byte offset of the cross-reference, before the last `%%EOF`.
    let before_eof = &tail[..eof];
    let Some(sx) = rfind(before_eof, b"startxref") else {
        return false;
    };
    let digits: String = before_eof[sx + b"startxref".len()..]
        .iter()
        .map(|&b| b as char)
        .skip_while(|c| c.is_ascii_whitespace())
        .take_while(char::is_ascii_digit)
        .collect();
    let Ok(offset) = digits.parse::<usize>() else {
        return false;
    };
    let Some(at) = data.get(offset..) else {
        return false;
    };
    // A classic `xref` table or a cross-reference stream object ("12 0 obj").
    let xref_ok = at.starts_with(b"xref")
        || at
            .iter()
            .take(32)
            .position(|&b| b == b'o')
            .is_some_and(|i| at[i..].starts_with(b"obj"));
    if !xref_ok {
        return false;
    }
    !contains_markup(data)
}

/// PDF names that make a reader run something or carry other files (issue #34, 17): script,
/// an action on opening, launching a program, embedded files, and the ways to hide them
/// (additional actions, rich media, XFA forms).
const ACTIVE: [&[u8]; 9] = [
    b"JavaScript",
    b"JS",
    b"OpenAction",
    b"AA",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
    b"XFA",
];

/// Whether a PDF names active content: any name of [`ACTIVE`], matched as a whole PDF name
/// (`/JS` but not `/JSON`), also when written with `#xx` escapes (`/J#61vaScript`). Names
/// inside compressed object streams are not seen; the portal never opens the file itself and
/// serves it only as a download to the office.
pub fn has_active_content(data: &[u8]) -> bool {
    let delimiter = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    let mut i = 0;
    while i < data.len() {
        if data[i] != b'/' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < data.len() && !delimiter(data[end]) {
            end += 1;
        }
        let name = decode_name(&data[start..end]);
        if ACTIVE.contains(&name.as_slice()) {
            return true;
        }
        i = end.max(i + 1);
    }
    false
}

/// A PDF name with its `#xx` escapes decoded.
fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#'
            && let Some(hex) = raw.get(i + 1..i + 3)
            && let Ok(s) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(s, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

fn contains_markup(data: &[u8]) -> bool {
    MARKUP
        .iter()
        .any(|m| data.windows(m.len()).any(|w| w.eq_ignore_ascii_case(m)))
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// A smallest well-formed one-page PDF (for tests and examples).
pub fn minimal() -> Vec<u8> {
    minimal_with("")
}

/// [`minimal`] with more entries in its catalog (e.g. `/OpenAction …`, for tests).
pub fn minimal_with(catalog: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let catalog = format!("<< /Type /Catalog /Pages 2 0 R {catalog}>>");
    let objects = [
        catalog.as_str(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_pdf_passes() {
        assert!(is_pdf(&minimal()));
        assert!(!has_active_content(&minimal()));
    }

    #[test]
    fn active_content_is_found_also_when_escaped() {
        for extra in [
            "/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
            "/Names << /JavaScript 5 0 R >>",
            "/OpenAction 3 0 R",
            "/AA << /O 6 0 R >>",
            "/A << /S /Launch /F (calc.exe) >>",
            "/Names << /EmbeddedFiles 7 0 R >>",
            "/O#70enAction 3 0 R",
            "/J#53 (x)",
        ] {
            let pdf = minimal_with(extra);
            assert!(is_pdf(&pdf), "{extra}: still a PDF by structure");
            assert!(has_active_content(&pdf), "{extra}");
        }
        // Names that only begin like one are not.
        for harmless in ["/JSON (x)", "/Author (JavaScript for kids)", "/AAA 1"] {
            assert!(!has_active_content(&minimal_with(harmless)), "{harmless}");
        }
    }

    #[test]
    fn the_header_alone_is_not_a_pdf() {
        assert!(!is_pdf(b"%PDF-1.4\n%%EOF"));
        assert!(!is_pdf(b"%PDF-"));
        assert!(!is_pdf(b""));
        let mut no_eof = minimal();
        no_eof.truncate(no_eof.len() - 7);
        assert!(!is_pdf(&no_eof));
    }

    #[test]
    fn a_pdf_html_polyglot_is_refused() {
        for markup in [
            "<html><script>alert(1)</script>",
            "<SCRIPT>x",
            "<!DOCTYPE html>",
        ] {
            let mut v = minimal();
            let at = v.iter().position(|&b| b == b'\n').unwrap() + 1;
            v.splice(at..at, markup.bytes());
            // Keep the offset right so only the markup is wrong.
            let text = String::from_utf8(v).unwrap();
            let fixed = text.replace(
                &format!(
                    "startxref\n{}",
                    text.find("xref\n0").unwrap() - markup.len()
                ),
                &format!("startxref\n{}", text.find("xref\n0").unwrap()),
            );
            assert!(!is_pdf(fixed.as_bytes()), "{markup}");
        }
        let mut tail = minimal();
        tail.extend_from_slice(b"<html");
        assert!(!is_pdf(&tail));
    }

    #[test]
    fn a_wrong_xref_offset_is_refused() {
        let text = String::from_utf8(minimal()).unwrap();
        let bad = text.replace("startxref\n", "startxref\n9");
        assert!(!is_pdf(bad.as_bytes()));
    }
}
