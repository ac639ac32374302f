//! "Inställningar" and "Betalinställningar": personal details, e-mail, password, channels,
//! language, my data, delete account; preferred payment method and Swish number.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use crate::auth::{SessionUser, password, session};
use crate::clock;
use crate::db::schema::{account_tokens, notifications, sessions, users};
use crate::db::{
    self, accounts, accounts::TokenCheck, accounts::TokenPurpose, accounts::UndoCheck,
};
use crate::domain::mobile::MobileNumber;
use crate::domain::token::new_token;
use crate::domain::{Email, Name, Password};
use crate::i18n::Lang;
use crate::i18n::messages;
use crate::notify;
use crate::state::AppState;
use crate::web::account::{CONFIRM_VALID, email_error, flash_text, name_error, password_error};
use crate::web::ctx::{Ctx, lang_cookie};
use crate::web::error::AppError;
use crate::web::forms::{Field, csrf, error_summary, input, notice, notice_error};
use crate::web::layout::{Frame, page};
use crate::web::respond::{html as respond, see_other};

type Data = web::Data<AppState>;

pub fn frame(me: &SessionUser) -> Frame<'_> {
    Frame {
        unread_messages: me.unread_messages,
        csrf_token: &me.csrf_token,
        operator: me.is_operator(),
    }
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    m: Option<String>,
}

/// What the settings page shows again after a failed post.
#[derive(Default)]
pub struct SettingsView {
    name: String,
    mobile: String,
    notify_email: bool,
    notify_sms: bool,
    language: String,
    new_email: String,
    errors: SettingsErrors,
    section_error: Option<&'static str>,
}

#[derive(Default)]
struct SettingsErrors {
    name: Option<&'static str>,
    mobile: Option<&'static str>,
    new_email: Option<&'static str>,
    email_password: Option<&'static str>,
    current_password: Option<&'static str>,
    new_password: Option<&'static str>,
    delete_password: Option<&'static str>,
}

impl SettingsView {
    fn of(me: &SessionUser) -> Self {
        let u = &me.user;
        SettingsView {
            name: u.name.clone(),
            mobile: MobileNumber::parse(&u.mobile)
                .map(|m| m.national())
                .unwrap_or_default(),
            notify_email: u.notify_email,
            notify_sms: u.notify_sms,
            language: u.language.clone(),
            ..Default::default()
        }
    }
}

fn settings_body(ctx: &Ctx, me: &SessionUser, v: &SettingsView, flash: Option<&str>) -> Markup {
    let t = ctx.t();
    let e = &v.errors;
    let any_error = e.name.is_some()
        || e.mobile.is_some()
        || e.new_email.is_some()
        || e.email_password.is_some()
        || e.current_password.is_some()
        || e.new_password.is_some()
        || e.delete_password.is_some();
    html! {
        @if let Some(f) = flash { (notice(f)) }
        @if let Some(s) = v.section_error { (notice_error(s)) }
        (error_summary(t, any_error && v.section_error.is_none()))
        section aria-labelledby="personal-h" {
            h2 #personal-h { (t.personal_details) }
            form method="post" action="/settings" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("name", t.name, "text").value(&v.name).error(e.name).autocomplete("name")))
                (input(Field::new("mobile", t.mobile, "tel").value(&v.mobile).error(e.mobile).autocomplete("tel")))
                fieldset {
                    legend { (t.notify_legend) }
                    div.check {
                        input #notify_email type="checkbox" name="notify_email" value="yes" checked[v.notify_email];
                        label for="notify_email" { (t.notify_email) }
                    }
                    // Without an SMS gateway (outside demo mode) SMS is not offered.
                    @if ctx.services.sms.offered() {
                        div.check {
                            input #notify_sms type="checkbox" name="notify_sms" value="yes" checked[v.notify_sms];
                            label for="notify_sms" { (t.notify_sms) }
                        }
                    }
                }
                label for="language" { (t.language_label) }
                select #language name="language" {
                    option value="sv" selected[v.language == "sv"] { (t.lang_sv) }
                    option value="en" selected[v.language == "en"] { (t.lang_en) }
                }
                button type="submit" { (t.save) }
            }
        }
        section aria-labelledby="email-h" {
            h2 #email-h { (t.change_email_title) }
            p { (t.current_email) ": " strong { (me.user.email) } }
            form method="post" action="/settings/email" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("new_email", t.new_email, "email").value(&v.new_email).error(e.new_email).autocomplete("email")))
                (input(Field::new("email_password", t.password, "password").error(e.email_password).autocomplete("current-password")))
                button type="submit" { (t.change_email_button) }
            }
        }
        section aria-labelledby="password-h" {
            h2 #password-h { (t.change_password_title) }
            form method="post" action="/settings/password" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("current_password", t.current_password, "password").error(e.current_password).autocomplete("current-password")))
                (input(Field::new("new_password", t.new_password, "password").error(e.new_password).autocomplete("new-password").hint(t.password_rule)))
                button type="submit" { (t.change_password_button) }
            }
        }
        section aria-labelledby="data-h" {
            h2 #data-h { (t.export_title) }
            p { (t.export_intro) }
            p { a.button.secondary href="/settings/export" download { (t.export_button) } }
        }
        section aria-labelledby="delete-h" {
            h2 #delete-h { (t.delete_title) }
            p { (t.delete_intro) }
            form method="post" action="/settings/delete" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("delete_password", t.password, "password").error(e.delete_password).autocomplete("current-password")))
                button.secondary type="submit" { (t.delete_button) }
            }
        }
    }
}

