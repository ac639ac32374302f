//! Changing the e-mail address: it needs the current password; the link to the new address confirms it, and the notice to the old one carries a link that undoes it and ends every session (7 days).

use super::*;
use crate::services::profile::{self, Confirmed, Undone};
use crate::web::ctx::UserCtx;
use crate::web::forms::CsrfForm;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewEmailForm {
    pub(super) new_email: String,
    /// The current password ("Lösenord"): a session alone must not move the account.
    pub(super) email_password: String,
}

/// Asks for a change of e-mail address. Needs the current password. The answer is the same
/// whether or not the new address already has an account (nothing about other accounts is
/// revealed): a free address gets the confirmation link, a taken one a neutral note with the
/// same subject that asks for nothing (both listed alike under the requester's
/// "Notifikationer"); the old address always gets the notice with the undo link.
pub async fn change_email(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<NewEmailForm>,
) -> Reply {
    let t = ctx.t();
    let form = form.into_inner();
    let mut v = SettingsView::of(me);
    v.new_email = form.new_email.chars().take(254).collect();
    let new_email = match Email::parse(&form.new_email) {
        Ok(e) if e.as_str() == me.user.email => {
            v.errors.new_email = Some(t.err_email_same);
            None
        }
        Ok(e) => Some(e),
        Err(e) => {
            v.errors.new_email = Some(email_error(t, e));
            None
        }
    };
    let ok = match current_password(&state, me, form.email_password).await? {
        hashing::Current::Right => true,
        hashing::Current::Wrong => {
            v.errors.email_password = Some(t.err_email_password);
            false
        }
        hashing::Current::Locked => {
            v.errors.email_password = Some(t.login_locked);
            false
        }
    };
    let (Some(new_email), true) = (new_email, ok) else {
        return Ok(invalid(&ctx, me, &v));
    };
    let token = new_token();
    let undo = new_token();
    let links = profile::ChangeLinks {
        link: state.link(&format!("/settings/email/confirm?token={token}")),
        undo_link: state.link(&format!("/settings/email/undo?token={undo}")),
        token,
        undo,
    };
    let user = me.user.clone();
    let lang = ctx.lang;
    db::query(&state.pool, move |c| {
        profile::request_email_change(c, &user, &new_email, &links, lang, clock::now())
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/settings?m=email_sent"))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub(super) token: String,
}

/// The link in the e-mail to the new address. Needs login (as the same user): from another
/// device it goes through the login page and comes back here.
pub async fn confirm_email(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    query: web::Query<TokenQuery>,
) -> Reply {
    let t = ctx.t();
    let token = query.into_inner().token;
    let user_id = me.user.id;
    let domain = state.settings.employee_email_domain.clone();
    let outcome = db::query(&state.pool, move |c| {
        profile::confirm_email_change(c, user_id, &token, &domain, clock::now())
    })
    .await?;
    Ok(match outcome {
        Confirmed::Changed => see_other("/settings?m=email_changed"),
        Confirmed::Taken => problem(&ctx, me, t.email_taken),
        Confirmed::Problem(check) => match *check {
            TokenCheck::Expired => problem(&ctx, me, t.link_expired),
            TokenCheck::Used(_) => problem(&ctx, me, t.link_used),
            _ => problem(&ctx, me, t.link_unknown),
        },
    })
}

pub(super) fn problem(ctx: &Ctx, me: &SessionUser, text: &'static str) -> HttpResponse {
    let mut v = SettingsView::of(me);
    v.section_error = Some(text);
    respond(StatusCode::BAD_REQUEST, settings_page(ctx, me, &v, None))
}

/// The page of the undo link in the notice to the old address: a button, so a mail scanner
/// that fetches links changes nothing. Works logged out.
pub async fn undo_email_page(ctx: Ctx, state: Data, query: web::Query<TokenQuery>) -> Reply {
    let t = ctx.t();
    let token = query.into_inner().token;
    let check = {
        let token = token.clone();
        db::query(&state.pool, move |c| {
            accounts::peek_email_undo(c, &token, clock::now())
        })
        .await?
    };
    if let Some(text) = undo_problem(t, &check) {
        return Ok(undo_answer(&ctx, StatusCode::BAD_REQUEST, text, false));
    }
    let body = html! {
        p { (t.email_undo_intro) }
        form method="post" action="/settings/email/undo" {
            input type="hidden" name="token" value=(token);
            button type="submit" { (t.email_undo_button) }
        }
    };
    Ok(respond(
        StatusCode::OK,
        page(&ctx, None, t.email_undo_title, body),
    ))
}

#[derive(Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    pub(super) token: String,
}

/// Undoes (or stops) an e-mail change from the old address: in one transaction the link is
/// used, the old address comes back (unless another account has taken it since), open change
/// and reset links are made useless (they went to the other address) and every session ends.
pub async fn undo_email(ctx: Ctx, state: Data, form: web::Form<UndoForm>) -> Reply {
    let t = ctx.t();
    let token = form.into_inner().token;
    let domain = state.settings.employee_email_domain.clone();
    let outcome = db::query(&state.pool, move |c| {
        profile::undo_email_change(c, &token, &domain, clock::now())
    })
    .await?;
    let (status, text, ok) = match &outcome {
        Undone::Undone => (StatusCode::OK, t.email_undone, true),
        Undone::Blocked => (StatusCode::OK, t.email_undo_blocked, false),
        Undone::Problem(check) => (
            StatusCode::BAD_REQUEST,
            undo_problem(t, check).unwrap_or(t.link_unknown),
            false,
        ),
    };
    let mut resp = undo_answer(&ctx, status, text, ok);
    if !matches!(outcome, Undone::Problem(_)) {
        // This browser's session has ended with the others.
        let _ = resp.add_cookie(&session::removal_cookie(&state.settings));
    }
    Ok(resp)
}

pub(super) fn undo_problem(
    t: &'static crate::i18n::Texts,
    check: &UndoCheck,
) -> Option<&'static str> {
    match check {
        UndoCheck::Valid(_) => None,
        UndoCheck::Used => Some(t.link_used),
        UndoCheck::Expired => Some(t.link_expired),
        UndoCheck::Unknown => Some(t.link_unknown),
    }
}

pub(super) fn undo_answer(ctx: &Ctx, status: StatusCode, text: &str, ok: bool) -> HttpResponse {
    let t = ctx.t();
    let body = html! {
        @if ok { (notice(text)) } @else { (notice_error(text)) }
        p { a href="/login" { (t.login_title) } }
    };
    respond(status, page(ctx, None, t.email_undo_title, body))
}
