//! The texts of the notifications, in Swedish and English: each has a subject, a plain-text
//! and an HTML part for e-mail, and a short SMS text that ends with the message's link.
//! Split by area: [`account`] (registration, links, e-mail and password) and [`permits`]
//! (permits, payments, cases, the operator portal).

use maud::{DOCTYPE, Markup, html};

use super::Lang;

mod account;
mod permits;
mod queue;

pub use account::*;
pub use permits::*;
pub use queue::*;

#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The SMS form: one or two sentences and the link.
    pub sms: String,
}

impl Message {
    /// Replaces the SMS text (by default the subject and the link) with a short text of its own.
    fn sms(mut self, short: String, link: &str) -> Message {
        self.sms = sms_text(&short, Some(link));
        self
    }
}

fn sms_text(short: &str, link: Option<&str>) -> String {
    match link {
        Some(url) => format!("{short}\n{url}"),
        None => short.to_string(),
    }
}

/// A message of paragraphs and at most one link (the action), rendered as text and HTML.
/// Breaks what a mail client would make a link of ("://", "www.") in a text of ours that
/// holds what someone typed.
fn defang(text: &str) -> String {
    let text = text.replace("://", ": //");
    // "www." in any case: a space after "www".
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len() + 4);
    let mut last = 0;
    for (i, _) in lower.match_indices("www.") {
        out.push_str(&text[last..i + 3]);
        out.push(' ');
        last = i + 3;
    }
    out.push_str(&text[last..]);
    out
}

fn compose(
    lang: Lang,
    subject: String,
    paragraphs: &[String],
    link: Option<(&str, &str)>,
) -> Message {
    let signature = match lang {
        Lang::Sv => "Hälsningar\nParkeringsservice, Region Västmanland",
        Lang::En => "Regards\nParking office, Region Västmanland",
    };
    // What a user typed (a name, a subject) never becomes a link in a mail client: the only
    // address in a message is the portal's own `link` (issue #34, 13).
    let paragraphs: Vec<String> = paragraphs.iter().map(|p| defang(p)).collect();
    let subject = defang(&subject);
    let paragraphs = paragraphs.as_slice();
    let mut text = String::new();
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = link {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str(signature);
    text.push('\n');
    let html: Markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head { meta charset="utf-8"; title { (subject) } }
            body {
                @for p in paragraphs { p { (p) } }
                @if let Some((label, url)) = link {
                    p { a href=(url) { (label) } }
                    p { (url) }
                }
                p { @for (i, line) in signature.lines().enumerate() { @if i > 0 { br; } (line) } }
            }
        }
    };
    Message {
        sms: sms_text(&format!("Parkportal: {subject}"), link.map(|(_, url)| url)),
        subject,
        text,
        html: html.into_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_link_and_html_is_escaped() {
        let m = confirm_account(Lang::Sv, "<b>Eva</b>", "http://x/confirm?token=abc");
        assert!(m.text.contains("http://x/confirm?token=abc"));
        assert!(m.html.contains(r#"href="http://x/confirm?token=abc""#));
        assert!(m.html.contains("&lt;b&gt;Eva"));
        assert!(m.subject.contains("Bekräfta"));
        let en = confirm_account(Lang::En, "Eva", "http://x");
        assert!(en.subject.contains("Confirm"));
    }

    #[test]
    fn a_typed_address_never_becomes_a_link_but_ours_does() {
        let m = confirm_account(
            Lang::Sv,
            "Vinn https://evil.example wWw.evil.example",
            "http://x/confirm?token=abc",
        );
        for part in [&m.text, &m.html] {
            assert!(!part.contains("https://evil"), "{part}");
            assert!(!part.to_lowercase().contains("www.evil"), "{part}");
            assert!(part.contains("http://x/confirm?token=abc"), "{part}");
        }
    }

    #[test]
    fn the_sms_form_is_short_and_ends_with_the_link() {
        let link = "https://parkering.example.se/permits/12/receipt";
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let paid = Paid {
            regnr: "ABC123",
            type_name: "Månadskort",
            car_park: "Västmanlands sjukhus Västerås",
            start: day(1),
            end: day(31),
            total: crate::domain::Money::from_ore(120_000),
            receipt_no: 7,
        };
        let m = payment_received(Lang::Sv, "Eva", &paid, link);
        // The e-mail says what was paid for: the permit, its period and its car park.
        assert!(
            m.text.contains(
                "Månadskort för ABC123 i Västmanlands sjukhus Västerås, 2026-12-01 – 2026-12-31"
            ),
            "{}",
            m.text
        );
        assert!(m.sms.starts_with("Parkportal: Betalning"), "{}", m.sms);
        assert!(m.sms.contains("ABC123") && m.sms.contains("nr 7"));
        assert!(m.sms.ends_with(link));
        assert!(m.sms.chars().count() <= 160, "{}", m.sms);
        let f = payment_failed(Lang::En, "Eva", "ABC123", "http://x/permits/1");
        assert!(f.sms.contains("ABC123") && f.sms.ends_with("http://x/permits/1"));
        let d = password_changed(Lang::Sv, "Eva");
        assert_eq!(d.sms, "Parkportal: Ditt lösenord har ändrats");
    }
}
