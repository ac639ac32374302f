//! "Pausa tillståndet" on a paid monthly or yearly permit, and "Avsluta pausen" (issue #39):
//! the section of the permit page and its two forms. The rules are `domain::pause`, applied
//! by the permit's actor in one transaction (`services::permits::changes::pause`).

use super::*;
use crate::db::pauses::PauseRow;
use crate::web::ctx::UserCtx;
use crate::web::error::Outcome;
use crate::web::forms::{CsrfForm, CsrfOnly};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PauseForm {
    pub(super) from: String,
    pub(super) to: String,
}

/// The pause section: the pause running or to come with "Avsluta pausen", else the form.
pub(super) fn section(
    ctx: &Ctx,
    me: &SessionUser,
    p: &PermitRow,
    pauses: &[PauseRow],
    error: Option<&str>,
    typed: Option<&PauseForm>,
) -> Markup {
    let w = ctx.lang.pause();
    let today = today(chrono::Utc::now());
    let current = pauses
        .iter()
        .find(|r| r.to_date >= today && r.pause().days() > 0);
    let past: Vec<&PauseRow> = pauses
        .iter()
        .filter(|r| r.to_date < today && r.pause().days() > 0)
        .collect();
    html! {
        section aria-labelledby="pause-h" {
            h2 #pause-h { (w.heading) }
            @if let Some(r) = current {
                p { strong { @if r.from_date > today { (w.coming) } @else { (w.paused) } } " "
                    span.nowrap { (r.from_date) } " – " span.nowrap { (r.to_date) } }
                @if let Some(e) = error { (notice_error(e)) }
                form method="post" action={ "/permits/" (p.id) "/pause/end" } {
                    (csrf(&me.csrf_token))
                    button.secondary type="submit" { (w.end) }
                }
            } @else {
                p { (w.intro) }
                form method="post" action={ "/permits/" (p.id) "/pause" } novalidate {
                    (csrf(&me.csrf_token))
                    @let first = today.max(p.start_date).to_string();
                    @let from = typed.map_or(first.as_str(), |f| f.from.as_str());
                    @let to = typed.map_or("", |f| f.to.as_str());
                    (input(Field::new("pause_from", w.from, "date").value(from).error(error).min(&first).hint(w.hint)))
                    (input(Field::new("pause_to", w.to, "date").value(to).min(&first)))
                    button.secondary type="submit" { (w.button) }
                }
            }
            @if !past.is_empty() {
                p.hint { (w.past) ": "
                    @for (i, r) in past.iter().enumerate() {
                        @if i > 0 { ", " }
                        (r.from_date) " – " (r.to_date)
                    }
                }
            }
        }
    }
}

/// The form's field names on the page ("pause_from", "pause_to"), as posted.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PausePost {
    pause_from: String,
    pause_to: String,
}

/// "Pausa": the dates read, the pause asked of the permit's actor; refused, the page again
/// (422) with the reason at "Från" and the dates as typed.
pub async fn pause(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    form: CsrfForm<PausePost>,
) -> Reply {
    let id = id.into_inner();
    let t = ctx.t();
    let dates = (
        NaiveDate::parse_from_str(form.pause_from.trim(), "%Y-%m-%d"),
        NaiveDate::parse_from_str(form.pause_to.trim(), "%Y-%m-%d"),
    );
    let refused_with = match dates {
        (Ok(from), Ok(to)) => {
            match super::change(&state, me, id, PermitChange::Pause { from, to }).await? {
                Outcome::Done(_) => {
                    return Ok(see_other(&format!("/permits/{id}?m=paused#pause-h")));
                }
                Outcome::Refused(e) => pause_refusal(&ctx, &e),
            }
        }
        _ => t.err_bad_date,
    };
    let typed = PauseForm {
        from: form.pause_from.chars().take(20).collect(),
        to: form.pause_to.chars().take(20).collect(),
    };
    let m = PageMessages {
        pause_error: Some(refused_with),
        pause_typed: Some(&typed),
        ..Default::default()
    };
    super::refused(&ctx, &state, me, id, m).await
}

/// "Avsluta pausen".
pub async fn end_pause(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    _csrf: CsrfForm<CsrfOnly>,
) -> Reply {
    let id = id.into_inner();
    match super::change(&state, me, id, PermitChange::EndPause).await? {
        Outcome::Done(_) => Ok(see_other(&format!("/permits/{id}?m=pause_ended#pause-h"))),
        Outcome::Refused(e) => {
            let m = PageMessages {
                pause_error: Some(pause_refusal(&ctx, &e)),
                ..Default::default()
            };
            super::refused(&ctx, &state, me, id, m).await
        }
    }
}

/// Why a pause or its end was refused, in words.
pub(crate) fn pause_refusal(ctx: &Ctx, e: &PermitError) -> &'static str {
    let w = ctx.lang.pause();
    match e {
        PermitError::Rule(RuleError::Pause(p)) => w.error(*p),
        PermitError::Rule(RuleError::NoPause) => w.err_none,
        e => super::rule_text(ctx.t(), e).unwrap_or(ctx.t().error_body),
    }
}
