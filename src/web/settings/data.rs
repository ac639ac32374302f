//! "Ladda ner mina uppgifter" (everything kept about the user) and "Ta bort mitt konto".

use super::*;
use crate::web::forms::CsrfForm;

/// Everything kept about the user, as JSON (the queries are in `db::export`).
pub async fn export(ctx: Ctx, state: Data) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
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
    ctx: Ctx,
    state: Data,
    form: CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let error = match current_password(&state, me, form.into_inner().delete_password).await? {
        hashing::Current::Right => None,
        hashing::Current::Wrong => Some(ctx.t().err_current_password),
        hashing::Current::Locked => Some(ctx.t().login_locked),
    };
    if let Some(error) = error {
        let mut v = SettingsView::of(me);
        v.errors.delete_password = Some(error);
        return Ok(invalid(&ctx, me, &v));
    }
    let id = me.user.id;
    db::query(&state.pool, move |c| {
        crate::services::profile::delete_account(c, id, clock::now())
    })
    .await?;
    tracing::info!(user = %id, "account deleted");
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal_cookie(&state.settings))
        .insert_header((header::LOCATION, "/login?m=deleted"))
        .finish())
}
