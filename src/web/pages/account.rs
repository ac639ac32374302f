//! The guide's first sections: register, confirm by e-mail, log in and out, forgotten password.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use crate::auth::{self, password, session};
use crate::clock;
use crate::db::{self, accounts, accounts::TokenCheck, accounts::TokenPurpose};
use crate::domain::email::EmailError;
use crate::domain::mobile::MobileNumber;
use crate::domain::name::NameError;
use crate::domain::password::PasswordError;
use crate::domain::token::new_token;
use crate::domain::{Email, Name, Password};
use crate::notify::{self, messages};
use crate::state::AppState;
use crate::web::ctx::{Ctx, safe_next};
use crate::web::error::AppError;
use crate::web::forms::{Field, error_summary, input, notice, notice_error};
use crate::web::i18n::{Lang, Texts};
use crate::web::layout::page;
use crate::web::respond::{html as html_page, see_other};

pub const CONFIRM_VALID: Duration = Duration::hours(24);
pub const RESET_VALID: Duration = Duration::hours(1);
/// E-mails about the account (confirm, reset, "already registered") per address and hour;
/// beyond it requests get the same answer and no e-mail.
pub const MAILS_PER_ADDRESS_PER_HOUR: i64 = 3;
/// Valid registrations per client address and hour (a hospital's staff may share one
/// address, so this is not tiny).
pub const REGISTRATIONS_PER_CLIENT_PER_HOUR: i64 = 30;
/// Requests for a reset or a new confirmation link per client address and hour.
pub const LINK_REQUESTS_PER_CLIENT_PER_HOUR: i64 = 30;

/// Reserves one account e-mail to `email` in this hour's count (inside the caller's
/// transaction); false when the address has had its share.
fn mail_allowed(
    c: &mut db::DbConnection,
    email: &str,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<bool> {
    db::limits::hit(
        c,
        &format!("mail:{email}"),
        Duration::hours(1),
        MAILS_PER_ADDRESS_PER_HOUR,
        now,
    )
    .map(|l| l.is_allowed())
}

type Data = web::Data<AppState>;

pub fn email_error(t: &Texts, e: EmailError) -> &'static str {
    match e {
        EmailError::Empty => t.err_email_empty,
        EmailError::TooLong | EmailError::Invalid => t.err_email_invalid,
    }
}

pub fn password_error(t: &Texts, e: PasswordError) -> &'static str {
    match e {
        PasswordError::TooShort => t.err_password_short,
        PasswordError::TooLong => t.err_password_long,
        PasswordError::NoUpper => t.err_password_upper,
        PasswordError::NoLower => t.err_password_lower,
        PasswordError::NoDigit => t.err_password_digit,
        PasswordError::NoSpecial => t.err_password_special,
        PasswordError::TooCommon => t.err_password_common,
    }
}

pub fn name_error(t: &Texts, e: NameError) -> &'static str {
    match e {
        NameError::Empty => t.err_name_empty,
        NameError::TooLong => t.err_name_long,
        NameError::Invalid => t.err_name_invalid,
    }
}

/// Short messages carried in a redirect (`?m=key`); only known keys are shown.
pub fn flash_text(t: &Texts, key: &str) -> Option<&'static str> {
    Some(match key {
        "logged_out" => t.logged_out,
        "saved" => t.saved,
        "email_sent" => t.email_change_sent,
        "email_changed" => t.email_changed,
        "password_changed" => t.password_changed,
        "deleted" => t.deleted,
        "login" => t.login_to_continue,
        _ => return None,
    })
}

// ---- login ----

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    m: Option<String>,
}

#[derive(Default)]
struct LoginView<'a> {
    email: &'a str,
    next: &'a str,
    error: Option<Markup>,
    info: Option<&'a str>,
}

fn login_body(ctx: &Ctx, v: LoginView) -> Markup {
    let t = ctx.t();
    html! {
        @if let Some(info) = v.info { (notice(info)) }
        @if let Some(e) = v.error { (e) }
        p { (t.login_intro) }
        form method="post" action="/login" {
            input type="hidden" name="next" value=(v.next);
            (input(Field::new("email", t.email, "email").value(v.email).autocomplete("username")))
            (input(Field::new("password", t.password, "password").autocomplete("current-password")))
            button type="submit" { (t.login_button) }
        }
        ul.links {
            li { a href="/register" { (t.register_link) } }
            li { a href="/forgot-password" { (t.forgot_link) } }
        }
    }
}

