//! The queue's notifications: an offer of a place, its reminder, a change the parking office
//! made to someone's place in line, and an unpaid permit's hold that lapsed.

use super::{Message, compose};
use crate::i18n::Lang;

/// What a place is: the permit type and the car park, e.g. "Anställda månads/årskort,
/// Lasarettet i Köping".
pub struct Place<'a> {
    pub type_name: &'a str,
    pub car_park: &'a str,
}

pub fn offer_made(lang: Lang, name: &str, p: &Place, until: &str, link: &str) -> Message {
    let Place {
        type_name,
        car_park,
    } = p;
    match lang {
        Lang::Sv => compose(
            lang,
            format!("En plats är ledig för dig: {car_park}"),
            &[
                format!("Hej {name}!"),
                format!("Du står först i kön till {type_name}, {car_park}, och en plats har blivit ledig."),
                format!("Platsen hålls åt dig till {until}. Svara med \"Tacka ja\" eller \"Tacka nej\"; svarar du inte går platsen till nästa i kön."),
            ],
            Some(("Svara på erbjudandet", link)),
        )
        .sms(
            format!("Parkportal: En plats i {car_park} är ledig för dig. Svara senast {until}:"),
            link,
        ),
        Lang::En => compose(
            lang,
            format!("A place is free for you: {car_park}"),
            &[
                format!("Hello {name}!"),
                format!("You are first in the queue for {type_name}, {car_park}, and a place has become free."),
                format!("The place is held for you until {until}. Answer \"Accept\" or \"Decline\"; if you do not answer, the place goes to the next in the queue."),
            ],
            Some(("Answer the offer", link)),
        )
        .sms(
            format!("Parkportal: A place in {car_park} is free for you. Answer by {until}:"),
            link,
        ),
    }
}

pub fn offer_reminder(lang: Lang, name: &str, p: &Place, until: &str, link: &str) -> Message {
    let car_park = p.car_park;
    match lang {
        Lang::Sv => compose(
            lang,
            format!("Påminnelse: platsen i {car_park} hålls till {until}"),
            &[
                format!("Hej {name}!"),
                format!("Erbjudandet om en plats i {car_park} går ut {until}. Därefter går platsen till nästa i kön."),
            ],
            Some(("Svara på erbjudandet", link)),
        )
        .sms(
            format!("Parkportal: Erbjudandet om plats i {car_park} går ut {until}:"),
            link,
        ),
        Lang::En => compose(
            lang,
            format!("Reminder: the place in {car_park} is held until {until}"),
            &[
                format!("Hello {name}!"),
                format!("The offer of a place in {car_park} lapses {until}. After that the place goes to the next in the queue."),
            ],
            Some(("Answer the offer", link)),
        )
        .sms(
            format!("Parkportal: The offer of a place in {car_park} lapses {until}:"),
            link,
        ),
    }
}

/// The parking office removed someone from a queue (`place`: `None`) or moved them to a place.
pub fn queue_changed(
    lang: Lang,
    name: &str,
    p: &Place,
    place: Option<i64>,
    reason: &str,
    link: &str,
) -> Message {
    let car_park = p.car_park;
    let (subject, what) = match (lang, place) {
        (Lang::Sv, None) => (
            format!("Du har tagits bort ur kön till {car_park}"),
            "Parkeringsservice har tagit bort dig ur kön.".to_string(),
        ),
        (Lang::Sv, Some(n)) => (
            format!("Din plats i kön till {car_park} har ändrats"),
            format!("Parkeringsservice har flyttat dig till plats {n} i kön."),
        ),
        (Lang::En, None) => (
            format!("You have been removed from the queue for {car_park}"),
            "The parking office has removed you from the queue.".to_string(),
        ),
        (Lang::En, Some(n)) => (
            format!("Your place in the queue for {car_park} has changed"),
            format!("The parking office has moved you to place {n} in the queue."),
        ),
    };
    let (hello, why, see) = match lang {
        Lang::Sv => ("Hej", "Orsak", "Dina köer"),
        Lang::En => ("Hello", "Reason", "Your queues"),
    };
    compose(
        lang,
        subject,
        &[format!("{hello} {name}!"), what, format!("{why}: {reason}")],
        Some((see, link)),
    )
}

pub fn hold_lapsed(lang: Lang, name: &str, regnr: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            format!("Tillståndet för {regnr} betalades inte i tid"),
            &[
                format!("Hej {name}!"),
                format!(
                    "Tillståndet för {regnr} betalades inte inom betalningstiden, så platsen har gått vidare till nästa i kön. Tillståndet är makulerat och inget har dragits."
                ),
            ],
            Some(("Visa tillståndet", link)),
        ),
        Lang::En => compose(
            lang,
            format!("The permit for {regnr} was not paid in time"),
            &[
                format!("Hello {name}!"),
                format!(
                    "The permit for {regnr} was not paid within the payment window, so the place has gone to the next in the queue. The permit is cancelled and nothing has been charged."
                ),
            ],
            Some(("See the permit", link)),
        ),
    }
}
