//! The notifications about permits, payments, cases and the operator portal.

use super::{Message, compose};
use crate::i18n::Lang;

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

/// What a receipt is for: the permit, its period and its car park (issue #35, 7).
pub struct Paid<'a> {
    pub regnr: &'a str,
    pub type_name: &'a str,
    pub car_park: &'a str,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    pub total: crate::domain::Money,
    pub receipt_no: i64,
}

/// The SMS stays short (one part): the number, the sum and the receipt's link.
pub fn payment_received(lang: Lang, name: &str, paid: &Paid, link: &str) -> Message {
    let Paid {
        regnr,
        type_name,
        car_park,
        start,
        end,
        total,
        receipt_no,
    } = paid;
    match lang {
        Lang::Sv => compose(
            lang,
            format!("Betalning mottagen – kvitto nr {receipt_no}"),
            &[
                format!("Hej {name}!"),
                format!(
                    "Vi har tagit emot din betalning på {total} för {type_name} för {regnr} i {car_park}, {start} – {end}. Kvittot finns under tillståndet."
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
                    "We have received your payment of {total} for {type_name} for {regnr} in {car_park}, {start} – {end}. The receipt is on the permit."
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
/// To the parking office's staff: a customer wrote in a case (a new one or a reply).
pub fn case_from_customer(lang: Lang, customer: &str, subject: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            format!("Nytt meddelande i ärendet: {subject}"),
            &[format!(
                "{customer} har skrivit i ärendet. Logga in i operatörsportalen för att läsa och svara."
            )],
            Some(("Läs ärendet", link)),
        )
        .sms(
            "Parkportal: Nytt meddelande från en kund i ett ärende:".into(),
            link,
        ),
        Lang::En => compose(
            lang,
            format!("New message in the case: {subject}"),
            &[format!(
                "{customer} has written in the case. Log in to the operator portal to read and answer."
            )],
            Some(("Read the case", link)),
        )
        .sms(
            "Parkportal: A customer wrote in a case:".into(),
            link,
        ),
    }
}

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

/// What the parking office (or a payment) changed on a permit, for [`permit_change`].
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    Regnr(&'a str),
    Period(chrono::NaiveDate, chrono::NaiveDate),
    /// Cancelled, refunding this much (if anything).
    Cancelled(Option<crate::domain::Money>),
    /// A payment came in after the permit stopped waiting for payment; it is refunded.
    LateCharge(crate::domain::Money),
    /// Paused from, to; the permit's new last day (issue #39).
    Paused(chrono::NaiveDate, chrono::NaiveDate, chrono::NaiveDate),
    /// The pause ended; the permit's new last day.
    PauseEnded(chrono::NaiveDate),
    /// The reminder the day before a pause ends: its last day; valid again the day after.
    PauseEndsTomorrow(chrono::NaiveDate),
}

fn change_text(lang: Lang, change: Change) -> String {
    match (lang, change) {
        (Lang::Sv, Change::Paused(f, t, e)) => {
            format!(
                "tillståndet är pausat {f} – {t} och gäller nu till {e}; det gäller inte under pausen"
            )
        }
        (Lang::En, Change::Paused(f, t, e)) => {
            format!(
                "the permit is paused {f} – {t} and now runs until {e}; it is not valid during the pause"
            )
        }
        (Lang::Sv, Change::PauseEnded(e)) => {
            format!("pausen är avslutad och tillståndet gäller igen, till {e}")
        }
        (Lang::En, Change::PauseEnded(e)) => {
            format!("the pause has ended and the permit is valid again, until {e}")
        }
        (Lang::Sv, Change::PauseEndsTomorrow(t)) => format!(
            "pausen slutar {t}, och tillståndet gäller igen från {}",
            t.succ_opt().unwrap_or(t)
        ),
        (Lang::En, Change::PauseEndsTomorrow(t)) => format!(
            "the pause ends on {t}, and the permit is valid again from {}",
            t.succ_opt().unwrap_or(t)
        ),
        (Lang::Sv, Change::Regnr(r)) => format!("nytt registreringsnummer {r}"),
        (Lang::En, Change::Regnr(r)) => format!("new registration number {r}"),
        (Lang::Sv, Change::Period(s, e)) => format!("perioden är nu {s} – {e}"),
        (Lang::En, Change::Period(s, e)) => format!("the period is now {s} – {e}"),
        (Lang::Sv, Change::Cancelled(None)) => "tillståndet är makulerat".to_string(),
        (Lang::Sv, Change::Cancelled(Some(m))) => {
            format!("tillståndet är makulerat och {m} betalas tillbaka")
        }
        (Lang::En, Change::Cancelled(None)) => "the permit has been cancelled".to_string(),
        (Lang::En, Change::Cancelled(Some(m))) => {
            format!("the permit has been cancelled and {m} will be refunded")
        }
        (Lang::Sv, Change::LateCharge(m)) => format!(
            "en betalning på {m} kom in när tillståndet inte längre väntade på betalning, \
             och betalas tillbaka"
        ),
        (Lang::En, Change::LateCharge(m)) => format!(
            "a payment of {m} came in after the permit stopped waiting for payment, and \
             will be refunded"
        ),
    }
}

/// [`permit_changed`] saying what changed.
pub fn permit_change(lang: Lang, name: &str, regnr: &str, change: Change, link: &str) -> Message {
    permit_changed(lang, name, regnr, &change_text(lang, change), link)
}
