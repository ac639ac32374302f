//! The texts of the notifications, in Swedish and English: each has a subject, a plain-text
//! and an HTML part for e-mail, and a short SMS text that ends with the message's link.

use maud::{DOCTYPE, Markup, html};

use crate::web::i18n::Lang;

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

pub fn confirm_account(lang: Lang, name: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Bekräfta ditt konto i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                "Du har registrerat ett konto för parkeringstillstånd. Klicka på länken för att \
                 bekräfta registreringen, därefter kan du logga in. Länken gäller i 24 timmar."
                    .into(),
            ],
            Some(("Bekräfta kontot", link)),
        ),
        Lang::En => compose(
            lang,
            "Confirm your Parkportal account".into(),
            &[
                format!("Hello {name}!"),
                "You registered an account for parking permits. Follow the link to confirm it, \
                 then you can log in. The link is valid for 24 hours."
                    .into(),
            ],
            Some(("Confirm the account", link)),
        ),
    }
}

/// Sent to the owner when someone registers with an address that already has an account,
/// so the registration page itself reveals nothing.
pub fn already_registered(lang: Lang, name: &str, login_link: &str, reset_link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Du har redan ett konto i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                "Någon försökte registrera ett nytt konto med din e-postadress. Du har redan ett \
                 konto och kan logga in som vanligt. Har du glömt lösenordet kan du återställa det:"
                    .into(),
                reset_link.to_string(),
                "Var det inte du kan du bortse från det här meddelandet.".into(),
            ],
            Some(("Logga in", login_link)),
        ),
        Lang::En => compose(
            lang,
            "You already have a Parkportal account".into(),
            &[
                format!("Hello {name}!"),
                "Someone tried to register a new account with your e-mail address. You already \
                 have an account and can log in as usual. If you forgot your password, reset it:"
                    .into(),
                reset_link.to_string(),
                "If this was not you, you can ignore this message.".into(),
            ],
            Some(("Log in", login_link)),
        ),
    }
}

pub fn password_reset(lang: Lang, name: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Återställ ditt lösenord i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                "Klicka på länken för att välja ett nytt lösenord. Länken gäller i en timme och \
                 kan användas en gång. Har du inte bett om detta kan du bortse från meddelandet."
                    .into(),
            ],
            Some(("Välj nytt lösenord", link)),
        ),
        Lang::En => compose(
            lang,
            "Reset your Parkportal password".into(),
            &[
                format!("Hello {name}!"),
                "Follow the link to choose a new password. It is valid for one hour and works \
                 once. If you did not ask for this, you can ignore this message."
                    .into(),
            ],
            Some(("Choose a new password", link)),
        ),
    }
}

/// The subject of both messages to a new address (the confirmation link, or the note that it
/// is taken): the requester's "Notifikationer" shows the same row either way.
const NEW_EMAIL_SUBJECT_SV: &str = "Ny e-postadress i Parkportal";
const NEW_EMAIL_SUBJECT_EN: &str = "New e-mail address in Parkportal";

pub fn confirm_new_email(lang: Lang, name: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            NEW_EMAIL_SUBJECT_SV.into(),
            &[
                format!("Hej {name}!"),
                "Klicka på länken för att börja använda den här adressen i Parkportal. Länken \
                 gäller i 24 timmar."
                    .into(),
            ],
            Some(("Bekräfta e-postadressen", link)),
        ),
        Lang::En => compose(
            lang,
            NEW_EMAIL_SUBJECT_EN.into(),
            &[
                format!("Hello {name}!"),
                "Follow the link to start using this address in Parkportal. The link is valid \
                 for 24 hours."
                    .into(),
            ],
            Some(("Confirm the e-mail address", link)),
        ),
    }
}

/// To the OLD address when a change is asked for, with the link that stops or undoes it.
pub fn email_change_requested(lang: Lang, name: &str, new_email: &str, undo_link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Ändring av e-postadress i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                format!(
                    "Någon har bett om att byta e-postadressen för ditt konto till {new_email}. \
                     Bytet görs först när länken till den nya adressen har klickats."
                ),
                "Var det inte du? Använd länken nedan: bytet stoppas eller ångras, kontot får \
                 tillbaka den här adressen och alla inloggningar avslutas. Välj sedan ett nytt \
                 lösenord med \"Glömt lösenord\". Länken gäller i 7 dagar."
                    .into(),
            ],
            Some(("Ångra bytet av e-postadress", undo_link)),
        ),
        Lang::En => compose(
            lang,
            "E-mail address change in Parkportal".into(),
            &[
                format!("Hello {name}!"),
                format!(
                    "Someone asked to change your account's e-mail address to {new_email}. The \
                     change happens only when the link sent to the new address is followed."
                ),
                "Was it not you? Use the link below: the change is stopped or undone, the \
                 account gets this address back and every session is ended. Then choose a new \
                 password with \"Forgot password\". The link is valid for 7 days."
                    .into(),
            ],
            Some(("Undo the e-mail address change", undo_link)),
        ),
    }
}