/// The settings page again (422) with the errors beside the fields and what was typed.
fn invalid(ctx: &Ctx, me: &SessionUser, v: &SettingsView) -> HttpResponse {
    respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        settings_page(ctx, me, v, None),
    )
}

fn settings_page(ctx: &Ctx, me: &SessionUser, v: &SettingsView, flash: Option<&str>) -> Markup {
    page(
        ctx,
        Some(&frame(me)),
        ctx.t().settings_title,
        settings_body(ctx, me, v, flash),
    )
}

/// The current password asked for by a form here, checked under the account's login limit
/// (a stolen session cannot guess it without end).
async fn current_password(
    state: &AppState,
    me: &SessionUser,
    typed: String,
) -> Result<password::Current, AppError> {
    Ok(password::verify_current(
        state,
        &me.user.email,
        &me.user.password_hash,
        SecretString::from(typed),
    )
    .await?)
}

pub async fn show(ctx: Ctx, query: web::Query<FlashQuery>) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let flash = query.m.as_deref().and_then(|k| flash_text(ctx.t(), k));
    Ok(respond(
        StatusCode::OK,
        settings_page(&ctx, me, &SettingsView::of(me), flash),
    ))
}

#[derive(Deserialize)]
pub struct PersonalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mobile: String,
    notify_email: Option<String>,
    notify_sms: Option<String>,
    #[serde(default)]
    language: String,
}

pub async fn save_personal(
    ctx: Ctx,
    state: Data,
    form: web::Form<PersonalForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let t = ctx.t();
    let form = form.into_inner();
    let mut v = SettingsView::of(me);
    v.name = form.name.chars().take(200).collect();
    v.mobile = form.mobile.chars().take(40).collect();
    v.notify_email = form.notify_email.is_some();
    v.notify_sms = form.notify_sms.is_some();
    let lang = Lang::parse(&form.language).unwrap_or(ctx.lang);
    v.language = lang.code().into();
    let name = Name::parse(&form.name)
        .map_err(|e| v.errors.name = Some(name_error(t, e)))
        .ok();
    let mobile = MobileNumber::parse(&form.mobile)
        .map_err(|_| v.errors.mobile = Some(t.err_mobile))
        .ok();
    if v.notify_sms && !ctx.services.sms.offered() {
        v.notify_sms = false;
        v.section_error = Some(t.err_sms_not_offered);
    }
    let (Some(name), Some(mobile)) = (name, mobile) else {
        return Ok(invalid(&ctx, me, &v));
    };
    if v.section_error.is_some() {
        return Ok(invalid(&ctx, me, &v));
    }
    let id = me.user.id;
    let (notify_email, notify_sms) = (v.notify_email, v.notify_sms);
    db::run(&state.pool, move |c| {
        diesel::update(users::table.find(id))
            .set((
                users::name.eq(name.as_str()),
                users::mobile.eq(mobile.e164()),
                users::notify_email.eq(notify_email),
                users::notify_sms.eq(notify_sms),
                users::language.eq(lang.code()),
            ))
            .execute(c)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(lang_cookie(&state.settings, lang))
        .insert_header((header::LOCATION, "/settings?m=saved"))
        .finish())
}

#[derive(Deserialize)]
pub struct NewEmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new_email: String,
    /// The current password ("Lösenord"): a session alone must not move the account.
    #[serde(default)]
    email_password: String,
}

