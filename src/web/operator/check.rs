//! Kontroll: a registration number in, the check API's answer out in big letters.

use super::*;

/// "Kontroll": a number in, the answer out in big letters. A plain GET form without
/// JavaScript; with htmx only the answer box is swapped (and the URL kept in history).
pub async fn check_page(op: OperatorCtx, state: web::Data<AppState>, req: HttpRequest) -> Reply {
    let OperatorCtx { ctx, me } = op;
    let raw = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "regnr")
        .map(|(_, v)| v.into_owned());
    let t = ctx.t();
    let outcome = match &raw {
        None => None,
        Some(raw) => Some(match RegNumber::for_lookup(raw) {
            Ok(regnr) => Ok(api::answer_with_reason(&state, regnr).await?),
            Err(RegNumberError::Empty) => Err(t.err_regnr_empty),
            Err(_) => Err(t.check_bad_regnr),
        }),
    };
    let status = match &outcome {
        Some(Err(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let answer_box = answer_box(&ctx, outcome.as_ref());
    let markup = if ctx.htmx_fragment {
        answer_box
    } else {
        let value = raw.as_deref().unwrap_or("");
        let invalid = matches!(outcome, Some(Err(_)));
        operator_page(
            &ctx,
            &me.csrf_token,
            t.check_title,
            html! {
                p { (t.check_intro) }
                form.checkform method="get" action="/operator/check"
                    hx-get="/operator/check" hx-target="#check-answer" hx-swap="outerHTML"
                    hx-push-url="true" {
                    label for="regnr" { (t.regnr_label) }
                    input #regnr type="text" name="regnr" value=(value) required autocapitalize="characters" spellcheck="false" autocorrect="off"
                        autocomplete="off" autocapitalize="characters" spellcheck="false"
                        inputmode="text" maxlength="20"
                        aria-invalid=[invalid.then_some("true")]
                        aria-describedby=[invalid.then_some("check-answer")];
                    button type="submit" { (t.check_button) }
                }
                (answer_box)
            },
        )
    };
    Ok(crate::web::respond::html(status, markup))
}

pub(super) fn answer_box(ctx: &Ctx, outcome: Option<&Result<CheckAnswer, &str>>) -> Markup {
    let t = ctx.t();
    html! {
        div #check-answer aria-live="polite" {
            @match outcome {
                None => {}
                Some(Err(message)) => p.notice.error { (message) }
                Some(Ok(a)) => {
                    div.verdict.ok[a.valid].no[!a.valid] {
                        p.plate { (a.regnr) }
                        p.word { @if a.valid { (t.check_valid) } @else { (t.check_not_valid) } }
                        @if let Some(why) = &a.why_not {
                            p.why { (crate::i18n::not_valid(t, why)) }
                        }
                    }
                    @for p in &a.permits {
                        dl.card {
                            dt { (t.col_type) } dd { (p.type_name) }
                            dt { (t.col_car_park) } dd { (p.car_park) }
                            dt { (t.check_until) } dd { strong { (p.valid_to) } }
                            dt { (t.check_how) }
                            dd {
                                @if p.day_session { (t.check_day_session) }
                                @else if p.temporary { (t.check_temporary) }
                                @else { (t.check_permanent) }
                            }
                        }
                    }
                    p.hint { (t.check_checked_at) " " (clock::local_display(clock::now())) }
                }
            }
        }
    }
}