/// To an address that already has an account (or is a deleted account's placeholder) when
/// someone asks to move another account to it: says nothing about that other account, and
/// asks for nothing. Same subject as the confirmation, and kept with the requester's
/// notifications like it, so nothing the requester sees tells the two apart.
pub fn email_change_taken(lang: Lang) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            NEW_EMAIL_SUBJECT_SV.into(),
            &[
                "Hej!".into(),
                "Någon har bett om att få använda den här e-postadressen för ett konto i \
                 Parkportal, men adressen hör redan till ett konto. Inget har ändrats. Var det du \
                 kan du logga in med den här adressen; annars behöver du inte göra något."
                    .into(),
            ],
            None,
        ),
        Lang::En => compose(
            lang,
            NEW_EMAIL_SUBJECT_EN.into(),
            &[
                "Hello!".into(),
                "Someone asked to use this e-mail address for an account in Parkportal, but the \
                 address already belongs to an account. Nothing has changed. If it was you, you \
                 can log in with this address; otherwise there is nothing to do."
                    .into(),
            ],
            None,
        ),
    }
}

pub fn password_changed(lang: Lang, name: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Ditt lösenord har ändrats".into(),
            &[
                format!("Hej {name}!"),
                "Lösenordet för ditt konto i Parkportal har ändrats. Var det inte du, använd \
                 Glömt lösenord på inloggningssidan och kontakta Parkeringsservice."
                    .into(),
            ],
            None,
        ),
        Lang::En => compose(
            lang,
            "Your password was changed".into(),
            &[
                format!("Hello {name}!"),
                "The password of your Parkportal account was changed. If this was not you, use \
                 Forgot password on the login page and contact the parking office."
                    .into(),
            ],
            None,
        ),
    }
}

pub fn permit_expiring(
    lang: Lang,
    name: &str,
    type_name: &str,
    regnr: &str,
    end: chrono::NaiveDate,
    link: &str,
) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            format!("Ditt parkeringstillstånd går ut {end}"),
            &[
                format!("Hej {name}!"),
                format!(
                    "Ditt tillstånd {type_name} för {regnr} gäller till och med {end}. Förnya det i tid så att du kan fortsätta parkera."
                ),
            ],
            Some(("Förnya", link)),
        )
        .sms(
            format!("Parkportal: Ditt parkeringstillstånd för {regnr} går ut {end}. Förnya:"),
            link,
        ),
        Lang::En => compose(
            lang,
            format!("Your parking permit expires {end}"),
            &[
                format!("Hello {name}!"),
                format!(
                    "Your permit {type_name} for {regnr} is valid until {end}. Renew it in time to keep parking."
                ),
            ],
            Some(("Renew", link)),
        )
        .sms(
            format!("Parkportal: Your parking permit for {regnr} expires {end}. Renew:"),
            link,
        ),
    }
}

pub fn payment_received(
    lang: Lang,
    name: &str,
    regnr: &str,
    total: crate::domain::Money,
    receipt_no: i64,
    link: &str,
) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            format!("Betalning mottagen – kvitto nr {receipt_no}"),
            &[
                format!("Hej {name}!"),
                format!(
                    "Vi har tagit emot din betalning på {total} för parkeringstillståndet för {regnr}. Kvittot finns under tillståndet."
                ),
            ],
            Some(("Se kvitto", link)),
        )
        .sms(
            format!(
                "Parkportal: Betalning på {total} för {regnr} mottagen, kvitto nr {receipt_no}. Se kvitto:"
            ),
            link,
        ),
        Lang::En => compose(
            lang,
            format!("Payment received – receipt no {receipt_no}"),
            &[
                format!("Hello {name}!"),
                format!(
                    "We have received your payment of {total} for the parking permit for {regnr}. The receipt is on the permit."
                ),
            ],
            Some(("See receipt", link)),
        )
        .sms(
            format!(
                "Parkportal: Payment of {total} for {regnr} received, receipt no {receipt_no}. See receipt:"
            ),
            link,
        ),
    }
}

pub fn payment_failed(lang: Lang, name: &str, regnr: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Betalningen gick inte igenom".into(),
            &[
                format!("Hej {name}!"),
                format!(
                    "Betalningen för parkeringstillståndet för {regnr} gick inte igenom. Öppna tillståndet för att se orsaken och försöka igen."
                ),
            ],
            Some(("Öppna tillståndet", link)),
        )
        .sms(
            format!("Parkportal: Betalningen för {regnr} gick inte igenom. Försök igen:"),
            link,
        ),
        Lang::En => compose(
            lang,
            "The payment did not go through".into(),
            &[
                format!("Hello {name}!"),
                format!(
                    "The payment for the parking permit for {regnr} did not go through. Open the permit to see why and try again."
                ),
            ],
            Some(("Open the permit", link)),
        )
        .sms(
            format!("Parkportal: The payment for {regnr} did not go through. Try again:"),
            link,
        ),
    }
}