/// How long the undo link in the notice to the old address works.
const UNDO_VALID: chrono::Duration = chrono::Duration::days(7);

/// Asks for a change of e-mail address. Needs the current password. The answer is the same
/// whether or not the new address already has an account (nothing about other accounts is
/// revealed): a free address gets the confirmation link, a taken one a neutral note with the
/// same subject that asks for nothing (both listed alike under the requester's
/// "Notifikationer"); the old address always gets the notice with the undo link.
pub async fn change_email(
    ctx: Ctx,
    state: Data,
    form: web::Form<NewEmailForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
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
        password::Current::Right => true,
        password::Current::Wrong => {
            v.errors.email_password = Some(t.err_email_password);
            false
        }
        password::Current::Locked => {
            v.errors.email_password = Some(t.login_locked);
            false
        }
    };
    let (Some(new_email), true) = (new_email, ok) else {
        return Ok(invalid(&ctx, me, &v));
    };
    let token = new_token();
    let link = state.link(&format!("/settings/email/confirm?token={token}"));
    let undo = new_token();
    let undo_link = state.link(&format!("/settings/email/undo?token={undo}"));
    let user = me.user.clone();
    let lang = ctx.lang;
    db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            match accounts::email_in_use(c, new_email.as_str())? {
                None => {
                    accounts::expire_tokens(c, user.id, TokenPurpose::EmailChange, now)?;
                    accounts::insert_token(
                        c,
                        &token,
                        user.id,
                        TokenPurpose::EmailChange,
                        Some(new_email.as_str()),
                        now,
                        CONFIRM_VALID,
                    )?;
                    notify::queue_email(
                        c,
                        Some(user.id),
                        new_email.as_str(),
                        "email_change_confirm",
                        messages::confirm_new_email(lang, &user.name, &link),
                        now,
                    )?;
                }
                // Taken (a deleted account's placeholder too): a neutral note, kept with the
                // requester's notifications like the confirmation would be.
                Some(_) => {
                    notify::queue_email(
                        c,
                        Some(user.id),
                        new_email.as_str(),
                        "email_change_taken",
                        messages::email_change_taken(lang),
                        now,
                    )?;
                }
            }
            accounts::insert_email_undo(
                c,
                &undo,
                user.id,
                &user.email,
                new_email.as_str(),
                now,
                UNDO_VALID,
            )?;
            notify::queue_email(
                c,
                Some(user.id),
                &user.email,
                "email_change_requested",
                messages::email_change_requested(lang, &user.name, new_email.as_str(), &undo_link),
                now,
            )?;
            Ok(())
        })
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/settings?m=email_sent"))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The link in the e-mail to the new address. Needs login (as the same user): from another
/// device it goes through the login page and comes back here.
pub async fn confirm_email(
    ctx: Ctx,
    state: Data,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let t = ctx.t();
    let token = query.into_inner().token;
    let user_id = me.user.id;
    let domain = state.settings.employee_email_domain.clone();
    enum Outcome {
        Changed,
        Taken,
        Problem(Box<TokenCheck>),
    }
    let outcome = db::run(&state.pool, move |c| {
        let result = crate::db::write_tx(c, |c| {
            let now = clock::now();
            let check = accounts::peek_token(c, &token, TokenPurpose::EmailChange, now)?;
            let TokenCheck::Valid(row) = &check else {
                return Ok(Outcome::Problem(Box::new(check)));
            };
            if row.user_id != user_id {
                return Ok(Outcome::Problem(Box::new(TokenCheck::Unknown)));
            }
            let new_email = row.new_email.clone().unwrap_or_default();
            // Any row with the address, a deleted account's placeholder too (unique column).
            if accounts::email_in_use(c, &new_email)?.is_some() {
                return Ok(Outcome::Taken);
            }
            if !matches!(
                accounts::use_token(c, &token, TokenPurpose::EmailChange, now)?,
                TokenCheck::Valid(_)
            ) {
                return Ok(Outcome::Problem(Box::new(TokenCheck::Used(row.clone()))));
            }
            let is_employee = Email::parse(&new_email).is_ok_and(|e| e.is_in_domain(&domain));
            diesel::update(users::table.find(user_id))
                .set((
                    users::email.eq(&new_email),
                    users::is_employee.eq(is_employee),
                ))
                .execute(c)?;
            Ok(Outcome::Changed)
        });
        // Taken in the meantime by a registration on another connection: nothing changed.
        match result {
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Ok(Outcome::Taken),
            other => Ok(other?),
        }
    })
    .await?;
    Ok(match outcome {
        Outcome::Changed => see_other("/settings?m=email_changed"),
        Outcome::Taken => problem(&ctx, me, t.email_taken),
        Outcome::Problem(check) => match *check {
            TokenCheck::Expired => problem(&ctx, me, t.link_expired),
            TokenCheck::Used(_) => problem(&ctx, me, t.link_used),
            _ => problem(&ctx, me, t.link_unknown),
        },
    })
}

