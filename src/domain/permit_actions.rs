//! What may be done to a permit, by its kind and stored state: ONE table, used by the pages
//! (what to show), the handlers and the permit actor (what to accept). Everything not in the
//! table is refused with a clear message.

use super::permit::State;

crate::code_enum! {
    /// A permit's kind (the permit type's `kind` column).
    pub enum Kind("permit kind") {
        /// A period permit (month, year …).
        Period = "period",
        /// A day card: a number of days, each booked for a registration number.
        Day = "day",
    }
}

/// Something a customer or the parking office does to one permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitAction {
    ChangeRegnr,
    TemporaryRegnr,
    EndTemporary,
    Renew,
    Pay,
    Attach,
    BookDays,
    CancelDay,
    Receipt,
    /// "Ta bort beställningen": the buyer withdraws an order not yet paid.
    Withdraw,
    /// "Pausa tillståndet" and "Avsluta pausen" (the office may end a pause too).
    Pause,
    EndPause,
    OfficeApprove,
    OfficeReject,
    OfficeCancel,
    OfficeChange,
}

impl PermitAction {
    pub const ALL: [PermitAction; 16] = [
        PermitAction::ChangeRegnr,
        PermitAction::TemporaryRegnr,
        PermitAction::EndTemporary,
        PermitAction::Renew,
        PermitAction::Pay,
        PermitAction::Attach,
        PermitAction::BookDays,
        PermitAction::CancelDay,
        PermitAction::Receipt,
        PermitAction::Withdraw,
        PermitAction::Pause,
        PermitAction::EndPause,
        PermitAction::OfficeApprove,
        PermitAction::OfficeReject,
        PermitAction::OfficeCancel,
        PermitAction::OfficeChange,
    ];
}

/// Why an action was refused; `crate::i18n::refusal` says it to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{action:?} is not allowed on a {kind:?} permit in state {state:?}")]
pub struct Refusal {
    pub action: PermitAction,
    pub kind: Kind,
    pub state: State,
}

/// The table: whether `action` may be done to a permit of `kind` in `state`.
pub fn allowed(action: PermitAction, kind: Kind, state: State) -> Result<(), Refusal> {
    use Kind::*;
    use PermitAction::*;
    use State::*;
    let live = matches!(state, AwaitingApproval | AwaitingPayment | Paid);
    let ok = match (action, kind) {
        // A period permit's number (permanent or temporary) once paid: an order waiting for
        // approval or payment is a confirmation or a payment page (issue #35, 2).
        (ChangeRegnr | TemporaryRegnr | EndTemporary, Period) => state == Paid,
        // A day card has a number per booked day, never a temporary one.
        (ChangeRegnr | TemporaryRegnr | EndTemporary, Day) => false,
        (Renew, Period) => state == Paid,
        (Renew, Day) => false,
        (Pay, _) => state == AwaitingPayment,
        (Attach, _) => state == AwaitingApproval,
        (BookDays | CancelDay, Day) => state == Paid,
        (BookDays | CancelDay, Period) => false,
        (Receipt, _) => state == Paid,
        (Withdraw, _) => state == AwaitingPayment,
        // A paid monthly or yearly permit; never a day card (its days are booked one by one).
        (Pause | EndPause, Period) => state == Paid,
        (Pause | EndPause, Day) => false,
        (OfficeApprove | OfficeReject, _) => state == AwaitingApproval,
        (OfficeCancel, _) => live,
        (OfficeChange, _) => live,
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal {
            action,
            kind,
            state,
        })
    }
}

/// Whether [`allowed`] allows it (for pages that show or hide a form).
pub fn may(action: PermitAction, kind: Kind, state: State) -> bool {
    allowed(action, kind, state).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use PermitAction::*;
    use State::*;

    const STATES: [State; 5] = [AwaitingApproval, Rejected, AwaitingPayment, Paid, Cancelled];

    /// The whole table, written out: every action × kind × state.
    fn expected(action: PermitAction, kind: Kind, state: State) -> bool {
        let live = [AwaitingApproval, AwaitingPayment, Paid].contains(&state);
        match action {
            ChangeRegnr | TemporaryRegnr | EndTemporary => kind == Kind::Period && state == Paid,
            Renew => kind == Kind::Period && state == Paid,
            Pay => state == AwaitingPayment,
            Attach => state == AwaitingApproval,
            BookDays | CancelDay => kind == Kind::Day && state == Paid,
            Receipt => state == Paid,
            Withdraw => state == AwaitingPayment,
            Pause | EndPause => kind == Kind::Period && state == Paid,
            OfficeApprove | OfficeReject => state == AwaitingApproval,
            OfficeCancel | OfficeChange => live,
        }
    }

    #[test]
    fn every_action_kind_and_state() {
        let mut checked = 0;
        for action in PermitAction::ALL {
            for &kind in Kind::ALL {
                for state in STATES {
                    let got = allowed(action, kind, state);
                    assert_eq!(
                        got.is_ok(),
                        expected(action, kind, state),
                        "{action:?} {kind:?} {state:?}"
                    );
                    if let Err(r) = got {
                        assert!(
                            !crate::i18n::refusal(crate::i18n::Lang::Sv, &r).is_empty()
                                && !crate::i18n::refusal(crate::i18n::Lang::En, &r).is_empty()
                        );
                        assert_eq!((r.action, r.kind, r.state), (action, kind, state));
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, PermitAction::ALL.len() * 2 * 5);
    }

    #[test]
    fn a_day_card_never_takes_a_temporary_number() {
        for state in STATES {
            assert!(allowed(TemporaryRegnr, Kind::Day, state).is_err());
        }
        assert!(!may(TemporaryRegnr, Kind::Day, Paid));
        assert!(may(TemporaryRegnr, Kind::Period, Paid));
        // An unknown kind or state never reaches the table: reading the row fails.
        assert!(Kind::try_from("weird".to_string()).is_err());
        assert!(State::try_from("weird".to_string()).is_err());
    }

    #[test]
    fn the_transitions_agree_with_the_table() {
        use crate::domain::permit::Event;
        for state in STATES {
            for &kind in Kind::ALL {
                assert_eq!(
                    state.apply(Event::Cancel).is_ok(),
                    allowed(OfficeCancel, kind, state).is_ok()
                );
                assert_eq!(
                    state.apply(Event::Approve).is_ok(),
                    allowed(OfficeApprove, kind, state).is_ok()
                );
                assert_eq!(
                    state.apply(Event::PaymentReceived).is_ok(),
                    allowed(Pay, kind, state).is_ok()
                );
            }
        }
    }
}
