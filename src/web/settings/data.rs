//! "Ladda ner mina uppgifter" (everything kept about the user) and "Ta bort mitt konto".

use super::*;
use crate::web::ctx::UserCtx;
use crate::web::forms::CsrfForm;

/// Everything kept about the user, as JSON (the queries are in `db::export`).
pub async fn export(UserCtx { ref me, .. }: UserCtx, state: Data) -> Reply {
    let user = me.user.clone();
    let data = db::query(&state.pool, move |c| {
        crate::db::export::personal_data(c, &user)
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteForm {
    pub(super) delete_password: String,
}

/// Erases personal data; the row stays (pseudonymised) so bookkeeping records keep their key.
pub async fn delete_account(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<DeleteForm>,
) -> Reply {
    let error = match current_password(&state, me, form.into_inner().delete_password).await? {
        hashing::Current::Right => None,
        hashing::Current::Wrong => Some(ctx.t().err_current_password),
        hashing::Current::Locked => Some(ctx.t().login_locked),
    };
    if let Some(error) = error {
        return delete_page(
            &ctx,
            &state,
            me,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let id = me.user.id;
    db::query(&state.pool, move |c| {
        crate::services::profile::delete_account(c, id, clock::now())
    })
    .await?;
    tracing::info!(user = %id, "account deleted");
    // A place in line or an offer it held goes to the next.
    state.queue_now();
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal_cookie(&state.settings))
        .insert_header((header::LOCATION, "/login?m=deleted"))
        .finish())
}

/// "Ta bort mitt konto" asks once more on a page of its own (#16 item 4): that it cannot be
/// undone, what happens to the permits still running (they stay valid to their last day, but
/// nothing can be changed or booked, and nothing is paid back) and to receipts, with a way to
/// download everything first; then the password and "Ja, ta bort mitt konto".
pub async fn delete_check(UserCtx { ctx, ref me }: UserCtx, state: Data) -> Reply {
    delete_page(&ctx, &state, me, None, StatusCode::OK).await
}

async fn delete_page(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    error: Option<&str>,
    status: StatusCode,
) -> Reply {
    use crate::domain::permit::{Status, today};
    let t = ctx.t();
    let id = me.user.id;
    let permits = db::query(&state.pool, move |c| crate::db::permits::for_user(c, id)).await?;
    let day = today(chrono::Utc::now());
    let running: Vec<_> = permits
        .iter()
        .filter(|p| {
            !matches!(
                Status::of(p.state, p.start_date, p.end_date, day),
                Status::Expired | Status::Cancelled | Status::Rejected
            )
        })
        .collect();
    let body = html! {
        div.notice.warning role="status" { (t.delete_check_warning) }
        h2 { (t.delete_check_what) }
        ul {
            li { (t.delete_check_data) }
            @if running.is_empty() {
                li { (t.delete_check_no_permits) }
            } @else {
                li {
                    (t.delete_check_permits)
                    ul {
                        @for p in &running {
                            li {
                                strong.nowrap { (p.regnr) } " – "
                                (crate::web::permits::permit_type_name(p, ctx.lang)) ", "
                                (t.delete_check_until) " " span.nowrap { (p.end_date) }
                            }
                        }
                    }
                }
            }
            li { (t.delete_intro) }
        }
        p { a.button.secondary href="/settings/export" download { (t.export_button) } }
        form method="post" action="/settings/delete" novalidate {
            (csrf(&me.csrf_token))
            (input(Field::new("delete_password", t.password, "password").error(error).autocomplete("current-password").hint(t.delete_check_password)))
            div.actions {
                button.danger type="submit" { (t.delete_check_confirm) }
                a.button.secondary href="/settings" { (t.delete_check_back) }
            }
        }
    };
    Ok(respond(
        status,
        page(ctx, Some(&frame(me)), t.delete_button, body),
    ))
}