/// The parking office answered in a case ("ärende").
pub fn case_reply(lang: Lang, name: &str, subject: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            format!("Svar i ärendet: {subject}"),
            &[
                format!("Hej {name}!"),
                "Parkeringsservice har svarat i ditt ärende. Logga in för att läsa svaret.".into(),
            ],
            Some(("Läs svaret", link)),
        )
        .sms(
            "Parkportal: Parkeringsservice har svarat i ditt ärende:".into(),
            link,
        ),
        Lang::En => compose(
            lang,
            format!("Reply in your case: {subject}"),
            &[
                format!("Hello {name}!"),
                "The parking office has replied in your case. Log in to read the reply.".into(),
            ],
            Some(("Read the reply", link)),
        )
        .sms(
            "Parkportal: The parking office replied in your case:".into(),
            link,
        ),
    }
}

/// The parking office approved an "Extern betalande" application: the permit can be paid.
pub fn application_approved(lang: Lang, name: &str, regnr: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Din ansökan har godkänts".into(),
            &[
                format!("Hej {name}!"),
                format!("Din ansökan om parkeringstillstånd för {regnr} har godkänts. Du kan nu betala tillståndet."),
            ],
            Some(("Betala tillståndet", link)),
        )
        .sms(format!("Parkportal: Din ansökan för {regnr} har godkänts. Betala här:"), link),
        Lang::En => compose(
            lang,
            "Your application has been approved".into(),
            &[
                format!("Hello {name}!"),
                format!("Your application for a parking permit for {regnr} has been approved. You can now pay for the permit."),
            ],
            Some(("Pay for the permit", link)),
        )
        .sms(format!("Parkportal: Your application for {regnr} was approved. Pay here:"), link),
    }
}

pub fn application_rejected(
    lang: Lang,
    name: &str,
    regnr: &str,
    reason: &str,
    link: &str,
) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Din ansökan har avslagits".into(),
            &[
                format!("Hej {name}!"),
                format!("Din ansökan om parkeringstillstånd för {regnr} har avslagits."),
                format!("Motivering: {reason}"),
            ],
            Some(("Visa ansökan", link)),
        )
        .sms(
            format!("Parkportal: Din ansökan för {regnr} har avslagits. Läs motiveringen:"),
            link,
        ),
        Lang::En => compose(
            lang,
            "Your application has been rejected".into(),
            &[
                format!("Hello {name}!"),
                format!("Your application for a parking permit for {regnr} has been rejected."),
                format!("Reason: {reason}"),
            ],
            Some(("View the application", link)),
        )
        .sms(
            format!("Parkportal: Your application for {regnr} was rejected. Read why:"),
            link,
        ),
    }
}

/// The parking office changed a permit (number, dates) or cancelled it.
pub fn permit_changed(lang: Lang, name: &str, regnr: &str, what: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Ditt parkeringstillstånd har ändrats".into(),
            &[
                format!("Hej {name}!"),
                format!(
                    "Parkeringsservice har ändrat ditt parkeringstillstånd för {regnr}: {what}"
                ),
            ],
            Some(("Visa tillståndet", link)),
        )
        .sms(
            format!("Parkportal: Ditt tillstånd för {regnr} har ändrats: {what}"),
            link,
        ),
        Lang::En => compose(
            lang,
            "Your parking permit has been changed".into(),
            &[
                format!("Hello {name}!"),
                format!("The parking office has changed your parking permit for {regnr}: {what}"),
            ],
            Some(("View the permit", link)),
        )
        .sms(
            format!("Parkportal: Your permit for {regnr} was changed: {what}"),
            link,
        ),
    }
}

/// An admin invited someone to the operator portal: the link sets their password.
pub fn operator_invite(lang: Lang, name: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Inbjudan till Parkportals operatörsportal".into(),
            &[
                format!("Hej {name}!"),
                "Du har bjudits in till operatörsportalen för Parkeringsservice. Välj ditt lösenord med länken nedan; den gäller i 7 dagar.".into(),
            ],
            Some(("Välj lösenord", link)),
        ),
        Lang::En => compose(
            lang,
            "Invitation to the Parkportal operator portal".into(),
            &[
                format!("Hello {name}!"),
                "You have been invited to the parking office's operator portal. Choose your password with the link below; it is valid for 7 days.".into(),
            ],
            Some(("Choose a password", link)),
        ),
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
    fn the_sms_form_is_short_and_ends_with_the_link() {
        let link = "https://parkering.example.se/permits/12/receipt";
        let m = payment_received(
            Lang::Sv,
            "Eva",
            "ABC123",
            crate::domain::Money::from_ore(120_000),
            7,
            link,
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
