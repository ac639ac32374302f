//! Logging in and out: the login page, the limits on failures (per account and per client address, reserved before the password is checked), the session cookie.

use super::*;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    m: Option<String>,
}

impl LoginQuery {
    /// The key of a notice to show (`?m=`).
    pub fn flash(&self) -> Option<&str> {
        self.m.as_deref()
    }
}

#[derive(Default)]
pub(super) struct LoginView<'a> {
    pub(super) email: &'a str,
    pub(super) next: &'a str,
    pub(super) error: Option<Markup>,
    pub(super) info: Option<&'a str>,
}

pub(super) fn login_body(ctx: &Ctx, v: LoginView) -> Markup {
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
    // Staff logged in with the password alone log in again, with the second factor.
    if ctx.user.as_ref().is_some_and(|u| !u.needs_second_factor()) {
        return see_other(&next);
    }
    let t = ctx.t();
    let info = query
        .m
        .as_deref()
        .and_then(|k| flash_text(t, k))
        .or(query.next.as_ref().map(|_| t.login_to_continue));
    let mut resp = html_page(
        actix_web::http::StatusCode::OK,
        login_page_markup(&ctx, &next, info),
    );
    // Logged out and without a query, the page is the same for everyone who asks in this
    // language: packed once (`compress::SharedPage`).
    if query.next.is_none() && query.m.is_none() {
        resp.extensions_mut()
            .insert(crate::web::compress::SharedPage);
    }
    resp
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

pub async fn login(req: HttpRequest, ctx: Ctx, state: Data, form: web::Form<LoginForm>) -> Reply {
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
    let ip = crate::web::client::client_key(&req, &state.settings);
    let email_key = Email::parse(&form.email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| typed_email.to_lowercase());

    // The attempt is reserved before the password is checked, in one atomic statement per
    // limit, so parallel guesses (on any instance) cannot all get past the count. A right
    // password gives its reservations back. Which limits: `auth::login_limits`.
    let (key, addr) = (email_key.clone(), ip.clone());
    let per_address = state.settings.login_failures_per_client;
    let (limits, retry_after, user) = db::query(&state.pool, move |c| {
        let now = clock::now();
        let since = now - Duration::days(auth::KNOWN_ADDRESS_DAYS);
        let known = accounts::logged_in_from(c, &key, &addr, since)?;
        let limits = auth::login_limits(&key, &addr, known, per_address);
        let mut retry_after = None;
        for l in &limits {
            if let db::limits::Limit::Refused { retry_after: r } =
                db::limits::hit(c, &l.key, l.window, l.max, now)?
            {
                retry_after = retry_after.max(Some(r));
            }
        }
        Ok((
            limits,
            retry_after,
            accounts::user_with_password_by_email(c, &key)?,
        ))
    })
    .await?;
    if let Some(after) = retry_after {
        tracing::warn!(ip = %ip, "login refused: too many failures");
        let mut resp = fail(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            error_summary(t, &[("email", Some(t.login_locked))]),
        );
        let secs = after.num_seconds().max(1).to_string();
        if let Ok(v) = header::HeaderValue::from_str(&secs) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(resp);
    }

    let (user, hash) = user.unzip();
    let Some(ok) =
        password::verify_login(&state.hashing, SecretString::from(form.password), hash).await?
    else {
        // Too many logins hashing at once: a moment later, with what was typed kept. The
        // reservations stand (a flood spends its own guesses).
        tracing::warn!("login: no hashing permit in time");
        let mut resp = fail(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            error_summary(t, &[("email", Some(t.busy_body))]),
        );
        resp.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return Ok(resp);
    };

    // A wrong password and an unconfirmed account get the same answer (status and text), so
    // logging in does not tell whether an address has an account.
    let refused = || {
        fail(
            actix_web::http::StatusCode::UNAUTHORIZED,
            html! {
                (error_summary(t, &[("email", Some(t.login_failed))]))
                p { a href="/confirm/resend" { (t.resend_link) } }
            },
        )
    };
    let Some(user) = user.filter(|u| ok && u.confirmed_at.is_some()) else {
        let (key, ip_) = (email_key, ip);
        db::query(&state.pool, move |c| {
            accounts::record_login_attempt(c, &key, &ip_, false, clock::now())
        })
        .await?;
        return Ok(refused());
    };

    let old = session::token_of(&req, &state.settings);
    let to = next.clone();
    let (second_factor, token) = db::query(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            if let Some(old) = old {
                accounts::delete_session(c, &crate::domain::token::hash_token(&old))?;
            }
            for l in &limits {
                db::limits::undo(c, &l.key, l.window, now)?;
            }
            // Staff (and customers who turned it on): no session yet, the code first. The
            // login counts as made (and the address as known) only once the code is right.
            if super::mfa::needs_second_factor(c, &user)? {
                return Ok((true, super::mfa::open_challenge(c, user.id, &to, now)?));
            }
            accounts::record_login_attempt(c, &email_key, &ip, true, now)?;
            let token = session::start(c, user.id, false, now)?;
            accounts::cap_sessions(c, user.id, auth::MAX_SESSIONS_PER_ACCOUNT)?;
            Ok((false, token))
        })
    })
    .await?;
    if second_factor {
        tracing::info!("login: password right, second factor asked");
        return Ok(super::mfa::to_challenge(&state.settings, token));
    }
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

pub async fn logout(req: HttpRequest, ctx: Ctx, state: Data, form: web::Form<CsrfForm>) -> Reply {
    if let Some(user) = &ctx.user {
        user.check_csrf(&form.csrf)?;
        session::end(&req, &state.pool, &state.settings).await?;
    }
    // The browser forgets what the session showed (issue #34, 14): its cache and its storage
    // (htmx keeps none, but an older tab's script might have).
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal_cookie(&state.settings))
        .insert_header(("Clear-Site-Data", "\"cache\", \"storage\""))
        .insert_header((header::LOCATION, "/login?m=logged_out"))
        .finish())
}
