//! A customer's changes to a permit, through its actor: registration number, temporary number, renewal; and the permit page again with a reason when a change or payment is refused.

use super::*;
use crate::domain::PermitId;
use crate::web::ctx::UserCtx;
use crate::web::error::Outcome;
use crate::web::forms::{CsrfForm, CsrfOnly};

pub fn rule_text(t: &Texts, e: &PermitError) -> Option<&'static str> {
    Some(match e {
        PermitError::Rule(
            RuleError::NotChangeable | RuleError::Transition(_) | RuleError::NoSuchTemporary,
        ) => t.rule_not_changeable,
        PermitError::Rule(RuleError::Refused(r)) => t.refusal(r),
        PermitError::Rule(RuleError::OutsidePeriod) => t.rule_outside_period,
        PermitError::Rule(RuleError::InPast) => t.rule_in_past,
        PermitError::Rule(RuleError::Backwards) => t.rule_backwards,
        PermitError::Rule(RuleError::OneAtATime) => t.rule_one_at_a_time,
        PermitError::Conflict => t.rule_conflict,
        _ => return None,
    })
}

/// A customer's change to their own permit.
pub(super) async fn change(
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
    change: PermitChange,
) -> Result<Outcome<PermitRow, PermitError>, AppError> {
    send_change(state, id, Some(me.user.id), me.user.id, change).await
}

