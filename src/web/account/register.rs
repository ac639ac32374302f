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

pub(super) fn register_body(ctx: &Ctx, form: &RegisterForm, errors: &RegisterErrors) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, &[
            ("email", errors.email),
            ("password", errors.password),
            ("mobile", errors.mobile),
            ("name", errors.name),
            ("terms", errors.terms),
        ]))
        p { (t.register_intro) }
        form method="post" action="/register" novalidate {
            (input(Field::new("email", t.email, "email").value(&form.email).error(errors.email).autocomplete("email")))
            (input(Field::new("password", t.password, "password").error(errors.password).autocomplete("new-password").hint(t.password_rule).reveal(ctx.lang.flow().show_password)))
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
) -> Reply {
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
    let ip = crate::web::client::client_key(&req, &state.settings);
    let per_hour = state.settings.registrations_per_client_hour;
    let by_ip = db::query(&state.pool, move |c| {
        service::registration_from(c, &ip, per_hour, clock::now())
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
    let Some(hash) = password::hash_signup(
        &state.hashing,
        SecretString::from(password.expose().to_string()),
    )
    .await?
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
    let mut to = url::form_urlencoded::Serializer::new(String::new());
    to.append_pair("email", email.as_str());
    db::query(&state.pool, move |c| {
        let signup = service::Signup {
            email: &email,
            registration: &registration,
            is_employee,
            lang,
        };
        service::register(c, &signup, &base, clock::now())
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other(&format!("/register/done?{}", to.finish())))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    email: String,
}

/// "Kontrollera din e-post": names the address the link went to and offers "Skicka igen"
/// (the resend form, limited like it) for a message that does not come (issue #35, 7).
pub async fn register_done(ctx: Ctx, query: web::Query<DoneQuery>) -> Markup {
    let t = ctx.t();
    let f = ctx.lang.flow();
    let email = crate::domain::Email::parse(&query.email).ok();
    page(
        &ctx,
        None,
        t.register_done_title,
        html! {
            @match &email {
                Some(e) => div.notice role="status" {
                    p { (f.mail_sent_to) " " strong.wrap-any { (e.as_str()) } "." }
                    p { (f.mail_sent_then) }
                },
                None => (notice(t.register_done_body)),
            }
            @if let Some(e) = &email {
                p { (f.mail_not_come) }
                form method="post" action="/confirm/resend" {
                    input type="hidden" name="email" value=(e.as_str());
                    button.secondary type="submit" { (f.send_again) }
                }
            }
            p { a href="/login" { (t.login_title) } }
        },
    )
}
