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
    let mut out = b"%PDF-1.4\n".to_vec();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
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
