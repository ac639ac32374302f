//! Links asked for by e-mail: a new confirmation link ("Skicka ny länk") and a reset link, on pages with one field, limited per client address and per e-mail address.

use super::*;

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    pub(super) email: String,
}

/// A page with one field, "E-postadress": asking for a new confirmation link, or for a
/// reset link.
pub(super) struct EmailOnly {
    action: &'static str,
    title: fn(&Texts) -> &'static str,
    intro: fn(&Texts) -> Option<&'static str>,
    button: fn(&Texts) -> &'static str,
}

pub(super) const RESEND_PAGE: EmailOnly = EmailOnly {
    action: "/confirm/resend",
    title: |t| t.resend_title,
    intro: |_| None,
    button: |t| t.resend_button,
};

pub(super) const FORGOT_PAGE: EmailOnly = EmailOnly {
    action: "/forgot-password",
    title: |t| t.forgot_title,
    intro: |t| Some(t.forgot_intro),
    button: |t| t.forgot_button,
};

pub(super) fn email_only_page(
    ctx: &Ctx,
    which: &EmailOnly,
    value: &str,
    error: Option<&str>,
) -> Markup {
    let t = ctx.t();
    let body = html! {
        (error_summary(t, &[("email", error)]))
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
pub(super) fn parse_email_form(
    ctx: &Ctx,
    which: &EmailOnly,
    raw: &str,
) -> Result<Email, Box<HttpResponse>> {
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

pub async fn resend(req: HttpRequest, ctx: Ctx, state: Data, form: web::Form<EmailForm>) -> Reply {
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
pub(super) fn link_refused(
    ctx: &Ctx,
    which: &EmailOnly,
    typed: &str,
    retry_after: Duration,
) -> HttpResponse {
    let typed: String = typed.chars().take(254).collect();
    too_many(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        Some(retry_after),
        email_only_page(ctx, which, &typed, Some(ctx.t().too_many_requests)),
    )
}

/// Asks for a link by e-mail (a reset, or a new confirmation link): counted per client
/// address (false when over the limit: nothing is done), then, in one transaction, if the
/// address has an account (an unconfirmed one, for a confirmation link) and has not had its
/// e-mails this hour, a link is written and its e-mail queued. The answer is the same either
/// way; nothing is left to run after it.
pub(super) async fn request_link(
    req: &HttpRequest,
    state: &Data,
    email: Email,
    lang: Lang,
    link: LinkMail,
) -> Result<db::limits::Limit, AppError> {
    let base = state.link("");
    let ip = crate::web::client::client_key(req, &state.settings);
    let per_hour = state.settings.link_requests_per_client_hour;
    let (limit, sent) = db::query(&state.pool, move |c| {
        let client = service::PerClient {
            address: &ip,
            per_hour,
        };
        service::request_link(c, client, &email, lang, &link, &base, clock::now())
    })
    .await?;
    if sent {
        state.wake_mailbox();
    }
    Ok(limit)
}
