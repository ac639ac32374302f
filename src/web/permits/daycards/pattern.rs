//! "Boka flera dagar": the same weekdays over a period, for shift workers. A GET form (no
//! token in the address) shows the days it gives and any that cannot be booked, and why;
//! "Boka" then posts them to the calendar's booking, which books all of them or none by the
//! same rules as single days.

use super::*;
use crate::domain::daycard::Pattern;
use crate::web::ctx::UserCtx;
use crate::web::forms::{csrf, error_summary, input};
use crate::web::layout::page;
use crate::web::settings::frame;

/// What the pattern form carries, as typed.
#[derive(Debug, Clone, Default)]
pub struct PatternInput {
    /// Monday first.
    pub weekdays: [bool; 7],
    pub from: String,
    pub to: String,
    /// Whether the form was sent ("Visa dagarna"), not only opened.
    pub sent: bool,
}

impl PatternInput {
    fn parse(raw: &[u8]) -> PatternInput {
        let mut input = PatternInput::default();
        for (key, value) in url::form_urlencoded::parse(raw) {
            match key.as_ref() {
                "wd" => {
                    if let Ok(n) = value.parse::<usize>()
                        && n < 7
                    {
                        input.weekdays[n] = true;
                    }
                }
                "from" => input.from = value.chars().take(20).collect(),
                "to" => input.to = value.chars().take(20).collect(),
                "show" => input.sent = true,
                _ => {}
            }
        }
        input
    }
}

/// What the form comes to: the days, or what to correct.
enum Outcome {
    Days(Pattern),
    Wrong {
        weekdays: Option<&'static str>,
        from: Option<&'static str>,
        to: Option<&'static str>,
    },
}

fn outcome(t: &Texts, card: &Card, q: &PatternInput, today: NaiveDate) -> Outcome {
    let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (from, to) = (date(&q.from), date(&q.to));
    let weekdays = (!q.weekdays.contains(&true)).then_some(t.err_pattern_weekdays);
    let from_error = from.is_none().then_some(t.err_bad_date);
    let to_error = match (from, to) {
        (_, None) => Some(t.err_bad_date),
        (Some(f), Some(l)) if l < f => Some(t.err_pattern_order),
        _ => None,
    };
    match (from, to) {
        (Some(f), Some(l)) if weekdays.is_none() && to_error.is_none() => {
            Outcome::Days(card.pattern(&q.weekdays, f, l, today))
        }
        _ => Outcome::Wrong {
            weekdays,
            from: from_error,
            to: to_error,
        },
    }
}

/// `GET /permits/{id}/pattern`.
pub async fn pattern(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    req: HttpRequest,
) -> Reply {
    let (p, sessions) = load(&state, id.into_inner(), me.user.id).await?;
    if !bookable_card(&p) {
        return Ok(crate::web::respond::see_other(&format!(
            "/permits/{}",
            p.id
        )));
    }
    let t = ctx.t();
    let today = today(chrono::Utc::now());
    let card = card_of(&p, &sessions);
    let mut q = PatternInput::parse(req.query_string().as_bytes());
    let first = today.max(p.start_date);
    if q.from.is_empty() && !q.sent {
        q.from = first.to_string();
    }
    if q.to.is_empty() && !q.sent {
        q.to = p
            .end_date
            .min(first + chrono::Duration::days(27))
            .to_string();
    }
    let result = q.sent.then(|| outcome(t, &card, &q, today));
    let wrong = matches!(result, Some(Outcome::Wrong { .. }));
    let (we, fe, te) = match &result {
        Some(Outcome::Wrong { weekdays, from, to }) => (*weekdays, *from, *to),
        _ => (None, None, None),
    };
    let left = card.days_left() as usize;
    let body = html! {
        (error_summary(t, &[("wd-0", we), ("from", fe), ("to", te)]))
        p { (t.pattern_intro) }
        p { (t.days_left_label) ": " strong { (left) } " · " (t.pattern_valid) " " (p.start_date) " – " (p.end_date) }
        // The answer comes at the top of the result (the fragment survives the GET).
        form method="get" action={ "/permits/" (p.id) "/pattern#found-h" } novalidate {
            fieldset.weekdays aria-describedby=[we.map(|_| "wd-error")] {
                legend { (t.pattern_weekdays) }
                @for (n, name) in t.weekdays_long.iter().enumerate() {
                    @let id = format!("wd-{n}");
                    div.check {
                        input id=(id) type="checkbox" name="wd" value=(n) checked[q.weekdays[n]];
                        label for=(id) { (capitalised(name)) }
                    }
                }
            }
            @if let Some(e) = we { p.field-error #wd-error { (e) } }
            (input(Field::new("from", t.pattern_from, "date").value(&q.from).error(fe).range(first, p.end_date)))
            (input(Field::new("to", t.pattern_to, "date").value(&q.to).error(te).range(first, p.end_date)))
            button type="submit" name="show" value="1" { (t.pattern_show) }
        }
        @if let Some(Outcome::Days(found)) = &result {
            (found_days(&ctx, me, &p, found, left))
        }
        p { a href={ "/permits/" (p.id) } { (t.back_to_permit) } }
    };
    let title = format!("{} – {}", t.pattern_heading, p.regnr);
    let status = if wrong {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(crate::web::respond::html(
        status,
        page(&ctx, Some(&frame(me)), &title, body),
    ))
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The days found, those that cannot be booked and why, and "Boka" when they fit.
fn found_days(ctx: &Ctx, me: &SessionUser, p: &PermitRow, found: &Pattern, left: usize) -> Markup {
    let t = ctx.t();
    let n = found.days.len();
    html! {
        section #pattern-result aria-labelledby="found-h" tabindex="-1" {
            h2 #found-h { (t.pattern_gives) " " (n) " " (if n == 1 { t.day_word } else { t.days_word }) }
            @if n > 0 {
                ul.days { @for d in &found.days { li { (day_in_words(t, *d)) } } }
            } @else {
                p { (t.pattern_none) }
            }
            @if !found.refused.is_empty() {
                h3 { (t.pattern_refused) }
                ul.days {
                    @for (d, why) in &found.refused {
                        li { (day_in_words(t, *d)) " – " (refusal_text(t, *why)) }
                    }
                }
            }
            @if n > left {
                div.notice.error role="alert" {
                    p { (t.pattern_too_many) " " (t.days_left_label) ": " (left) "." }
                    p { a.button.secondary href=(super::view::buy_more_href(p)) { (t.buy_more_days) } }
                }
            } @else if n > 0 {
                form method="post" action={ "/permits/" (p.id) "/sessions" } novalidate {
                    (csrf(&me.csrf_token))
                    @for d in &found.days { input type="hidden" name="day" value=(d); }
                    (input(Field::new("regnr", t.regnr_label, "text").value(&p.regnr).plate(t)))
                    div.check {
                        input #pattern-foreign type="checkbox" name="foreign" value="yes" checked[p.foreign_plate];
                        label for="pattern-foreign" { (t.foreign_label) }
                    }
                    button type="submit" { (t.pattern_book) " " (n) " " (if n == 1 { t.day_word } else { t.days_word }) }
                }
            }
        }
    }
}