/// Hands a change to the permit's actor. `owner`: the customer the permit must belong to, or
/// `None` for the parking office. A missing permit or an internal failure becomes the
/// request's error; a refused rule comes back for the page to explain.
pub async fn send_change(
    state: &AppState,
    permit_id: PermitId,
    owner: Option<UserId>,
    by_user: UserId,
    change: PermitChange,
) -> Result<Outcome<PermitRow, PermitError>, AppError> {
    let msg = ChangePermit {
        permit_id,
        owner,
        by_user: Some(by_user),
        change,
    };
    match state.permits.send(msg).await? {
        Err(PermitError::NotFound) => Err(AppError::NotFound),
        Err(PermitError::Db(e)) => Err(AppError::Db(e)),
        Err(PermitError::Stopped(e)) => Err(AppError::Actor(e)),
        Err(refused) => Ok(Outcome::Refused(refused)),
        Ok(permit) => Ok(Outcome::Done(permit)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegnrForm {
    pub(super) regnr: String,
    pub(super) foreign: Option<String>,
}

pub async fn update_regnr(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<RegnrForm>,
) -> Reply {
    let id = id.into_inner();
    let t = ctx.t();
    let typed: String = form.regnr.chars().take(40).collect();
    let foreign = form.foreign.is_some();
    let outcome = match RegNumber::parse(&form.regnr, foreign) {
        Err(e) => Err(regnr_error(t, e, foreign)),
        Ok(regnr) => match change(&state, me, id, PermitChange::SetRegnr(regnr)).await? {
            Outcome::Done(p) => Ok(p),
            Outcome::Refused(e) => Err(rule_text(t, &e).unwrap_or(t.error_body)),
        },
    };
    if ctx.htmx_fragment {
        // Only the form and its confirmation travel back.
        let p = match &outcome {
            Ok(p) => p.clone(),
            Err(_) => load_view(&state, id, me.user.id).await?.permit,
        };
        let (value, error, done) = match &outcome {
            Ok(p) => (p.regnr.clone(), None, true),
            Err(msg) => (typed, Some(*msg), false),
        };
        let status = if outcome.is_ok() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok(crate::web::respond::html(
            status,
            regnr_form(&ctx, me, &p, &value, error, done),
        ));
    }
    match outcome {
        Ok(_) => Ok(crate::web::respond::see_other(&format!(
            "/permits/{id}?m=regnr"
        ))),
        Err(msg) => {
            let m = PageMessages {
                regnr_error: Some(msg),
                regnr_value: Some(typed),
                ..Default::default()
            };
            refused(&ctx, &state, me, id, m).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TemporaryForm {
    pub(super) temp_regnr: String,
    pub(super) foreign: Option<String>,
    pub(super) from: String,
    pub(super) to: String,
}

pub async fn add_temporary(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<TemporaryForm>,
) -> Reply {
    let id = id.into_inner();
    let t = ctx.t();
    let foreign = form.foreign.is_some();
    let dates = (
        NaiveDate::parse_from_str(form.from.trim(), "%Y-%m-%d"),
        NaiveDate::parse_from_str(form.to.trim(), "%Y-%m-%d"),
    );
    let result = match (RegNumber::parse(&form.temp_regnr, foreign), dates) {
        (Err(e), _) => Err(regnr_error(t, e, foreign)),
        (_, (Err(_), _) | (_, Err(_))) => Err(t.err_bad_date),
        (Ok(regnr), (Ok(from), Ok(to))) => match change(
            &state,
            me,
            id,
            PermitChange::AddTemporary { regnr, from, to },
        )
        .await?
        {
            Outcome::Done(_) => Ok(()),
            Outcome::Refused(e) => Err(rule_text(t, &e).unwrap_or(t.error_body)),
        },
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/permits/{id}?m=temp_added"))),
        Err(msg) => {
            let typed = TemporaryForm {
                temp_regnr: form.temp_regnr.chars().take(40).collect(),
                foreign: form.foreign.clone(),
                from: form.from.chars().take(20).collect(),
                to: form.to.chars().take(20).collect(),
            };
            let m = PageMessages {
                temp_error: Some(msg),
                temp_typed: Some(&typed),
                ..Default::default()
            };
            refused(&ctx, &state, me, id, m).await
        }
    }
}

pub async fn end_temporary(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    path: web::Path<(PermitId, crate::domain::ids::TemporaryId)>,
    _csrf: CsrfForm<CsrfOnly>,
) -> Reply {
    let (id, temporary_id) = path.into_inner();
    match change(&state, me, id, PermitChange::EndTemporary { temporary_id }).await? {
        Outcome::Done(_) => Ok(see_other(&format!("/permits/{id}?m=temp_ended"))),
        Outcome::Refused(e) => {
            let m = PageMessages {
                temp_error: Some(rule_text(ctx.t(), &e).unwrap_or(ctx.t().error_body)),
                ..Default::default()
            };
            refused(&ctx, &state, me, id, m).await
        }
    }
}

/// "Förnya": the wizard, prefilled with the same type, package and number, starting the day
/// after this permit ends.
pub async fn renew(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
) -> Reply {
    let id = id.into_inner();
    let uid = me.user.id;
    let old = own(&state, uid, id).await?;
    if let Some(refused) = renewal_refused(&ctx, me, &old) {
        return Ok(refused);
    }
    Ok(see_other(&format!("/permits/new?renew={id}")))
}

/// A renewal of a permit that cannot be renewed (a day card, one not paid): the reason
/// (409) with the way back to the permit; `None` when it may be renewed.
pub(super) fn renewal_refused(
    ctx: &Ctx,
    me: &SessionUser,
    old: &PermitRow,
) -> Option<HttpResponse> {
    let refusal =
        crate::domain::permit_actions::allowed(PermitAction::Renew, old.kind, old.state).err()?;
    let t = ctx.t();
    Some(respond(
        StatusCode::CONFLICT,
        page(
            ctx,
            Some(&frame(me)),
            t.renew,
            html! {
                (notice_error(t.refusal(&refusal)))
                p { a href={ "/permits/" (old.id) } { (t.back_to_permit) } }
            },
        ),
    ))
}

/// The permit page again with a message in its payment section.
pub async fn show_with_payment_error(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
    error: &str,
    typed: &str,
) -> Reply {
    let m = PageMessages {
        pay_error: Some(error),
        pay_typed: Some(typed),
        ..Default::default()
    };
    refused(ctx, state, me, id, m).await
}

/// A change that was refused: the permit page again (422) with the reason beside the part
/// that was changed and what the user typed. The same URL answers HTMX with a fragment, so
/// the answer varies by `HX-Request`.
pub(super) async fn refused(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: PermitId,
    m: PageMessages<'_>,
) -> Reply {
    let v = load_view(state, id, me.user.id).await?;
    Ok(crate::web::respond::html(
        StatusCode::UNPROCESSABLE_ENTITY,
        permit_page(ctx, me, &v, m),
    ))
}

/// "Ta bort beställningen" asks once more: what goes (the order, its held place), that
/// nothing was charged, "Ja, ta bort" in the destructive style (issue #35, 2).
pub async fn withdraw_page(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
) -> Reply {
    let (id, uid) = (id.into_inner(), me.user.id);
    let p = own(&state, uid, id).await?;
    if !may(PermitAction::Withdraw, p.kind, p.state) {
        return Ok(see_other(&format!("/permits/{id}")));
    }
    let t = ctx.t();
    let body = html! {
        p { (t.withdraw_what) " " strong { (permit_type_name(&p, ctx.lang)) ", " (p.regnr) } "." }
        p { (t.withdraw_nothing_charged) }
        form method="post" action={ "/permits/" (id) "/withdraw" } {
            (csrf(&me.csrf_token))
            input type="hidden" name="confirm" value="yes";
            button.danger type="submit" { (t.withdraw_confirm) }
        }
        p { a href={ "/permits/" (id) } { (t.withdraw_keep) } }
    };
    Ok(respond(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.withdraw_title, body),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    confirm: String,
}

/// `POST /permits/{id}/withdraw`: only with "Ja, ta bort"; not while a payment is under way
/// (it could still be charged). The order is cancelled and its held place freed.
pub async fn withdraw(
    UserCtx { ref me, .. }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: crate::web::forms::CsrfForm<WithdrawForm>,
) -> Reply {
    let id = id.into_inner();
    if form.into_inner().confirm != "yes" {
        return Ok(see_other(&format!("/permits/{id}/withdraw")));
    }
    let paying = db::query(&state.pool, move |c| {
        crate::db::payments::latest_for_permit(c, id)
    })
    .await?
    .is_some_and(|pay| pay.status == crate::domain::payment::PaymentStatus::Pending);
    if paying {
        return Ok(see_other(&format!("/permits/{id}?m=withdraw_paying")));
    }
    let uid = me.user.id;
    match send_change(&state, id, Some(uid), uid, PermitChange::Withdraw).await? {
        Outcome::Done(_) => {
            state.queue_now();
            Ok(see_other("/?m=withdrawn"))
        }
        Outcome::Refused(_) => Ok(see_other(&format!("/permits/{id}"))),
    }
}