fn problem(ctx: &Ctx, me: &SessionUser, text: &'static str) -> HttpResponse {
    let mut v = SettingsView::of(me);
    v.section_error = Some(text);
    respond(StatusCode::BAD_REQUEST, settings_page(ctx, me, &v, None))
}

/// The page of the undo link in the notice to the old address: a button, so a mail scanner
/// that fetches links changes nothing. Works logged out.
pub async fn undo_email_page(
    ctx: Ctx,
    state: Data,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let token = query.into_inner().token;
    let check = {
        let token = token.clone();
        db::run(&state.pool, move |c| {
            Ok(accounts::peek_email_undo(c, &token, clock::now())?)
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
    token: String,
}

/// Undoes (or stops) an e-mail change from the old address: in one transaction the link is
/// used, the old address comes back (unless another account has taken it since), open change
/// and reset links are made useless (they went to the other address) and every session ends.
pub async fn undo_email(
    ctx: Ctx,
    state: Data,
    form: web::Form<UndoForm>,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let token = form.into_inner().token;
    let domain = state.settings.employee_email_domain.clone();
    enum Outcome {
        Undone,
        Blocked,
        Problem(UndoCheck),
    }
    let outcome = db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            let check = accounts::use_email_undo(c, &token, now)?;
            let UndoCheck::Valid(row) = check else {
                return Ok(Outcome::Problem(check));
            };
            let Some(user) = accounts::user_by_id(c, row.user_id)? else {
                return Ok(Outcome::Problem(UndoCheck::Unknown));
            };
            accounts::expire_tokens(c, user.id, TokenPurpose::EmailChange, now)?;
            accounts::expire_tokens(c, user.id, TokenPurpose::Reset, now)?;
            accounts::delete_user_sessions(c, user.id, None)?;
            if user.email == row.old_email {
                return Ok(Outcome::Undone);
            }
            if accounts::email_in_use(c, &row.old_email)?.is_some() {
                return Ok(Outcome::Blocked);
            }
            let is_employee = Email::parse(&row.old_email).is_ok_and(|e| e.is_in_domain(&domain));
            diesel::update(users::table.find(user.id))
                .set((
                    users::email.eq(&row.old_email),
                    users::is_employee.eq(is_employee),
                ))
                .execute(c)?;
            Ok(Outcome::Undone)
        })
    })
    .await?;
    let (status, text, ok) = match &outcome {
        Outcome::Undone => (StatusCode::OK, t.email_undone, true),
        Outcome::Blocked => (StatusCode::OK, t.email_undo_blocked, false),
        Outcome::Problem(check) => (
            StatusCode::BAD_REQUEST,
            undo_problem(t, check).unwrap_or(t.link_unknown),
            false,
        ),
    };
    let mut resp = undo_answer(&ctx, status, text, ok);
    if !matches!(outcome, Outcome::Problem(_)) {
        // This browser's session has ended with the others.
        let _ = resp.add_cookie(&session::removal_cookie(&state.settings));
    }
    Ok(resp)
}

