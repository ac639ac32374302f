//! Sends a refund written by a cancellation to the provider that took the payment: Swish's
//! refund API or Nexi's charges API. The refund row is pending before this runs, is claimed
//! (`sending_at`) by the one caller that sends it, and ends done or failed; only a failed one can
//! be tried again, with the same instruction id, which both providers take as the refund's
//! idempotency key (a PUT of it at Swish; `Idempotency-Key` at Nexi), so a refund whose answer
//! was lost is made once.

use crate::clock;
use crate::db::{self, Pool, payments as db_payments, refunds};
use crate::domain::Money;
use crate::domain::payment::RefundStatus;
use crate::domain::{PaymentId, RefundId};
use crate::payments::nexi::{NexiClient, OrderItem};
use crate::payments::swish::SwishClient;

/// Asks the provider; returns whether the refund is done.
pub async fn send(
    pool: &Pool,
    swish: &SwishClient,
    nexi: &NexiClient,
    refund_id: RefundId,
) -> anyhow::Result<bool> {
    let (refund, payment, vat) = db::query(pool, move |c| {
        let refund = refunds::by_id(c, refund_id)?;
        let (payment, permit) = match &refund {
            Some(r) => (
                db_payments::by_id(c, r.payment_id)?,
                crate::db::permits::by_id(c, r.permit_id)?,
            ),
            None => (None, None),
        };
        Ok((refund, payment, permit.map_or(2500, |p| p.vat_basis_points)))
    })
    .await?;
    let (Some(refund), Some(payment)) = (refund, payment) else {
        anyhow::bail!("no refund {refund_id}");
    };
    if refund.status != RefundStatus::Pending {
        return Ok(refund.status == RefundStatus::Done);
    }
    // Claimed before it is sent: of two retries at once (or two instances), one sends.
    if !db::query(pool, move |c| refunds::claim(c, refund_id, clock::now())).await? {
        return Ok(false);
    }
    let amount = Money::from_ore(refund.amount_ore);
    let outcome: Result<String, String> = match payment.method.as_str() {
        "swish" => match swish.retrieve(&payment.provider_ref).await {
            Err(e) => Err(e.to_string()),
            Ok(original) => match original.payment_reference {
                None => Err("Swish has no payment reference for the payment".into()),
                Some(reference) => swish
                    .refund(
                        &refund.instruction_id,
                        &reference,
                        amount,
                        "Återbetalning parkering",
                    )
                    .await
                    .map(|()| refund.instruction_id.clone())
                    .map_err(|e| e.to_string()),
            },
        },
        "card" => match nexi.retrieve(&payment.provider_ref).await {
            Err(e) => Err(e.to_string()),
            Ok(p) => match p.charges.first() {
                None => Err("Nexi has no charge for the payment".into()),
                Some(charge) => {
                    let item = OrderItem::single(
                        &format!("refund-{}", refund.id),
                        "Återbetalning parkering",
                        amount,
                        vat,
                    );
                    // Our instruction id is the idempotency key: a refund sent again after
                    // a time-out is refunded once.
                    nexi.refund(
                        &charge.charge_id,
                        refund.amount_ore,
                        &[item],
                        &refund.instruction_id,
                    )
                    .await
                    .map_err(|e| e.to_string())
                }
            },
        },
        other => Err(format!("unknown payment method {other}")),
    };
    let done = outcome.is_ok();
    if let Err(e) = &outcome {
        tracing::warn!(refund = %refund.id, error = %e, "refund failed");
    }
    db::query(pool, move |c| {
        let outcome = outcome.as_deref().map_err(String::as_str);
        refunds::finish(c, refund.id, outcome, clock::now())
    })
    .await?;
    Ok(done)
}

/// Sends the refunds of a payment not yet sent (a charge that came after its permit stopped
/// waiting for payment); one that fails stays for the parking office to send again.
pub async fn send_pending(
    pool: &Pool,
    swish: &SwishClient,
    nexi: &NexiClient,
    payment_id: PaymentId,
) -> anyhow::Result<()> {
    let pending = db::query(pool, move |c| refunds::pending_for_payment(c, payment_id)).await?;
    for id in pending {
        send(pool, swish, nexi, id).await?;
    }
    Ok(())
}
