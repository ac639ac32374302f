//! A forgotten password: asking for a reset link, and setting a new password with it.

use super::*;

pub async fn forgot_page(ctx: Ctx) -> Markup {
    email_only_page(&ctx, &FORGOT_PAGE, "", None)
}

pub async fn forgot(req: HttpRequest, ctx: Ctx, state: Data, form: web::Form<EmailForm>) -> Reply {
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

pub(super) fn reset_form(ctx: &Ctx, token: &str, error: Option<&str>) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, &[("password", error)]))
        form method="post" action="/reset-password" novalidate {
            input type="hidden" name="token" value=(token);
            (input(Field::new("password", t.new_password, "password").error(error).autocomplete("new-password").hint(t.password_rule).reveal(ctx.lang.flow().show_password)))
            button type="submit" { (t.reset_button) }
        }
    }
}

/// The page for a reset link that cannot be used (unknown, used, expired); `None` when it
/// can. Looks only: using it is [`reset`]'s transaction.
async fn unusable_link(
    ctx: &Ctx,
    state: &Data,
    token: &str,
) -> Result<Option<HttpResponse>, AppError> {
    let token = token.to_string();
    let check = db::query(&state.pool, move |c| {
        accounts::peek_token(c, &token, TokenPurpose::Reset, clock::now())
    })
    .await?;
    Ok((!matches!(check, TokenCheck::Valid(_))).then(|| token_problem(ctx, &check)))
}

pub(super) fn token_problem(ctx: &Ctx, check: &TokenCheck) -> HttpResponse {
    let t = ctx.t();
    let again = ("/forgot-password", t.forgot_title);
    match check {
        TokenCheck::Expired => link_problem(ctx, t.link_expired, again),
        TokenCheck::Used(_) => link_problem(ctx, t.link_used, again),
        _ => link_problem(ctx, t.link_unknown, again),
    }
}

pub async fn reset_page(ctx: Ctx, state: Data, query: web::Query<TokenQuery>) -> Reply {
    let token = query.into_inner().token;
    if let Some(problem) = unusable_link(&ctx, &state, &token).await? {
        return Ok(problem);
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

pub async fn reset(ctx: Ctx, state: Data, form: web::Form<ResetForm>) -> Reply {
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
    if let Some(problem) = unusable_link(&ctx, &state, &token).await? {
        return Ok(problem);
    }
    let Some(hash) = password::hash_signup(
        &state.hashing,
        SecretString::from(password.expose().to_string()),
    )
    .await?
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
    let check = db::query(&state.pool, move |c| {
        service::reset_password(c, &token, &hash, clock::now())
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