fn undo_problem(t: &'static crate::i18n::Texts, check: &UndoCheck) -> Option<&'static str> {
    match check {
        UndoCheck::Valid(_) => None,
        UndoCheck::Used => Some(t.link_used),
        UndoCheck::Expired => Some(t.link_expired),
        UndoCheck::Unknown => Some(t.link_unknown),
    }
}

fn undo_answer(ctx: &Ctx, status: StatusCode, text: &str, ok: bool) -> HttpResponse {
    let t = ctx.t();
    let body = html! {
        @if ok { (notice(text)) } @else { (notice_error(text)) }
        p { a href="/login" { (t.login_title) } }
    };
    respond(status, page(ctx, None, t.email_undo_title, body))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    ctx: Ctx,
    state: Data,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let t = ctx.t();
    let form = form.into_inner();
    let mut v = SettingsView::of(me);
    let new = Password::parse(&form.new_password)
        .map_err(|e| v.errors.new_password = Some(password_error(t, e)))
        .ok();
    let ok = match current_password(&state, me, form.current_password).await? {
        password::Current::Right => true,
        password::Current::Wrong => {
            v.errors.current_password = Some(t.err_current_password);
            false
        }
        password::Current::Locked => {
            v.errors.current_password = Some(t.login_locked);
            false
        }
    };
    let (Some(new), true) = (new, ok) else {
        return Ok(invalid(&ctx, me, &v));
    };
    let hash = password::hash(&state, SecretString::from(new.expose().to_string())).await?;
    let user = me.user.clone();
    let keep = me.session_hash.clone();
    let lang = ctx.lang;
    db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            diesel::update(users::table.find(user.id))
                .set(users::password_hash.eq(&hash))
                .execute(c)?;
            accounts::delete_user_sessions(c, user.id, Some(&keep))?;
            notify::queue_email(
                c,
                Some(user.id),
                &user.email,
                "password_changed",
                messages::password_changed(lang, &user.name),
                clock::now(),
            )?;
            Ok(())
        })
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/settings?m=password_changed"))
}

/// Everything kept about the user, as JSON (the queries are in `db::export`).
pub async fn export(ctx: Ctx, state: Data) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let user = me.user.clone();
    let data = db::run(&state.pool, move |c| {
        Ok(crate::db::export::personal_data(c, &user)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"parkportal-mina-uppgifter.json\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string_pretty(&data).map_err(anyhow::Error::from)?))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    delete_password: String,
}

/// Erases personal data; the row stays (pseudonymised) so bookkeeping records keep their key.
pub async fn delete_account(
    ctx: Ctx,
    state: Data,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let error = match current_password(&state, me, form.into_inner().delete_password).await? {
        password::Current::Right => None,
        password::Current::Wrong => Some(ctx.t().err_current_password),
        password::Current::Locked => Some(ctx.t().login_locked),
    };
    if let Some(error) = error {
        let mut v = SettingsView::of(me);
        v.errors.delete_password = Some(error);
        return Ok(invalid(&ctx, me, &v));
    }
    let id = me.user.id;
    db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            diesel::update(users::table.find(id))
                .set((
                    users::email.eq(format!("deleted-{id}@deleted.invalid")),
                    users::name.eq(""),
                    users::mobile.eq(""),
                    users::password_hash.eq("!"),
                    users::swish_number.eq(None::<String>),
                    users::preferred_payment.eq(None::<String>),
                    users::notify_email.eq(false),
                    users::notify_sms.eq(false),
                    users::deleted_at.eq(now),
                ))
                .execute(c)?;
            diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(c)?;
            diesel::delete(account_tokens::table.filter(account_tokens::user_id.eq(id)))
                .execute(c)?;
            accounts::delete_email_undos(c, id)?;
            diesel::delete(notifications::table.filter(notifications::user_id.eq(id)))
                .execute(c)?;
            Ok(())
        })
    })
    .await?;
    tracing::info!(user = id, "account deleted");
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal_cookie(&state.settings))
        .insert_header((header::LOCATION, "/login?m=deleted"))
        .finish())
}

