//! "Inställningar" and saving the personal details, channels and language.

use super::*;
use crate::web::forms::CsrfForm;

pub async fn show(ctx: Ctx, query: web::Query<FlashQuery>) -> Reply {
    let me = ctx.require_user()?;
    let flash = query.m.as_deref().and_then(|k| flash_text(ctx.t(), k));
    Ok(respond(
        StatusCode::OK,
        settings_page(&ctx, me, &SettingsView::of(me), flash),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonalForm {
    pub(super) name: String,
    pub(super) mobile: String,
    pub(super) notify_email: Option<String>,
    pub(super) notify_sms: Option<String>,
    pub(super) language: String,
}

pub async fn save_personal(ctx: Ctx, state: Data, form: CsrfForm<PersonalForm>) -> Reply {
    let me = ctx.require_user()?;
    let t = ctx.t();
    let form = form.into_inner();
    let mut v = SettingsView::of(me);
    v.name = form.name.chars().take(200).collect();
    v.mobile = form.mobile.chars().take(40).collect();
    v.notify_email = form.notify_email.is_some();
    v.notify_sms = form.notify_sms.is_some();
    let lang = Lang::parse(&form.language).unwrap_or(ctx.lang);
    v.language = lang.code().into();
    let name = Name::parse(&form.name)
        .map_err(|e| v.errors.name = Some(name_error(t, e)))
        .ok();
    let mobile = MobileNumber::parse(&form.mobile)
        .map_err(|_| v.errors.mobile = Some(t.err_mobile))
        .ok();
    if v.notify_sms && !ctx.services.sms.offered() {
        v.notify_sms = false;
        v.section_error = Some(t.err_sms_not_offered);
    }
    let (Some(name), Some(mobile)) = (name, mobile) else {
        return Ok(invalid(&ctx, me, &v));
    };
    if v.section_error.is_some() {
        return Ok(invalid(&ctx, me, &v));
    }
    let id = me.user.id;
    let (notify_email, notify_sms) = (v.notify_email, v.notify_sms);
    db::query(&state.pool, move |c| {
        crate::db::users::set_personal(
            c,
            id,
            name.as_str(),
            mobile.e164(),
            notify_email,
            notify_sms,
            lang.code(),
        )
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(lang_cookie(&state.settings, lang))
        .insert_header((header::LOCATION, "/settings?m=saved"))
        .finish())
}
