//! Kontroll: a registration number in, the check API's answer out in big letters.

use super::*;

/// "Kontroll": a number in, the answer out in big letters. A plain GET form without
/// JavaScript; with htmx only the answer box is swapped (and the URL kept in history).
/// Kontroll: for the office and for a "Kontrollant", who sees nothing else.
pub async fn check_page(op: StaffCtx, state: web::Data<AppState>, req: HttpRequest) -> Reply {
    let StaffCtx { ctx, me } = op;
    let param = |name: &str| {
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let raw = param("regnr");
    // "Parkeringsområde": as chosen in the form, else as remembered on this device.
    let chosen = param("car_park");
    let remembered = req.cookie(CAR_PARK_COOKIE).map(|c| c.value().to_string());
    let parks = db::query(&state.pool, crate::db::catalogue::active_car_parks).await?;
    let car_park = chosen
        .as_deref()
        .or(remembered.as_deref())
        .and_then(|v| v.parse::<crate::domain::CarParkId>().ok())
        .filter(|id| parks.iter().any(|p| p.id == *id));
    let t = ctx.t();
    let outcome = match &raw {
        None => None,
        Some(raw) => Some(match RegNumber::for_lookup(raw) {
            Ok(regnr) => Ok(api::answer_with_reason(&state, regnr, car_park).await?),
            Err(RegNumberError::Empty) => Err(t.err_regnr_empty),
            Err(_) => Err(t.check_bad_regnr),
        }),
    };
    let status = match &outcome {
        Some(Err(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let here = car_park.and_then(|id| parks.iter().find(|p| p.id == id));
    let answer_box = answer_box(&ctx, outcome.as_ref(), here.map(|p| p.name.as_str()));
    let markup = if ctx.htmx_fragment {
        answer_box
    } else {
        let value = raw.as_deref().unwrap_or("");
        let invalid = matches!(outcome, Some(Err(_)));
        let o = ctx.lang.office();
        operator_page(
            &ctx,
            &me.csrf_token,
            t.check_title,
            html! {
                p { (t.check_intro) }
                form.checkform method="get" action="/operator/check"
                    hx-get="/operator/check" hx-target="#check-answer" hx-swap="outerHTML"
                    hx-push-url="true" {
                    label for="car_park" { (t.car_park_label) }
                    select #car_park name="car_park" aria-describedby="car_park-hint" {
                        option value="" selected[car_park.is_none()] { (o.all_car_parks) }
                        @for p in &parks {
                            option value=(p.id) selected[car_park == Some(p.id)] { (p.name) }
                        }
                    }
                    p.hint #car_park-hint { (o.car_park_hint) }
                    label for="regnr" { (t.regnr_label) }
                    input #regnr type="text" name="regnr" value=(value) required autocapitalize="characters" spellcheck="false" autocorrect="off"
                        autocomplete="off"
                        inputmode="text" maxlength="20"
                        aria-invalid=[invalid.then_some("true")]
                        aria-describedby=[invalid.then_some("check-answer")];
                    button type="submit" { (t.check_button) }
                }
                (answer_box)
            },
        )
    };
    let mut resp = crate::web::respond::html(status, markup);
    // The choice is remembered on the device for a year (an attendant keeps to a car park).
    if let Some(v) = chosen {
        let value = car_park.map(|id| id.to_string()).unwrap_or_default();
        if v != remembered.unwrap_or_default() {
            let cookie = actix_web::cookie::Cookie::build(CAR_PARK_COOKIE, value)
                .path("/operator")
                .http_only(true)
                .same_site(actix_web::cookie::SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish();
            let _ = resp.add_cookie(&cookie);
        }
    }
    Ok(resp)
}

/// The cookie that keeps Kontroll's "Parkeringsområde" on the attendant's device.
const CAR_PARK_COOKIE: &str = "kontroll_car_park";

/// The answer in big letters; with a car park chosen (`here`), for that car park: "Giltigt
/// här", or "Inget giltigt tillstånd här – gäller i Västerås" when the car may park elsewhere.
pub(super) fn answer_box(
    ctx: &Ctx,
    outcome: Option<&Result<(CheckAnswer, Vec<String>), &str>>,
    here: Option<&str>,
) -> Markup {
    let t = ctx.t();
    let o = ctx.lang.office();
    html! {
        div #check-answer aria-live="polite" {
            @match outcome {
                None => {}
                Some(Err(message)) => p.notice.error { (message) }
                Some(Ok((a, elsewhere))) => {
                    div.verdict.ok[a.valid].no[!a.valid] {
                        p.plate { (a.regnr) }
                        p.word {
                            @match (a.valid, here.is_some()) {
                                (true, true) => (o.valid_here),
                                (true, false) => (t.check_valid),
                                (false, true) => (o.not_valid_here),
                                (false, false) => (t.check_not_valid),
                            }
                        }
                        @if let Some(park) = here { p.why { (park) } }
                        @if !a.valid && !elsewhere.is_empty() {
                            p.why { (o.valid_in) " " (elsewhere.join(", ")) }
                        }
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
