//! The confirmation link: it confirms the registration it was sent for.

use super::*;

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub(super) token: String,
}

pub(super) fn link_problem(ctx: &Ctx, text: &str, again: (&str, &str)) -> HttpResponse {
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

pub async fn confirm(ctx: Ctx, state: Data, query: web::Query<TokenQuery>) -> Reply {
    let t = ctx.t();
    let token = query.into_inner().token;
    let done = db::query(&state.pool, move |c| {
        service::confirm(c, &token, clock::now())
    })
    .await?;
    let check = (done.check, done.already);
    let resend = ("/confirm/resend", t.resend_link);
    // Confirmed (now or before): the login form, with a note saying which.
    let login_with = |info| {
        let view = LoginView {
            info: Some(info),
            next: "/",
            ..Default::default()
        };
        html_page(
            actix_web::http::StatusCode::OK,
            page(&ctx, None, t.confirm_ok_title, login_body(&ctx, view)),
        )
    };
    Ok(match check {
        (TokenCheck::Valid(_), false) => login_with(t.confirm_ok_body),
        (TokenCheck::Valid(_), true) | (TokenCheck::Used(_), true) => {
            login_with(t.already_confirmed)
        }
        (TokenCheck::Used(_), false) => link_problem(&ctx, t.link_used, resend),
        (TokenCheck::Expired, _) => link_problem(&ctx, t.link_expired, resend),
        (TokenCheck::Unknown, _) => link_problem(&ctx, t.link_unknown, resend),
    })
}