pub fn login_page_markup(ctx: &Ctx, next: &str, info: Option<&str>) -> Markup {
    page(
        ctx,
        None,
        ctx.t().login_title,
        login_body(
            ctx,
            LoginView {
                next,
                info,
                ..Default::default()
            },
        ),
    )
}

pub async fn login_page(ctx: Ctx, query: web::Query<LoginQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    if ctx.user.is_some() {
        return see_other(&next);
    }
    let t = ctx.t();
    let info = query
        .m
        .as_deref()
        .and_then(|k| flash_text(t, k))
        .or(query.next.as_ref().map(|_| t.login_to_continue));
    html_page(
        actix_web::http::StatusCode::OK,
        login_page_markup(&ctx, &next, info),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    req: HttpRequest,
    ctx: Ctx,
    state: Data,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let form = form.into_inner();
    let next = safe_next(Some(&form.next));
    let typed_email: String = form.email.chars().take(254).collect();
    let fail = |status, error: Markup| {
        html_page(
            status,
            page(
                &ctx,
                None,
                t.login_title,
                login_body(
                    &ctx,
                    LoginView {
                        email: &typed_email,
                        next: &next,
                        error: Some(error),
                        info: None,
                    },
                ),
            ),
        )
    };
    let ip = crate::web::client::client_ip(&req, &state.settings).to_string();
    let email_key = Email::parse(&form.email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| typed_email.to_lowercase());

    // The attempt is reserved before the password is checked, in one atomic statement per
    // limit, so parallel guesses (on any instance) cannot all get past the count. A right
    // password gives its reservation back.
    let window = Duration::minutes(auth::LOGIN_WINDOW_MINUTES);
    let (account_key, ip_key) = (
        format!("login:account:{email_key}"),
        format!("login:ip:{ip}"),
    );
    let (ak, ik, key) = (account_key.clone(), ip_key.clone(), email_key.clone());
    let (allowed, user) = db::run(&state.pool, move |c| {
        let now = clock::now();
        let by_account = db::limits::hit(c, &ak, window, auth::MAX_FAILURES_PER_ACCOUNT, now)?;
        let by_ip = db::limits::hit(c, &ik, window, auth::MAX_FAILURES_PER_IP, now)?;
        Ok((
            by_account.is_allowed() && by_ip.is_allowed(),
            accounts::user_by_email(c, &key)?,
        ))
    })
    .await?;
    if !allowed {
        tracing::warn!(ip = %ip, "login refused: too many failures");
        return Ok(fail(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            notice_error(t.login_locked),
        ));
    }

    let ok = password::verify(
        &state,
        SecretString::from(form.password),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;

    // A wrong password and an unconfirmed account get the same answer (status and text), so
    // logging in does not tell whether an address has an account.
    let refused = || {
        fail(
            actix_web::http::StatusCode::UNAUTHORIZED,
            html! {
                div.notice.error role="alert" {
                    p { (t.login_failed) }
                    p { a href="/confirm/resend" { (t.resend_link) } }
                }
            },
        )
    };
    let Some(user) = user.filter(|u| ok && u.confirmed_at.is_some()) else {
        let (key, ip_) = (email_key, ip);
        db::run(&state.pool, move |c| {
            Ok(accounts::record_login_attempt(
                c,
                &key,
                &ip_,
                false,
                clock::now(),
            )?)
        })
        .await?;
        return Ok(refused());
    };

    let old = session::token_of(&req, &state.settings);
    let token = db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            if let Some(old) = old {
                accounts::delete_session(c, &crate::domain::token::hash_token(&old))?;
            }
            db::limits::undo(c, &account_key, window, now)?;
            db::limits::undo(c, &ip_key, window, now)?;
            accounts::record_login_attempt(c, &email_key, &ip, true, now)?;
            let token = session::start(c, user.id, now)?;
            accounts::cap_sessions(c, user.id, auth::MAX_SESSIONS_PER_ACCOUNT)?;
            Ok(token)
        })
    })
    .await?;
    tracing::info!("login");
    Ok(HttpResponse::SeeOther()
        .cookie(session::session_cookie(&state.settings, token))
        .insert_header((header::LOCATION, next))
        .finish())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    req: HttpRequest,
    ctx: Ctx,
    state: Data,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = &ctx.user {
        user.check_csrf(&form.csrf)?;
        session::end(&req, &state).await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal_cookie(&state.settings))
        .insert_header((header::LOCATION, "/login?m=logged_out"))
        .finish())
}

