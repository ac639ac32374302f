//! Registration: the form, the per-client limit, hashing on the signup budget, and the account, its confirmation link and e-mail written in one transaction before the answer.

use super::*;

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
pub(super) struct RegisterErrors {
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

pub(super) fn register_body(ctx: &Ctx, form: &RegisterForm, errors: &RegisterErrors) -> Markup {
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

/// A confirmation link bound to one registration, and its e-mail (in the registration's
/// language, greeting the name it gave), inside the caller's transaction. Earlier links
/// are left alone.
pub(super) fn issue_confirm_link(
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
