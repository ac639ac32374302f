//! Changing the password (the current one first); every other session ends.

use super::*;
use crate::services::profile;
use crate::web::ctx::UserCtx;
use crate::web::forms::CsrfForm;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    pub(super) current_password: String,
    pub(super) new_password: String,
}

pub async fn change_password(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<PasswordForm>,
) -> Reply {
    let t = ctx.t();
    let form = form.into_inner();
    let mut v = SettingsView::of(me);
    let new = Password::parse(&form.new_password)
        .map_err(|e| v.errors.new_password = Some(password_error(t, e)))
        .ok();
    let ok = match current_password(&state, me, form.current_password).await? {
        hashing::Current::Right => true,
        hashing::Current::Wrong => {
            v.errors.current_password = Some(t.err_current_password);
            false
        }
        hashing::Current::Locked => {
            v.errors.current_password = Some(t.login_locked);
            false
        }
    };
    let (Some(new), true) = (new, ok) else {
        return Ok(invalid(&ctx, me, &v));
    };
    let hash = hashing::hash(&state.hashing, SecretString::from(new.expose().to_string())).await?;
    let user = me.user.clone();
    let keep = me.session_hash.clone();
    let lang = ctx.lang;
    db::query(&state.pool, move |c| {
        profile::change_password(c, &user, &hash, &keep, lang, clock::now())
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/settings?m=password_changed"))
}