// ---- registration ----

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    name: String,
    terms: Option<String>,
}

#[derive(Default)]
struct RegisterErrors {
    email: Option<&'static str>,
    password: Option<&'static str>,
    mobile: Option<&'static str>,
    name: Option<&'static str>,
    terms: Option<&'static str>,
}

impl RegisterErrors {
    fn any(&self) -> bool {
        self.email.is_some()
            || self.password.is_some()
            || self.mobile.is_some()
            || self.name.is_some()
            || self.terms.is_some()
    }
}

fn register_body(ctx: &Ctx, form: &RegisterForm, errors: &RegisterErrors) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, errors.any()))
        p { (t.register_intro) }
        form method="post" action="/register" novalidate {
            (input(Field::new("email", t.email, "email").value(&form.email).error(errors.email).autocomplete("email")))
            (input(Field::new("password", t.password, "password").error(errors.password).autocomplete("new-password").hint(t.password_rule)))
            (input(Field::new("mobile", t.mobile, "tel").value(&form.mobile).error(errors.mobile).autocomplete("tel")))
            (input(Field::new("name", t.name, "text").value(&form.name).error(errors.name).autocomplete("name")))
            div.check {
                input #terms type="checkbox" name="terms" value="yes" checked[form.terms.is_some()]
                    aria-invalid=[errors.terms.map(|_| "true")]
                    aria-describedby=[errors.terms.map(|_| "terms-error")];
                label for="terms" { (t.terms_accept_before) a href="/villkor" target="_blank" { (t.terms_accept_link) } }
            }
            @if let Some(e) = errors.terms { p.field-error #terms-error { (e) } }
            button type="submit" { (t.register_button) }
        }
        p { a href="/login" { (t.login_title) } }
    }
}

pub async fn register_page(ctx: Ctx) -> HttpResponse {
    if ctx.user.is_some() {
        return see_other("/");
    }
    html_page(
        actix_web::http::StatusCode::OK,
        page(
            &ctx,
            None,
            ctx.t().register_title,
            register_body(&ctx, &RegisterForm::default(), &RegisterErrors::default()),
        ),
    )
}

