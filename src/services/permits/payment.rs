//! A payment's final outcome on its permit.

use super::*;
use crate::domain::payment::PaymentStatus;

/// A payment's final outcome: paid (the permit paid, a gap-free receipt, the buyer told),
/// failed (the permit stays payable, the buyer told), or charged after the permit stopped
/// waiting for payment (refunded in full). `None`: it was recorded already (another poll,
/// callback or instance got there first).
pub(super) fn payment_outcome(
    c: &mut DbConnection,
    t: &Target,
    payment_id: &PaymentId,
    paid: &bool,
    failure: &Option<(PaymentStatus, Option<String>)>,
) -> Applied {
    let PermitConfig {
        base_url, seller, ..
    } = t.cfg;
    let Target { p, state, now, .. } = *t;
    let event = {
        let payment = db_payments::by_id(c, *payment_id)?
            .filter(|pay| pay.permit_id == p.id)
            .ok_or(PermitError::NotFound)?;
        let user = accounts::user_by_id(c, p.user_id)?;
        let lang = user
            .as_ref()
            .and_then(|u| Lang::parse(&u.language))
            .unwrap_or_default();
        let link = format!("{base_url}/permits/{}", p.id);
        let takes_payment = state == State::AwaitingPayment
            && db_payments::of_permit_in(c, p.id, PaymentStatus::Paid)?.is_none();
        if *paid && !takes_payment {
            // Charged after the permit stopped waiting for payment (cancelled
            // meanwhile, or paid another way): the whole charge goes back, at once.
            // The attempt ends (not "paid": the permit is not paid by it) with a
            // refund row that the poller sends to the provider.
            if !db_payments::finish(
                c,
                payment.id,
                PaymentStatus::Cancelled,
                Some(LATE_CHARGE),
                now,
            )? {
                return Ok(None);
            }
            let instruction = crate::payments::swish::new_instruction_id();
            refunds::insert(
                c,
                payment.id,
                p.id,
                payment.amount_ore,
                &instruction,
                None,
                now,
            )?;
            let total = Money::from_ore(payment.amount_ore);
            tell_owner(c, p, "permit_changed", base_url, |lang, name, link| {
                let change = messages::Change::LateCharge(total);
                messages::permit_change(lang, name, &p.regnr, change, link)
            })?;
            (
                "payment",
                format!(
                    "charged {} ({}) after the permit stopped waiting for payment; \
                     refund {total} written",
                    payment.provider_ref, payment.method
                ),
            )
        } else if *paid {
            // Compare-and-set from pending: a second callback, poll or instance finds
            // nothing to do. The unique index allows one paid attempt per permit.
            if !db_payments::finish(c, payment.id, PaymentStatus::Paid, None, now)? {
                return Ok(None);
            }
            let next = state
                .apply(Event::PaymentReceived)
                .map_err(RuleError::from)?;
            diesel::update(permits::table.find(p.id))
                .set(permits::state.eq(next))
                .execute(c)?;
            let total = Money::from_ore(payment.amount_ore);
            let vat = total.vat_included(i64::from(p.vat_basis_points));
            let number = db_payments::next_receipt_number(c)?;
            let item = match &p.package_name_sv {
                Some(pkg) => format!("{}, {pkg}", p.type_name_sv),
                None => format!("{}, {} dagar", p.type_name_sv, p.days_bought.unwrap_or(0)),
            };
            db_payments::insert_receipt(
                c,
                &db_payments::Receipt {
                    number,
                    payment_id: payment.id,
                    permit_id: p.id,
                    issued_at: now,
                    seller_name: seller.name.clone(),
                    seller_address: seller.address.clone(),
                    seller_org_no: seller.org_no.clone(),
                    item,
                    period: format!("{} – {}", p.start_date, p.end_date),
                    regnr: p.regnr.clone(),
                    net_ore: total.ore() - vat.ore(),
                    vat_basis_points: p.vat_basis_points,
                    vat_ore: vat.ore(),
                    total_ore: total.ore(),
                    method: payment.method.clone(),
                    provider_ref: payment.provider_ref.clone(),
                },
            )?;
            if let Some(u) = &user {
                let receipt_link = format!("{link}/receipt");
                let car_park = crate::db::catalogue::car_park_name(c, p.car_park_id)?;
                let paid = messages::Paid {
                    regnr: &p.regnr,
                    type_name: match lang {
                        Lang::Sv => &p.type_name_sv,
                        Lang::En => &p.type_name_en,
                    },
                    car_park: &car_park,
                    start: p.start_date,
                    end: p.end_date,
                    total,
                    receipt_no: number,
                };
                let message = messages::payment_received(lang, &u.name, &paid, &receipt_link);
                notify::queue(c, u, "payment_received", message, now)?;
            }
            (
                "payment",
                format!(
                    "paid {} ({}), receipt {number}",
                    payment.provider_ref, payment.method
                ),
            )
        } else {
            let (status, code) = failure.clone().unwrap_or((PaymentStatus::Error, None));
            if !db_payments::finish(c, payment.id, status, code.as_deref(), now)? {
                return Ok(None);
            }
            let by_buyer = code.as_deref() == Some(BUYER_CANCELLED);
            // Tries again and again while on the page are one message, not five (issue #34,
            // 8): "Betalningen gick inte igenom" at most once in 30 minutes.
            let told_lately = match user.as_ref() {
                Some(u) => crate::db::notifications::told_since(
                    c,
                    u.id,
                    "payment_failed",
                    now - chrono::Duration::minutes(30),
                )?,
                None => false,
            };
            if let Some(u) = user.as_ref().filter(|_| !by_buyer && !told_lately) {
                notify::queue(
                    c,
                    u,
                    "payment_failed",
                    messages::payment_failed(lang, &u.name, &p.regnr, &link),
                    now,
                )?;
            }
            (
                "payment",
                format!(
                    "{status} {} {}",
                    payment.provider_ref,
                    code.unwrap_or_default()
                ),
            )
        }
    };
    Ok(Some(event))
}