// ---- payment settings ----

fn payment_body(
    ctx: &Ctx,
    me: &SessionUser,
    method: &str,
    swish: &str,
    error: Option<&str>,
    flash: Option<&str>,
) -> Markup {
    let t = ctx.t();
    html! {
        @if let Some(f) = flash { (notice(f)) }
        (error_summary(t, error.is_some()))
        p { (t.pay_settings_intro) }
        form method="post" action="/settings/payment" novalidate {
            (csrf(&me.csrf_token))
            fieldset {
                legend { (t.preferred_method) }
                // Only the methods this portal offers.
                @if ctx.services.swish.offered() {
                    div.check {
                        input #method-swish type="radio" name="method" value="swish" checked[method == "swish"];
                        label for="method-swish" { (t.method_swish) }
                    }
                }
                @if ctx.services.card.offered() {
                    div.check {
                        input #method-card type="radio" name="method" value="card" checked[method == "card"];
                        label for="method-card" { (t.method_card) }
                    }
                }
            }
            (input(Field::new("swish_number", t.swish_number, "tel").value(swish).error(error).autocomplete("tel").optional()))
            button type="submit" { (t.save) }
        }
    }
}

pub async fn payment_settings(
    ctx: Ctx,
    query: web::Query<FlashQuery>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let t = ctx.t();
    let flash = query.m.as_deref().and_then(|k| flash_text(t, k));
    let swish = me
        .user
        .swish_number
        .as_deref()
        .and_then(|n| MobileNumber::parse(n).ok())
        .map(|m| m.national())
        .unwrap_or_default();
    let method = me.user.preferred_payment.clone().unwrap_or_default();
    Ok(respond(
        StatusCode::OK,
        page(
            &ctx,
            Some(&frame(me)),
            t.pay_settings_title,
            payment_body(&ctx, me, &method, &swish, None, flash),
        ),
    ))
}

#[derive(Deserialize)]
pub struct PaymentSettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    swish_number: String,
}

pub async fn save_payment_settings(
    ctx: Ctx,
    state: Data,
    form: web::Form<PaymentSettingsForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let t = ctx.t();
    // A method that is not offered is no preference.
    let method = match form.method.as_str() {
        "swish" if ctx.services.swish.offered() => Some("swish"),
        "card" if ctx.services.card.offered() => Some("card"),
        _ => None,
    };
    let swish = if form.swish_number.trim().is_empty() {
        Ok(None)
    } else {
        MobileNumber::parse(&form.swish_number).map(Some)
    };
    let Ok(swish) = swish else {
        let typed: String = form.swish_number.chars().take(40).collect();
        return Ok(respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                &ctx,
                Some(&frame(me)),
                t.pay_settings_title,
                payment_body(
                    &ctx,
                    me,
                    method.unwrap_or(""),
                    &typed,
                    Some(t.err_swish_number),
                    None,
                ),
            ),
        ));
    };
    let id = me.user.id;
    db::run(&state.pool, move |c| {
        diesel::update(users::table.find(id))
            .set((
                users::preferred_payment.eq(method),
                users::swish_number.eq(swish.as_ref().map(|m| m.e164().to_string())),
            ))
            .execute(c)?;
        Ok(())
    })
    .await?;
    Ok(see_other("/settings/payment?m=saved"))
}