pub async fn register(
    req: HttpRequest,
    ctx: Ctx,
    state: Data,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let mut form = form.into_inner();
    let mut errors = RegisterErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.email = Some(email_error(t, e)))
        .ok();
    let password = Password::parse(&form.password)
        .map_err(|e| errors.password = Some(password_error(t, e)))
        .ok();
    let mobile = MobileNumber::parse(&form.mobile)
        .map_err(|_| errors.mobile = Some(t.err_mobile))
        .ok();
    let name = Name::parse(&form.name)
        .map_err(|e| errors.name = Some(name_error(t, e)))
        .ok();
    if form.terms.is_none() {
        errors.terms = Some(t.err_terms);
    }
    let (Some(email), Some(password), Some(mobile), Some(name), None) =
        (email, password, mobile, name, errors.terms)
    else {
        form.password.clear();
        // Keep what was typed, bounded so a huge field is not echoed back.
        for f in [&mut form.email, &mut form.mobile, &mut form.name] {
            *f = f.chars().take(254).collect();
        }
        return Ok(html_page(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(
                &ctx,
                None,
                t.register_title,
                register_body(&ctx, &form, &errors),
            ),
        ));
    };

    // Valid registrations are limited per client address; over the limit the form comes
    // back (429) with what was typed.
    let refuse = |status, retry_after: Option<Duration>, mut form: RegisterForm| {
        form.password.clear();
        too_many(
            status,
            retry_after,
            page(
                &ctx,
                None,
                t.register_title,
                html! {
                    (notice_error(t.too_many_requests))
                    (register_body(&ctx, &form, &RegisterErrors::default()))
                },
            ),
        )
    };
    let ip = crate::web::client::client_ip(&req, &state.settings).to_string();
    let by_ip = db::run(&state.pool, move |c| {
        Ok(db::limits::hit(
            c,
            &format!("register:ip:{ip}"),
            Duration::hours(1),
            REGISTRATIONS_PER_CLIENT_PER_HOUR,
            clock::now(),
        )?)
    })
    .await?;
    if let db::limits::Limit::Refused { retry_after } = by_ip {
        return Ok(refuse(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            Some(retry_after),
            form,
        ));
    }

    // Every valid registration is hashed before the answer, whether or not the address has
    // an account, so the answer and its timing do not tell; the hashing has its own budget,
    // apart from logins'. Then the account, its link and the e-mail are written in one
    // transaction: nothing is left to do after the answer but deliver the e-mail from the
    // outbox (which survives a restart).
    let Some(hash) =
        password::hash_signup(&state, SecretString::from(password.expose().to_string())).await?
    else {
        return Ok(refuse(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            Some(Duration::seconds(30)),
            form,
        ));
    };
    let registration = accounts::Registration {
        password_hash: hash,
        name: name.as_str().to_string(),
        mobile: mobile.e164().to_string(),
        language: ctx.lang.code().to_string(),
    };
    let base = state.link("");
    let is_employee = email.is_in_domain(&state.settings.employee_email_domain);
    let lang = ctx.lang;
    db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            if !mail_allowed(c, email.as_str(), now)? {
                return Ok(());
            }
            match accounts::user_by_email(c, email.as_str())? {
                Some(existing) if existing.confirmed_at.is_some() => {
                    let lang = Lang::parse(&existing.language).unwrap_or(lang);
                    let message = messages::already_registered(
                        lang,
                        &existing.name,
                        &format!("{base}/login"),
                        &format!("{base}/forgot-password"),
                    );
                    notify::queue_email(
                        c,
                        Some(existing.id),
                        &existing.email,
                        "already_registered",
                        message,
                        now,
                    )?;
                }
                // Not confirmed yet: this registration gets a link of its own, and the
                // earlier links stay as they are. Whichever link is used confirms the
                // registration it was sent for.
                Some(existing) => {
                    issue_confirm_link(c, &existing, &registration, &base, now)?;
                }
                None => {
                    let user = accounts::insert_user(
                        c,
                        &accounts::NewUser {
                            email: email.as_str(),
                            password_hash: &registration.password_hash,
                            name: &registration.name,
                            mobile: &registration.mobile,
                            is_employee,
                            role: "customer",
                            language: &registration.language,
                            created_at: now,
                        },
                    )?;
                    issue_confirm_link(c, &user, &registration, &base, now)?;
                }
            }
            Ok(())
        })
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/register/done"))
}

