//! "Betalinställningar": the preferred payment method and Swish number.

use super::*;
use crate::web::ctx::UserCtx;
use crate::web::forms::CsrfForm;

pub(super) fn payment_body(
    ctx: &Ctx,
    me: &SessionUser,
    method: &str,
    swish: &str,
    error: Option<&str>,
    flash: Option<&str>,
) -> Markup {
    let t = ctx.t();
    html! {
        @if let Some(f) = flash { (notice(f)) }
        (error_summary(t, &[("swish_number", error)]))
        p { (t.pay_settings_intro) }
        form method="post" action="/settings/payment" novalidate {
            (csrf(&me.csrf_token))
            fieldset {
                legend { (t.preferred_method) }
                // Only the methods this portal offers.
                @if ctx.services.swish.offered() {
                    div.check {
                        input #method-swish type="radio" name="method" value="swish" checked[method == "swish"];
                        label for="method-swish" { (t.method_swish) }
                    }
                }
                @if ctx.services.card.offered() {
                    div.check {
                        input #method-card type="radio" name="method" value="card" checked[method == "card"];
                        label for="method-card" { (t.method_card) }
                    }
                }
            }
            // Hidden while "Kort" is chosen (the stylesheet; no script needed).
            div.swish-only {
                (input(Field::new("swish_number", t.swish_number, "tel").value(swish).error(error).autocomplete("tel").optional()))
            }
            button type="submit" { (t.save) }
        }
    }
}

pub async fn payment_settings(
    UserCtx { ctx, ref me }: UserCtx,
    query: web::Query<FlashQuery>,
) -> Reply {
    let t = ctx.t();
    let flash = query.m.as_deref().and_then(|k| flash_text(t, k));
    let swish = me
        .user
        .swish_number
        .as_deref()
        .and_then(|n| MobileNumber::parse(n).ok())
        .map(|m| m.national())
        .unwrap_or_default();
    let method = me.user.preferred_payment.clone().unwrap_or_default();
    Ok(respond(
        StatusCode::OK,
        page(
            &ctx,
            Some(&frame(me)),
            t.pay_settings_title,
            payment_body(&ctx, me, &method, &swish, None, flash),
        ),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PaymentSettingsForm {
    pub(super) method: String,
    pub(super) swish_number: String,
}

pub async fn save_payment_settings(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<PaymentSettingsForm>,
) -> Reply {
    let t = ctx.t();
    // A method that is not offered is no preference.
    let method = match form.method.as_str() {
        "swish" if ctx.services.swish.offered() => Some("swish"),
        "card" if ctx.services.card.offered() => Some("card"),
        _ => None,
    };
    let swish = if form.swish_number.trim().is_empty() {
        Ok(None)
    } else {
        MobileNumber::parse(&form.swish_number).map(Some)
    };
    let Ok(swish) = swish else {
        let typed: String = form.swish_number.chars().take(40).collect();
        return Ok(respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                &ctx,
                Some(&frame(me)),
                t.pay_settings_title,
                payment_body(
                    &ctx,
                    me,
                    method.unwrap_or(""),
                    &typed,
                    Some(t.err_swish_number),
                    None,
                ),
            ),
        ));
    };
    let id = me.user.id;
    db::query(&state.pool, move |c| {
        let swish = swish.as_ref().map(|m| m.e164());
        crate::db::users::set_payment_preference(c, id, method, swish)
    })
    .await?;
    Ok(see_other("/settings/payment?m=saved"))
}
