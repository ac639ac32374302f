//! The words for the domain's states and refusals: a permit's status on screen, and why the
//! table of permit actions refused something.

use super::{Lang, Texts};
use crate::domain::order::OrderError;
use crate::domain::permit::Status;
use crate::domain::permit_actions::{Kind, PermitAction, Refusal};
use crate::domain::regnr::RegNumberError;

/// A permit's status as shown to the user (CONTRACT.md's words in Swedish).
pub fn status(lang: Lang, status: Status) -> &'static str {
    match lang {
        Lang::Sv => match status {
            Status::AwaitingPayment => "Väntar på betalning",
            Status::AwaitingApproval => "Väntar på godkännande",
            Status::Rejected => "Avslagen",
            Status::Issued => "Utfärdad",
            Status::Active => "Aktiv",
            Status::Expired => "Utgången",
            Status::Cancelled => "Makulerad",
        },
        Lang::En => match status {
            Status::AwaitingPayment => "Awaiting payment",
            Status::AwaitingApproval => "Awaiting approval",
            Status::Rejected => "Rejected",
            Status::Issued => "Issued",
            Status::Active => "Active",
            Status::Expired => "Expired",
            Status::Cancelled => "Cancelled",
        },
    }
}

/// Why an action was refused, said to the user.
pub fn refusal(lang: Lang, r: &Refusal) -> &'static str {
    use crate::domain::permit::State;
    use PermitAction::*;
    let unpaid = matches!(r.state, State::AwaitingPayment | State::AwaitingApproval);
    match lang {
        Lang::Sv => match (r.action, r.kind) {
            (ChangeRegnr | TemporaryRegnr | EndTemporary, Kind::Period) if unpaid => {
                "Registreringsnumret kan ändras när tillståndet är betalt. Stämmer numret inte kan du ta bort beställningen och göra en ny."
            }
            (TemporaryRegnr | EndTemporary, Kind::Day) => {
                "Ett dagkort kan inte ha ett tillfälligt registreringsnummer. Boka dagarna för bilen i stället."
            }
            (ChangeRegnr, Kind::Day) => {
                "Ett dagkorts registreringsnummer väljs för varje bokad dag."
            }
            (Renew, Kind::Day) => "Ett dagkort kan inte förnyas. Köp ett nytt dagkort.",
            (Pause | EndPause, Kind::Day) => {
                "Ett dagkort kan inte pausas: boka bara de dagar du behöver."
            }
            (Pause | EndPause, _) => "Bara ett betalt tillstånd kan pausas.",
            (BookDays | CancelDay, Kind::Period) => "Det här tillståndet är inget dagkort.",
            (BookDays | CancelDay, Kind::Day) => "Dagkortet är inte betalt.",
            (Pay, _) => "Tillståndet kan inte betalas.",
            (Receipt, _) => "Tillståndet har inget kvitto.",
            (Attach, _) => "Bilagor kan bara lämnas medan ansökan väntar på godkännande.",
            (Renew, _) => "Tillståndet kan inte förnyas.",
            (OfficeApprove | OfficeReject, _) => "Ansökan väntar inte på beslut.",
            _ => "Tillståndet kan inte längre ändras.",
        },
        Lang::En => match (r.action, r.kind) {
            (ChangeRegnr | TemporaryRegnr | EndTemporary, Kind::Period) if unpaid => {
                "The registration number can be changed once the permit is paid. If the number is wrong, remove the order and make a new one."
            }
            (TemporaryRegnr | EndTemporary, Kind::Day) => {
                "A day card cannot have a temporary registration number. Book the days for the car instead."
            }
            (ChangeRegnr, Kind::Day) => {
                "A day card's registration number is chosen for each booked day."
            }
            (Renew, Kind::Day) => "A day card cannot be renewed. Buy a new day card.",
            (Pause | EndPause, Kind::Day) => {
                "A day card cannot be paused: book only the days you need."
            }
            (Pause | EndPause, _) => "Only a paid permit can be paused.",
            (BookDays | CancelDay, Kind::Period) => "This permit is not a day card.",
            (BookDays | CancelDay, Kind::Day) => "The day card is not paid.",
            (Pay, _) => "The permit cannot be paid.",
            (Receipt, _) => "The permit has no receipt.",
            (Attach, _) => "Attachments can only be added while the application awaits approval.",
            (Renew, _) => "The permit cannot be renewed.",
            (OfficeApprove | OfficeReject, _) => "The application does not await a decision.",
            _ => "The permit can no longer be changed.",
        },
    }
}

/// Why a field of an order was refused (the texts are the form's, in [`Texts`]).
pub fn order_error(t: &Texts, e: OrderError) -> &'static str {
    match e {
        OrderError::TypeUnknown => t.err_type,
        OrderError::PackageUnknown => t.err_package,
        OrderError::StartInvalid => t.err_start_invalid,
        OrderError::StartPast => t.err_start_past,
        OrderError::StartTooFar => t.err_start_far,
        OrderError::RegNr { error, foreign } => regnr_error(t, error, foreign),
        OrderError::DaysOutOfRange { .. } => t.err_days,
        OrderError::CarParkUnknown => t.err_car_park,
        OrderError::TextRequired => t.err_required,
        OrderError::TextTooLong => t.err_too_long,
    }
}

/// Why a number of days was refused, with the range the type allows: "Välj ett antal
/// dagar, 1–60." (issue #35, 7).
pub fn days_error(t: &Texts, max: i32) -> String {
    format!("{} 1–{max}.", t.err_days)
}