/// A refused request's page (429 or 503) with `Retry-After` in whole seconds.
fn too_many(
    status: actix_web::http::StatusCode,
    retry_after: Option<Duration>,
    body: Markup,
) -> HttpResponse {
    let mut resp = html_page(status, body);
    if let Some(after) = retry_after {
        let secs = after.num_seconds().max(1).to_string();
        if let Ok(v) = header::HeaderValue::from_str(&secs) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// A confirmation link bound to one registration, and its e-mail (in the registration's
/// language, greeting the name it gave), inside the caller's transaction. Earlier links
/// are left alone.
fn issue_confirm_link(
    c: &mut db::DbConnection,
    user: &accounts::UserRow,
    reg: &accounts::Registration,
    base_url: &str,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<()> {
    let token = new_token();
    let url = format!("{base_url}{}?token={token}", CONFIRM_LINK.path);
    let lang = Lang::parse(&reg.language).unwrap_or(Lang::Sv);
    accounts::insert_token(
        c,
        &token,
        user.id,
        TokenPurpose::Confirm,
        None,
        now,
        CONFIRM_VALID,
    )?;
    accounts::bind_registration(c, &token, reg)?;
    notify::queue_email(
        c,
        Some(user.id),
        &user.email,
        CONFIRM_LINK.kind,
        (CONFIRM_LINK.message)(lang, &reg.name, &url),
        now,
    )
}

pub async fn register_done(ctx: Ctx) -> Markup {
    let t = ctx.t();
    page(
        &ctx,
        None,
        t.register_done_title,
        html! {
            (notice(t.register_done_body))
            p { a href="/login" { (t.login_title) } }
        },
    )
}

// ---- confirmation link ----

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn link_problem(ctx: &Ctx, text: &str, again: (&str, &str)) -> HttpResponse {
    let t = ctx.t();
    html_page(
        actix_web::http::StatusCode::BAD_REQUEST,
        page(
            ctx,
            None,
            t.link_invalid_title,
            html! {
                (notice_error(text))
                p { a href=(again.0) { (again.1) } }
            },
        ),
    )
}

pub async fn confirm(
    ctx: Ctx,
    state: Data,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let token = query.into_inner().token;
    let check = db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            let check = accounts::use_token(c, &token, TokenPurpose::Confirm, now)?;
            let confirmed_before = match &check {
                TokenCheck::Valid(row) => {
                    // The registration this link was sent for is the one confirmed; the
                    // other registrations' links stop working.
                    let reg = row.registration();
                    let now_confirmed =
                        accounts::confirm_registration(c, row.user_id, reg.as_ref(), now)?;
                    accounts::expire_tokens(c, row.user_id, TokenPurpose::Confirm, now)?;
                    !now_confirmed
                }
                TokenCheck::Used(row) => {
                    accounts::user_by_id(c, row.user_id)?.is_some_and(|u| u.confirmed_at.is_some())
                }
                _ => false,
            };
            Ok((check, confirmed_before))
        })
    })
    .await?;
    let resend = ("/confirm/resend", t.resend_link);
    Ok(match check {
        (TokenCheck::Valid(_), false) => html_page(
            actix_web::http::StatusCode::OK,
            page(
                &ctx,
                None,
                t.confirm_ok_title,
                login_body(
                    &ctx,
                    LoginView {
                        info: Some(t.confirm_ok_body),
                        next: "/",
                        ..Default::default()
                    },
                ),
            ),
        ),
        (TokenCheck::Valid(_), true) | (TokenCheck::Used(_), true) => html_page(
            actix_web::http::StatusCode::OK,
            page(
                &ctx,
                None,
                t.confirm_ok_title,
                login_body(
                    &ctx,
                    LoginView {
                        info: Some(t.already_confirmed),
                        next: "/",
                        ..Default::default()
                    },
                ),
            ),
        ),
        (TokenCheck::Used(_), false) => link_problem(&ctx, t.link_used, resend),
        (TokenCheck::Expired, _) => link_problem(&ctx, t.link_expired, resend),
        (TokenCheck::Unknown, _) => link_problem(&ctx, t.link_unknown, resend),
    })
}

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// A page with one field, "E-postadress": asking for a new confirmation link, or for a
/// reset link.
struct EmailOnly {
    action: &'static str,
    title: fn(&Texts) -> &'static str,
    intro: fn(&Texts) -> Option<&'static str>,
    button: fn(&Texts) -> &'static str,
}

const RESEND_PAGE: EmailOnly = EmailOnly {
    action: "/confirm/resend",
    title: |t| t.resend_title,
    intro: |_| None,
    button: |t| t.resend_button,
};

const FORGOT_PAGE: EmailOnly = EmailOnly {
    action: "/forgot-password",
    title: |t| t.forgot_title,
    intro: |t| Some(t.forgot_intro),
    button: |t| t.forgot_button,
};

fn email_only_page(ctx: &Ctx, which: &EmailOnly, value: &str, error: Option<&str>) -> Markup {
    let t = ctx.t();
    let body = html! {
        @if let Some(i) = (which.intro)(t) { p { (i) } }
        form method="post" action=(which.action) novalidate {
            (input(Field::new("email", t.email, "email").value(value).error(error).autocomplete("email")))
            button type="submit" { ((which.button)(t)) }
        }
        p { a href="/login" { (t.login_title) } }
    };
    page(ctx, None, (which.title)(t), body)
}

/// The address of an e-mail-only form, or the form again (422) with the reason and what was
/// typed.
fn parse_email_form(ctx: &Ctx, which: &EmailOnly, raw: &str) -> Result<Email, Box<HttpResponse>> {
    Email::parse(raw).map_err(|e| {
        let typed: String = raw.chars().take(254).collect();
        Box::new(html_page(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            email_only_page(ctx, which, &typed, Some(email_error(ctx.t(), e))),
        ))
    })
}

pub async fn resend_page(ctx: Ctx) -> Markup {
    email_only_page(&ctx, &RESEND_PAGE, "", None)
}

pub async fn resend(
    req: HttpRequest,
    ctx: Ctx,
    state: Data,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let email = match parse_email_form(&ctx, &RESEND_PAGE, &form.email) {
        Ok(e) => e,
        Err(page) => return Ok(*page),
    };
    if let db::limits::Limit::Refused { retry_after } =
        request_link(&req, &state, email, ctx.lang, CONFIRM_LINK).await?
    {
        return Ok(link_refused(&ctx, &RESEND_PAGE, &form.email, retry_after));
    }
    Ok(html_page(
        actix_web::http::StatusCode::OK,
        page(
            &ctx,
            None,
            t.resend_title,
            html! {
                (notice(t.resend_done))
                p { a href="/login" { (t.login_title) } }
            },
        ),
    ))
}

