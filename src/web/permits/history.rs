//! The permit's history in the customer's words: each recorded event as a sentence ("Betalning
//! mottagen, 350 kr, Swish", "Registreringsnumret ändrat till XYZ98A"), never the internal
//! codes or provider ids the event rows keep for the parking office.

use crate::db::permits::PermitRow;
use crate::domain::Money;
use crate::domain::permit::State;
use crate::i18n::Texts;

use crate::i18n::labels::method;

/// One event as a sentence. The detail formats are the ones `services::permits` and
/// `services::orders` write; anything else says only that the permit changed.
pub fn line(t: &Texts, p: &PermitRow, kind: &str, detail: &str) -> String {
    let after = |sep: &str| detail.split_once(sep).map(|(_, rest)| rest.trim());
    match kind {
        "created" => t.ev_created.to_string(),
        "regnr" => match after("→") {
            Some(to) => format!("{} {to}", t.ev_regnr),
            None => t.ev_other.to_string(),
        },
        "temporary" => format!("{} {detail}", t.ev_temporary),
        "temporary_ended" => t.ev_temporary_ended.to_string(),
        "session" => format!("{} {detail}", t.ev_session),
        "session_cancelled" => format!("{}: {detail}", t.ev_session_cancelled),
        "dates" => match after("→") {
            Some(to) => format!("{} {to}", t.ev_dates),
            None => t.ev_other.to_string(),
        },
        "attachment" => format!("{}: {detail}", t.ev_attachment),
        "state" => {
            // "from → to[: reason][, refund N kr]"
            let to = after("→").unwrap_or_default();
            let (to_code, rest) = to.split_once([':', ',']).unwrap_or((to, ""));
            match State::parse(to_code.trim()) {
                Some(State::AwaitingPayment) => t.ev_approved.to_string(),
                Some(State::Rejected) if !rest.trim().is_empty() => {
                    format!("{}: {}", t.ev_rejected, rest.trim())
                }
                Some(State::Rejected) => t.ev_rejected.to_string(),
                Some(State::Cancelled) => t.ev_cancelled.to_string(),
                _ => t.ev_other.to_string(),
            }
        }
        "payment" if detail.starts_with("started ") => {
            format!("{} ({})", t.ev_pay_started, method(t, detail))
        }
        "payment" if detail.starts_with("paid ") => format!(
            "{}, {}, {}",
            t.ev_paid,
            Money::from_ore(p.price_ore).sek(),
            method(t, detail)
        ),
        "payment" if detail.starts_with("charged ") => t.ev_late_charge.to_string(),
        "payment"
            if detail.starts_with("cancelled ")
                && detail.ends_with(crate::services::permits::BUYER_CANCELLED) =>
        {
            t.ev_pay_cancelled.to_string()
        }
        "payment" => t.ev_pay_failed.to_string(),
        _ => t.ev_other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::line;
    use crate::i18n::Lang;

    fn permit() -> crate::db::permits::PermitRow {
        crate::db::permits::PermitRow::example(35_000)
    }

    #[test]
    fn events_read_as_sentences_without_codes_or_ids() {
        let t = Lang::Sv.texts();
        let p = permit();
        let id = "0B33B84ED74B48A794809B8EC1234567";
        assert_eq!(
            line(t, &p, "payment", &format!("paid {id} (swish), receipt 1")),
            "Betalning mottagen, 350\u{a0}kr, Swish"
        );
        assert_eq!(
            line(t, &p, "payment", &format!("started {id} card")),
            "Betalning påbörjad (Kort)"
        );
        assert_eq!(
            line(t, &p, "payment", &format!("cancelled {id} BUYER_CANCELLED")),
            "Betalningen avbröts"
        );
        assert_eq!(
            line(t, &p, "payment", &format!("cancelled {id} ")),
            "Betalningen gick inte igenom"
        );
        assert_eq!(
            line(t, &p, "regnr", "ABC123 → XYZ98A"),
            "Registreringsnumret ändrat till XYZ98A"
        );
        assert_eq!(
            line(t, &p, "state", "awaiting_approval → rejected: Intyg saknas"),
            "Ansökan avslagen: Intyg saknas"
        );
        assert_eq!(
            line(t, &p, "state", "paid → cancelled, refund 350 kr"),
            "Tillståndet makulerat"
        );
        assert_eq!(
            line(t, &p, "created", "awaiting_payment"),
            "Tillståndet skapades"
        );
        for (kind, detail) in [
            ("payment", format!("declined {id} RF07")),
            ("state", "x → y".to_string()),
            ("something_new", "internal".to_string()),
        ] {
            let said = line(t, &p, kind, &detail);
            assert!(
                !said.contains(id) && !said.contains('_') && !said.contains("→"),
                "{said}"
            );
        }
    }
}
