//! "Tvåstegsverifiering" in Inställningar: a customer turns the second factor on (the same
//! set-up as staff's at login, [`super::mfa`]) or off with a current code; staff see that theirs
//! stays on (only an admin's reset takes it away).

use super::mfa::{CodeForm, enrol_body, recovery_page, turn_on, unix_now};
use super::*;
use crate::db::mfa;
use crate::domain::totp;
use crate::web::ctx::UserCtx;
use crate::web::forms::csrf;

/// `GET /settings/mfa`: a customer turns the second factor on (or sees that it is on and may
/// turn it off); staff see that theirs stays on.
pub async fn settings_mfa(UserCtx { ctx, ref me }: UserCtx, state: Data) -> Reply {
    let t = ctx.t();
    let uid = me.user.id;
    let fresh = totp::new_secret();
    let (secret, left) = db::query(&state.pool, move |c| {
        let secret = mfa::pending_secret(c, uid, &fresh, clock::now())?;
        let left = mfa::recovery_left(c, uid)?;
        Ok((secret, left))
    })
    .await?;
    let frame = crate::web::settings::frame(me);
    let body = match secret {
        Some(secret) => enrol_body(
            &ctx,
            t.sec.mfa_enrol_intro_customer,
            "/settings/mfa",
            &me.csrf_token,
            &secret,
            &me.user.email,
            None,
        ),
        None => off_body(&ctx, me, left, None),
    };
    Ok(html_page(
        actix_web::http::StatusCode::OK,
        page(&ctx, Some(&frame), t.sec.mfa_title, body),
    ))
}

/// The second factor is on: how many recovery codes are left, and (customers only) the way
/// to turn it off with a code.
fn off_body(ctx: &Ctx, me: &auth::SessionUser, left: i64, error: Option<&str>) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, &[("code", error)]))
        p { (t.sec.mfa_on) " " strong { (left) } }
        @if me.is_operator() {
            p { (t.sec.mfa_staff_keeps) }
        } @else {
            h2 { (t.sec.mfa_turn_off) }
            form method="post" action="/settings/mfa/off" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("code", t.sec.mfa_code, "text").error(error).autocomplete("one-time-code").hint(t.sec.mfa_code_hint)))
                button.secondary type="submit" { (t.sec.mfa_turn_off) }
            }
        }
    }
}

/// `POST /settings/mfa`: the first code turns it on; the recovery codes are shown once.
pub async fn settings_mfa_on(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: web::Form<CodeForm>,
) -> Reply {
    let form = form.into_inner();
    me.check_csrf(&form.csrf)?;
    let t = ctx.t();
    let uid = me.user.id;
    let typed: String = form.code.chars().take(40).collect();
    let window = Duration::minutes(auth::LOGIN_WINDOW_MINUTES);
    let account_key = format!("login:account:{}", me.user.email);
    let codes = db::query(&state.pool, move |c| {
        let now = clock::now();
        let Some(row) = mfa::totp_of(c, uid)?.filter(|r| r.enabled_at.is_none()) else {
            return Ok(Ok(None));
        };
        // Refused: the page again, with the same secret.
        if !db::limits::hit(c, &account_key, window, auth::MAX_FAILURES_PER_ACCOUNT, now)?
            .is_allowed()
        {
            return Ok(Err(row.secret));
        }
        let Some(step) = totp::accept(&row.secret, &typed, unix_now(), None) else {
            return Ok(Err(row.secret));
        };
        db::limits::undo(c, &account_key, window, now)?;
        db::write_tx(c, |c| Ok(Ok(turn_on(c, uid, step, now)?)))
    })
    .await?;
    let frame = crate::web::settings::frame(me);
    match codes {
        Ok(Some(codes)) => Ok(html_page(
            actix_web::http::StatusCode::OK,
            recovery_page(&ctx, Some(&frame), &codes, "/settings"),
        )),
        // On already (another tab): the settings page says so.
        Ok(None) => Ok(see_other("/settings/mfa")),
        Err(secret) => Ok(html_page(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(
                &ctx,
                Some(&frame),
                t.sec.mfa_title,
                enrol_body(
                    &ctx,
                    t.sec.mfa_enrol_intro_customer,
                    "/settings/mfa",
                    &me.csrf_token,
                    &secret,
                    &me.user.email,
                    Some(t.sec.mfa_wrong),
                ),
            ),
        )),
    }
}

/// `POST /settings/mfa/off`: a customer turns it off with a current code (or a recovery code).
/// Staff cannot (only an admin's reset takes it away).
pub async fn settings_mfa_off(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: web::Form<CodeForm>,
) -> Reply {
    let form = form.into_inner();
    me.check_csrf(&form.csrf)?;
    if me.is_operator() {
        return Err(AppError::NotFound);
    }
    let uid = me.user.id;
    let typed: String = form.code.chars().take(40).collect();
    let window = Duration::minutes(auth::LOGIN_WINDOW_MINUTES);
    let account_key = format!("login:account:{}", me.user.email);
    let (off, left) = db::query(&state.pool, move |c| {
        let now = clock::now();
        let left = mfa::recovery_left(c, uid)?;
        if !db::limits::hit(c, &account_key, window, auth::MAX_FAILURES_PER_ACCOUNT, now)?
            .is_allowed()
        {
            return Ok((false, left));
        }
        let Some(row) = mfa::totp_of(c, uid)?.filter(|r| r.enabled_at.is_some()) else {
            return Ok((true, left));
        };
        let right = match totp::accept(&row.secret, &typed, unix_now(), row.last_step) {
            Some(step) => mfa::take_step(c, uid, step)?,
            None => totp::recovery_hash(&typed)
                .map(|h| mfa::use_recovery_code(c, uid, &h, now))
                .transpose()?
                .unwrap_or(false),
        };
        if !right {
            return Ok((false, left));
        }
        db::limits::undo(c, &account_key, window, now)?;
        db::write_tx(c, |c| {
            mfa::remove(c, uid)?;
            audit::record(
                c,
                Some(uid),
                "user.mfa_disabled",
                &format!("user:{uid}"),
                None,
                None,
                now,
            )
        })?;
        Ok((true, left))
    })
    .await?;
    if off {
        return Ok(see_other("/settings?m=mfa_off"));
    }
    let t = ctx.t();
    let frame = crate::web::settings::frame(me);
    Ok(html_page(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        page(
            &ctx,
            Some(&frame),
            t.sec.mfa_title,
            off_body(&ctx, me, left, Some(t.sec.mfa_wrong)),
        ),
    ))
}

use crate::db::audit;