/// The e-mail form again (429) when its client address has asked too often.
fn link_refused(ctx: &Ctx, which: &EmailOnly, typed: &str, retry_after: Duration) -> HttpResponse {
    let typed: String = typed.chars().take(254).collect();
    too_many(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        Some(retry_after),
        email_only_page(ctx, which, &typed, Some(ctx.t().too_many_requests)),
    )
}

/// A single-use link sent by e-mail: what it is for, how long it works, where it leads.
pub struct LinkMail {
    pub purpose: TokenPurpose,
    pub valid: Duration,
    pub path: &'static str,
    pub kind: &'static str,
    pub message: fn(Lang, &str, &str) -> messages::Message,
}

const CONFIRM_LINK: LinkMail = LinkMail {
    purpose: TokenPurpose::Confirm,
    valid: CONFIRM_VALID,
    path: "/confirm",
    kind: "confirm_account",
    message: messages::confirm_account,
};

const RESET_LINK: LinkMail = LinkMail {
    purpose: TokenPurpose::Reset,
    valid: RESET_VALID,
    path: "/reset-password",
    kind: "password_reset",
    message: messages::password_reset,
};

/// Replaces the user's earlier links of this kind with a new one and queues the e-mail,
/// inside the caller's transaction.
fn issue_link(
    c: &mut db::DbConnection,
    user: &accounts::UserRow,
    link: &LinkMail,
    base_url: &str,
    lang: Lang,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<()> {
    let token = new_token();
    let url = format!("{base_url}{}?token={token}", link.path);
    let lang = Lang::parse(&user.language).unwrap_or(lang);
    accounts::expire_tokens(c, user.id, link.purpose, now)?;
    accounts::insert_token(c, &token, user.id, link.purpose, None, now, link.valid)?;
    notify::queue_email(
        c,
        Some(user.id),
        &user.email,
        link.kind,
        (link.message)(lang, &user.name, &url),
        now,
    )
}

/// Asks for a link by e-mail (a reset, or a new confirmation link): counted per client
/// address (false when over the limit: nothing is done), then, in one transaction, if the
/// address has an account (an unconfirmed one, for a confirmation link) and has not had its
/// e-mails this hour, a link is written and its e-mail queued. The answer is the same either
/// way; nothing is left to run after it.
async fn request_link(
    req: &HttpRequest,
    state: &Data,
    email: Email,
    lang: Lang,
    link: LinkMail,
) -> Result<db::limits::Limit, AppError> {
    let base = state.link("");
    let ip = crate::web::client::client_ip(req, &state.settings).to_string();
    let (limit, sent) = db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            let limit = db::limits::hit(
                c,
                &format!("links:ip:{ip}"),
                Duration::hours(1),
                LINK_REQUESTS_PER_CLIENT_PER_HOUR,
                now,
            )?;
            if !limit.is_allowed() {
                return Ok((limit, false));
            }
            let Some(user) = accounts::user_by_email(c, email.as_str())? else {
                return Ok((limit, false));
            };
            if link.purpose == TokenPurpose::Confirm && user.confirmed_at.is_some() {
                return Ok((limit, false));
            }
            if !mail_allowed(c, &user.email, now)? {
                return Ok((limit, false));
            }
            // A new confirmation link carries the newest registration's details.
            match (link.purpose, accounts::newest_registration(c, user.id)?) {
                (TokenPurpose::Confirm, Some(reg)) => {
                    issue_confirm_link(c, &user, &reg, &base, now)?
                }
                _ => issue_link(c, &user, &link, &base, lang, now)?,
            }
            Ok((limit, true))
        })
    })
    .await?;
    if sent {
        state.wake_mailbox();
    }
    Ok(limit)
}

// ---- forgotten password ----

pub async fn forgot_page(ctx: Ctx) -> Markup {
    email_only_page(&ctx, &FORGOT_PAGE, "", None)
}

pub async fn forgot(
    req: HttpRequest,
    ctx: Ctx,
    state: Data,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let email = match parse_email_form(&ctx, &FORGOT_PAGE, &form.email) {
        Ok(e) => e,
        Err(page) => return Ok(*page),
    };
    // The same answer whether or not the address has an account.
    if let db::limits::Limit::Refused { retry_after } =
        request_link(&req, &state, email, ctx.lang, RESET_LINK).await?
    {
        return Ok(link_refused(&ctx, &FORGOT_PAGE, &form.email, retry_after));
    }
    Ok(see_other("/forgot-password/sent"))
}