/// Why a registration number was refused: empty, or not a plate of its kind.
pub fn regnr_error(t: &Texts, e: RegNumberError, foreign: bool) -> &'static str {
    match (e, foreign) {
        (RegNumberError::Empty, _) => t.err_regnr_empty,
        (_, true) => t.err_regnr_foreign,
        (_, false) => t.err_regnr_invalid,
    }
}

/// A day in words: "onsdag 3 december".
pub fn day_in_words(t: &Texts, d: chrono::NaiveDate) -> String {
    let weekday = t.weekdays_long[chrono::Datelike::weekday(&d).num_days_from_monday() as usize];
    let month = t.months[chrono::Datelike::month0(&d) as usize];
    format!("{weekday} {} {month}", chrono::Datelike::day(&d))
}

/// Why the check finds a number not valid today, in words.
pub fn not_valid(t: &Texts, why: &crate::domain::check::NotValid) -> String {
    use crate::domain::check::NotValid;
    match why {
        NotValid::DayNotBooked => t.nv_day_not_booked.to_string(),
        NotValid::TemporaryInstead { regnr, to } => {
            format!("{} {regnr} {} {to}", t.nv_temporary, t.nv_temporary_until)
        }
        NotValid::Paused(to) => format!("{} {to}", t.lang().flow().paused_until),
        NotValid::AwaitingPayment => t.nv_awaiting_payment.to_string(),
        NotValid::AwaitingApproval => t.nv_awaiting_approval.to_string(),
        NotValid::NotYet(d) => format!("{} {d}", t.nv_not_yet),
        NotValid::Ended(d) => format!("{} {d}", t.nv_ended),
        NotValid::Cancelled => t.nv_cancelled.to_string(),
        NotValid::Unknown => t.nv_unknown.to_string(),
    }
}

/// The codes the database keeps, in words (the operator portal shows no raw codes).
pub mod labels {
    use crate::domain::payment::{PaymentStatus, RefundStatus};
    use crate::domain::permit_actions::Kind;
    use crate::domain::role::Role;
    use crate::domain::status::NotificationStatus;
    use crate::i18n::Texts;

    pub fn role(t: &Texts, r: Role) -> &'static str {
        match r {
            Role::Customer => t.role_customer,
            Role::Operator => t.op_role_operator,
            Role::Admin => t.op_role_admin,
        }
    }

    pub fn kind(t: &Texts, k: Kind) -> &'static str {
        match k {
            Kind::Period => t.kind_period,
            Kind::Day => t.kind_day,
        }
    }

    pub fn payment(t: &Texts, s: PaymentStatus) -> &'static str {
        match s {
            PaymentStatus::Pending => t.pay_status_pending,
            PaymentStatus::Paid => t.pay_status_paid,
            PaymentStatus::Declined => t.pay_status_declined,
            PaymentStatus::Error => t.pay_status_error,
            PaymentStatus::Cancelled => t.pay_status_cancelled,
            PaymentStatus::Timeout => t.pay_status_timeout,
        }
    }

    pub fn refund(t: &Texts, s: RefundStatus) -> &'static str {
        match s {
            RefundStatus::Pending => t.refund_status_pending,
            RefundStatus::Done => t.refund_status_done,
            RefundStatus::Failed => t.refund_status_failed,
        }
    }

    pub fn notification(t: &Texts, s: NotificationStatus) -> &'static str {
        match s {
            NotificationStatus::Sent => t.notif_sent,
            NotificationStatus::Failed => t.notif_failed,
            NotificationStatus::Pending => t.notif_pending,
        }
    }

    /// A payment's method code ("swish", "card", or a provider's longer name) as the guide says it.
    pub fn method(t: &Texts, code: &str) -> &'static str {
        if code.contains("card") {
            t.method_card
        } else {
            t.method_swish
        }
    }

    /// A notification's channel code.
    pub fn channel(t: &Texts, code: &str) -> &'static str {
        if code == crate::domain::status::SMS {
            t.channel_sms
        } else {
            t.channel_email
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::i18n::Lang;

        #[test]
        fn every_code_has_words_in_both_languages() {
            for lang in [Lang::Sv, Lang::En] {
                let t = lang.texts();
                for r in [Role::Customer, Role::Operator, Role::Admin] {
                    assert_ne!(role(t, r), r.as_str(), "{lang:?}");
                }
                for k in [Kind::Period, Kind::Day] {
                    assert_ne!(kind(t, k), k.as_str(), "{lang:?}");
                }
                for s in [
                    PaymentStatus::Pending,
                    PaymentStatus::Paid,
                    PaymentStatus::Declined,
                    PaymentStatus::Error,
                    PaymentStatus::Cancelled,
                    PaymentStatus::Timeout,
                ] {
                    assert_ne!(payment(t, s), s.as_str(), "{lang:?}");
                }
                for s in [
                    RefundStatus::Pending,
                    RefundStatus::Done,
                    RefundStatus::Failed,
                ] {
                    assert_ne!(refund(t, s), s.as_str(), "{lang:?}");
                }
            }
            let sv = Lang::Sv.texts();
            assert_eq!(method(sv, "card"), "Kort");
            assert_eq!(method(sv, "swish"), "Swish");
            assert_eq!(payment(sv, PaymentStatus::Paid), "Betald");
        }
    }
}
