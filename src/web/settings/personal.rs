//! "Inställningar" and saving the personal details, channels and language.

use super::*;
use crate::web::ctx::UserCtx;
use crate::web::forms::CsrfForm;

pub async fn show(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    query: web::Query<FlashQuery>,
) -> Reply {
    let flash = query.m.as_deref().and_then(|k| flash_text(ctx.t(), k));
    let mut v = SettingsView::of(me);
    v.sms_unconfirmed = sms_unconfirmed(&ctx, &state, me).await?;
    Ok(respond(StatusCode::OK, settings_page(&ctx, me, &v, flash)))
}

/// SMS chosen and offered, and the number not confirmed yet.
async fn sms_unconfirmed(ctx: &Ctx, state: &AppState, me: &SessionUser) -> Result<bool, AppError> {
    let u = &me.user;
    if !(u.notify_sms && ctx.services.sms.offered() && !u.mobile.is_empty()) {
        return Ok(false);
    }
    let (id, mobile) = (u.id, u.mobile.clone());
    Ok(!db::query(&state.pool, move |c| {
        crate::db::mobile::confirmed(c, id, &mobile)
    })
    .await?)
}

/// Codes sent per account and hour.
const SMS_CODES_PER_HOUR: i64 = 3;

/// Sends a code to the user's number (at most [`SMS_CODES_PER_HOUR`]); whether it went.
async fn send_code(
    state: &AppState,
    id: crate::domain::UserId,
    mobile: String,
) -> Result<bool, AppError> {
    let sent = db::query(&state.pool, move |c| {
        let now = clock::now();
        let key = format!("sms-code:{id}");
        if !crate::db::limits::hit(c, &key, chrono::Duration::hours(1), SMS_CODES_PER_HOUR, now)?
            .is_allowed()
        {
            return Ok(false);
        }
        let code = format!("{:06}", rand::random_range(0..1_000_000u32));
        crate::db::write_tx(c, |c| {
            crate::db::mobile::new_code(c, id, &mobile, &code, now)?;
            crate::notify::queue_sms(
                c,
                id,
                &mobile,
                "mobile_code",
                &format!("Parkportal: din kod är {code}. Den gäller i 15 minuter."),
                now,
            )
        })?;
        Ok(true)
    })
    .await?;
    if sent {
        state.wake_mailbox();
    }
    Ok(sent)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MobileCodeForm {
    code: String,
}

/// `POST /settings/mobile/confirm`: "Kod från SMS" + "Bekräfta numret".
pub async fn confirm_mobile(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<MobileCodeForm>,
) -> Reply {
    let t = ctx.t();
    let (id, mobile) = (me.user.id, me.user.mobile.clone());
    let typed: String = form.into_inner().code.chars().take(20).collect();
    let outcome = db::query(&state.pool, move |c| {
        crate::db::mobile::confirm(c, id, &mobile, &typed, clock::now())
    })
    .await?;
    match outcome {
        crate::db::mobile::Confirm::Confirmed => Ok(see_other("/settings?m=mobile_confirmed")),
        wrong => {
            let mut v = SettingsView::of(me);
            v.sms_unconfirmed = true;
            v.sms_code_error = Some(if wrong == crate::db::mobile::Confirm::Wrong {
                t.sec.err_sms_code
            } else {
                t.sec.err_sms_code_old
            });
            Ok(invalid(&ctx, me, &v))
        }
    }
}

/// `POST /settings/mobile/code`: "Skicka ny kod".
pub async fn resend_mobile_code(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    _form: CsrfForm<crate::web::forms::CsrfOnly>,
) -> Reply {
    if !sms_unconfirmed(&ctx, &state, me).await? {
        return Ok(see_other("/settings"));
    }
    let sent = send_code(&state, me.user.id, me.user.mobile.clone()).await?;
    Ok(see_other(if sent {
        "/settings?m=sms_code_sent#mobile-h"
    } else {
        "/settings?m=sms_code_limit#mobile-h"
    }))
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

pub async fn save_personal(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<PersonalForm>,
) -> Reply {
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
    let number = mobile.e164().to_string();
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
    // SMS chosen for a number not confirmed yet: a code goes to it first (issue #34, 8).
    let mut to = "/settings?m=saved";
    if notify_sms && ctx.services.sms.offered() {
        let n = number.clone();
        let known = db::query(&state.pool, move |c| {
            crate::db::mobile::confirmed(c, id, &n)
        })
        .await?;
        if !known {
            to = if send_code(&state, id, number).await? {
                "/settings?m=sms_code_sent#mobile-h"
            } else {
                "/settings?m=sms_code_limit#mobile-h"
            };
        }
    }
    Ok(HttpResponse::SeeOther()
        .cookie(lang_cookie(&state.settings, lang))
        .insert_header((header::LOCATION, to))
        .finish())
}