pub async fn forgot_sent(ctx: Ctx) -> Markup {
    let t = ctx.t();
    page(
        &ctx,
        None,
        t.forgot_title,
        html! {
            (notice(t.forgot_done))
            p { a href="/login" { (t.login_title) } }
        },
    )
}

fn reset_form(ctx: &Ctx, token: &str, error: Option<&str>) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, error.is_some()))
        form method="post" action="/reset-password" novalidate {
            input type="hidden" name="token" value=(token);
            (input(Field::new("password", t.new_password, "password").error(error).autocomplete("new-password").hint(t.password_rule)))
            button type="submit" { (t.reset_button) }
        }
    }
}

fn token_problem(ctx: &Ctx, check: &TokenCheck) -> HttpResponse {
    let t = ctx.t();
    let again = ("/forgot-password", t.forgot_title);
    match check {
        TokenCheck::Expired => link_problem(ctx, t.link_expired, again),
        TokenCheck::Used(_) => link_problem(ctx, t.link_used, again),
        _ => link_problem(ctx, t.link_unknown, again),
    }
}

pub async fn reset_page(
    ctx: Ctx,
    state: Data,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.into_inner().token;
    let probe = token.clone();
    let check = db::run(&state.pool, move |c| {
        Ok(accounts::peek_token(
            c,
            &probe,
            TokenPurpose::Reset,
            clock::now(),
        )?)
    })
    .await?;
    if !matches!(check, TokenCheck::Valid(_)) {
        return Ok(token_problem(&ctx, &check));
    }
    Ok(html_page(
        actix_web::http::StatusCode::OK,
        page(
            &ctx,
            None,
            ctx.t().reset_title,
            reset_form(&ctx, &token, None),
        ),
    ))
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

pub async fn reset(
    ctx: Ctx,
    state: Data,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let t = ctx.t();
    let ResetForm {
        token,
        password: raw,
    } = form.into_inner();
    let token: String = token.chars().take(128).collect();
    let password = match Password::parse(&raw) {
        Ok(p) => p,
        Err(e) => {
            return Ok(html_page(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                page(
                    &ctx,
                    None,
                    t.reset_title,
                    reset_form(&ctx, &token, Some(password_error(t, e))),
                ),
            ));
        }
    };
    // A link that cannot work costs no hash.
    let peek = token.clone();
    let before = db::run(&state.pool, move |c| {
        Ok(accounts::peek_token(
            c,
            &peek,
            TokenPurpose::Reset,
            clock::now(),
        )?)
    })
    .await?;
    if !matches!(before, TokenCheck::Valid(_)) {
        return Ok(token_problem(&ctx, &before));
    }
    let Some(hash) =
        password::hash_signup(&state, SecretString::from(password.expose().to_string())).await?
    else {
        return Ok(too_many(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            Some(Duration::seconds(30)),
            page(
                &ctx,
                None,
                t.reset_title,
                reset_form(&ctx, &token, Some(t.too_many_requests)),
            ),
        ));
    };
    let check = db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            let check = accounts::use_token(c, &token, TokenPurpose::Reset, now)?;
            if let TokenCheck::Valid(row) = &check {
                use crate::db::schema::users;
                use diesel::prelude::*;
                diesel::update(users::table.find(row.user_id))
                    .set(users::password_hash.eq(&hash))
                    .execute(c)?;
                // Whoever got into the mailbox owns the address: the account counts as confirmed.
                diesel::update(users::table.find(row.user_id))
                    .filter(users::confirmed_at.is_null())
                    .set(users::confirmed_at.eq(now))
                    .execute(c)?;
                accounts::delete_user_sessions(c, row.user_id, None)?;
            }
            Ok(check)
        })
    })
    .await?;
    if !matches!(check, TokenCheck::Valid(_)) {
        return Ok(token_problem(&ctx, &check));
    }
    Ok(html_page(
        actix_web::http::StatusCode::OK,
        page(
            &ctx,
            None,
            t.reset_title,
            login_body(
                &ctx,
                LoginView {
                    info: Some(t.reset_done),
                    next: "/",
                    ..Default::default()
                },
            ),
        ),
    ))
}
