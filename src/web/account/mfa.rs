//! The second factor (issue #34, ASVS V6.3.3): after a right password, an operator or admin —
//! or a customer who turned it on — has no session yet, only a login challenge (a cookie of its
//! own, five minutes, five wrong codes). "Tvåstegsverifiering" sets the factor up (the secret
//! as text, an `otpauth://` link and a QR code, "Engångskod", "Aktivera"; then ten recovery
//! codes shown once); later logins ask for "Engångskod" with "Verifiera". Only then is the
//! session opened, marked as opened with the second factor; the operator portal takes no other.
//! A code works once (the last step is stored where it is accepted), wrong codes count against
//! the account like wrong passwords, and a recovery code works once. A customer's own switch
//! in Inställningar is [`super::mfa_settings`].

use actix_web::cookie::{Cookie, SameSite, time};
use maud::PreEscaped;

use super::*;
use crate::db::mfa;
use crate::domain::totp;
use crate::web::forms::csrf;

/// How long a login may wait for its code.
pub const CHALLENGE_MINUTES: i64 = 5;
/// Wrong codes one challenge takes before it ends (the login starts over).
pub const CHALLENGE_FAILURES: i32 = 5;

fn cookie_name(settings: &crate::settings::Settings) -> &'static str {
    if settings.is_https() {
        "__Host-login2"
    } else {
        "login2"
    }
}

fn challenge_cookie(settings: &crate::settings::Settings, token: String) -> Cookie<'static> {
    Cookie::build(cookie_name(settings), token)
        .path("/")
        .http_only(true)
        .secure(settings.is_https())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::minutes(CHALLENGE_MINUTES))
        .finish()
}

fn challenge_removal(settings: &crate::settings::Settings) -> Cookie<'static> {
    let mut c = challenge_cookie(settings, String::new());
    c.make_removal();
    c
}

/// After a right password: whether this account logs in with a second factor (staff always;
/// a customer who turned it on).
pub(super) fn needs_second_factor(
    c: &mut db::DbConnection,
    user: &accounts::UserRow,
) -> diesel::QueryResult<bool> {
    Ok(user.role.is_staff() || mfa::enabled(c, user.id)?)
}

/// Opens the challenge (in the login's transaction) and answers with its cookie and the way to
/// "Engångskod".
pub(super) fn open_challenge(
    c: &mut db::DbConnection,
    user: UserId,
    next: &str,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<String> {
    let token = crate::domain::token::new_token();
    mfa::create_challenge(
        c,
        &token,
        user,
        &crate::domain::token::new_token(),
        next,
        now,
    )?;
    Ok(token)
}

pub(super) fn to_challenge(settings: &crate::settings::Settings, token: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(challenge_cookie(settings, token))
        .insert_header((header::LOCATION, "/login/mfa"))
        .finish()
}

use crate::domain::UserId;

/// The open challenge of this request and its user.
async fn current(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<(mfa::ChallengeRow, accounts::UserRow, Option<mfa::TotpRow>)>, AppError> {
    let Some(token) = req
        .cookie(cookie_name(&state.settings))
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
    else {
        return Ok(None);
    };
    Ok(db::query(&state.pool, move |c| {
        let since = clock::now() - Duration::minutes(CHALLENGE_MINUTES);
        let Some(ch) = mfa::challenge(c, &token, since)? else {
            return Ok(None);
        };
        let Some(user) = accounts::user_by_id(c, ch.user_id)? else {
            return Ok(None);
        };
        let totp = mfa::totp_of(c, user.id)?;
        Ok(Some((ch, user, totp)))
    })
    .await?)
}

fn expired(state: &AppState) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(challenge_removal(&state.settings))
        .insert_header((header::LOCATION, "/login?m=mfa_expired"))
        .finish()
}

/// The QR code of an `otpauth://` link, as inline SVG.
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build(),
    )
}

/// "Tvåstegsverifiering": the secret as text, its link and QR code, "Engångskod", "Aktivera".
pub(super) fn enrol_body(
    ctx: &Ctx,
    intro: &str,
    action: &str,
    csrf_token: &str,
    secret: &str,
    account: &str,
    error: Option<&str>,
) -> Markup {
    let t = ctx.t();
    let url = totp::otpauth_url(secret, account).unwrap_or_default();
    // The key in groups of four, as apps show it.
    let grouped: Vec<String> = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_string())
        .collect();
    html! {
        (error_summary(t, &[("code", error)]))
        p { (intro) }
        @if let Some(svg) = qr_svg(&url) {
            figure.qr aria-hidden="true" { (PreEscaped(svg)) }
        }
        p { (t.sec.mfa_secret_label) ": " code.secret { (grouped.join(" ")) } }
        p { a href=(url) { (t.sec.mfa_link) } }
        form method="post" action=(action) novalidate {
            (csrf(csrf_token))
            (input(Field::new("code", t.sec.mfa_code, "text").error(error).autocomplete("one-time-code").inputmode("numeric").hint(t.sec.mfa_enrol_hint)))
            button type="submit" { (t.sec.mfa_activate) }
        }
    }
}

fn verify_body(ctx: &Ctx, csrf_token: &str, error: Option<&str>) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, &[("code", error)]))
        p { (t.sec.mfa_verify_intro) }
        form method="post" action="/login/mfa" novalidate {
            (csrf(csrf_token))
            (input(Field::new("code", t.sec.mfa_code, "text").error(error).autocomplete("one-time-code").hint(t.sec.mfa_code_hint)))
            button type="submit" { (t.sec.mfa_verify) }
        }
    }
}

/// The ten recovery codes, shown once.
pub(super) fn recovery_page(
    ctx: &Ctx,
    frame: Option<&crate::web::layout::Frame>,
    codes: &[String],
    next: &str,
) -> Markup {
    let t = ctx.t();
    page(
        ctx,
        frame,
        t.sec.mfa_recovery_title,
        html! {
            (notice(t.sec.mfa_recovery_intro))
            ol.recovery { @for c in codes { li { code { (c) } } } }
            p { a.button href=(next) { (t.sec.mfa_continue) } }
        },
    )
}

/// `GET /login/mfa`: "Tvåstegsverifiering" to set the factor up, or "Engångskod" to log in.
pub async fn mfa_page(req: HttpRequest, ctx: Ctx, state: Data) -> Reply {
    let Some((ch, user, totp_row)) = current(&req, &state).await? else {
        return Ok(expired(&state));
    };
    let t = ctx.t();
    if totp_row.as_ref().is_some_and(|r| r.enabled_at.is_some()) {
        return Ok(html_page(
            actix_web::http::StatusCode::OK,
            page(
                &ctx,
                None,
                t.sec.mfa_title,
                verify_body(&ctx, &ch.csrf_token, None),
            ),
        ));
    }
    let fresh = totp::new_secret();
    let uid = user.id;
    let secret = db::query(&state.pool, move |c| {
        mfa::pending_secret(c, uid, &fresh, clock::now())
    })
    .await?
    .unwrap_or_default();
    Ok(html_page(
        actix_web::http::StatusCode::OK,
        page(
            &ctx,
            None,
            t.sec.mfa_title,
            enrol_body(
                &ctx,
                t.sec.mfa_enrol_intro,
                "/login/mfa",
                &ch.csrf_token,
                &secret,
                &user.email,
                None,
            ),
        ),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    pub(super) csrf: String,
    pub(super) code: String,
}

pub(super) fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// What a typed code did.
enum Outcome {
    /// Accepted: the session's token; with the recovery codes when the factor was just set up.
    In(String, Option<Vec<String>>),
    Wrong,
    /// Too many wrong codes (this challenge, or the account's login limit).
    Over,
}

/// Turns the second factor on with the step its first code matched: ten new recovery codes
/// (their hashes stored), audited. The codes, or `None` when it was on already.
pub(super) fn turn_on(
    c: &mut db::DbConnection,
    uid: UserId,
    step: i64,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<Option<Vec<String>>> {
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .filter_map(|c| totp::recovery_hash(c))
        .collect();
    if !mfa::enable(c, uid, step, &hashes, now)? {
        return Ok(None);
    }
    let subject = format!("user:{uid}");
    audit::record(c, Some(uid), "user.mfa_enabled", &subject, None, None, now)?;
    Ok(Some(codes))
}

/// `POST /login/mfa`: the code of the challenge. Right: the session, opened with the second
/// factor (and, when the factor was just set up, the recovery codes shown once).
pub async fn mfa_submit(
    req: HttpRequest,
    ctx: Ctx,
    state: Data,
    form: web::Form<CodeForm>,
) -> Reply {
    let Some((ch, user, totp_row)) = current(&req, &state).await? else {
        return Ok(expired(&state));
    };
    let form = form.into_inner();
    if !crate::domain::token::constant_time_eq(form.csrf.as_bytes(), ch.csrf_token.as_bytes()) {
        return Err(AppError::Csrf);
    }
    let t = ctx.t();
    let typed: String = form.code.chars().take(40).collect();
    let addr = crate::web::client::client_key(&req, &state.settings);
    let email = user.email.clone();
    let per_address = state.settings.login_failures_per_client;
    let enrolling = totp_row.as_ref().is_none_or(|r| r.enabled_at.is_none());
    // The secret being set up, for the page again after a wrong code (read with the challenge).
    let pending_secret = totp_row
        .as_ref()
        .filter(|_| enrolling)
        .map(|r| r.secret.clone())
        .unwrap_or_default();
    let (uid, id_hash) = (user.id, ch.id_hash.clone());
    let outcome = db::query(&state.pool, move |c| {
        let now = clock::now();
        // Codes count like passwords, under limits of their own (reserved first, given back
        // when right): per account and address, per address, and per account from all
        // addresses — the last two not for an address the account logged in from — so
        // someone who knows the password cannot use up the owner's tries elsewhere.
        let since = now - Duration::days(auth::KNOWN_ADDRESS_DAYS);
        let known = accounts::logged_in_from(c, &email, &addr, since)?;
        let limits = auth::login_limits(&format!("code:{email}"), &addr, known, per_address);
        let mut allowed = true;
        for l in &limits {
            allowed &= db::limits::hit(c, &l.key, l.window, l.max, now)?.is_allowed();
        }
        if !allowed {
            mfa::end_challenge(c, &id_hash)?;
            return Ok(Outcome::Over);
        }
        let secret = totp_row
            .as_ref()
            .map(|r| r.secret.clone())
            .unwrap_or_default();
        let last = totp_row.as_ref().and_then(|r| r.last_step);
        let step = totp::accept(
            &secret,
            &typed,
            unix_now(),
            if enrolling { None } else { last },
        );
        db::write_tx(c, |c| {
            let codes = match (enrolling, step) {
                (true, Some(step)) => {
                    let Some(codes) = turn_on(c, uid, step, now)? else {
                        return Ok(Outcome::Wrong);
                    };
                    Some(codes)
                }
                (false, Some(step)) if mfa::take_step(c, uid, step)? => None,
                (false, _)
                    if totp::recovery_hash(&typed)
                        .map(|h| mfa::use_recovery_code(c, uid, &h, now))
                        .transpose()?
                        == Some(true) =>
                {
                    audit::record(
                        c,
                        Some(uid),
                        "user.recovery_code_used",
                        &format!("user:{uid}"),
                        None,
                        None,
                        now,
                    )?;
                    None
                }
                _ => {
                    let failures = mfa::challenge_failed(c, &id_hash)?;
                    if failures >= CHALLENGE_FAILURES {
                        mfa::end_challenge(c, &id_hash)?;
                        return Ok(Outcome::Over);
                    }
                    return Ok(Outcome::Wrong);
                }
            };
            if !mfa::end_challenge(c, &id_hash)? {
                // The same challenge answered twice at once: the other one logged in.
                return Ok(Outcome::Over);
            }
            for l in &limits {
                db::limits::undo(c, &l.key, l.window, now)?;
            }
            accounts::record_login_attempt(c, &email, &addr, true, now)?;
            let token = session::start(c, uid, true, now)?;
            accounts::cap_sessions(c, uid, auth::MAX_SESSIONS_PER_ACCOUNT)?;
            Ok(Outcome::In(token, codes))
        })
    })
    .await?;
    let next = safe_next(Some(&ch.next_path));
    match outcome {
        Outcome::In(token, None) => Ok(HttpResponse::SeeOther()
            .cookie(session::session_cookie(&state.settings, token))
            .cookie(challenge_removal(&state.settings))
            .insert_header((header::LOCATION, next))
            .finish()),
        Outcome::In(token, Some(codes)) => {
            let mut resp = html_page(
                actix_web::http::StatusCode::OK,
                recovery_page(&ctx, None, &codes, &next),
            );
            resp.add_cookie(&session::session_cookie(&state.settings, token))
                .map_err(|e| AppError::Internal(e.into()))?;
            resp.add_cookie(&challenge_removal(&state.settings))
                .map_err(|e| AppError::Internal(e.into()))?;
            Ok(resp)
        }
        Outcome::Over => Ok(expired(&state)),
        Outcome::Wrong => {
            let body = if enrolling {
                let secret = pending_secret;
                enrol_body(
                    &ctx,
                    t.sec.mfa_enrol_intro,
                    "/login/mfa",
                    &ch.csrf_token,
                    &secret,
                    &user.email,
                    Some(t.sec.mfa_wrong),
                )
            } else {
                verify_body(&ctx, &ch.csrf_token, Some(t.sec.mfa_wrong))
            };
            Ok(html_page(
                actix_web::http::StatusCode::UNAUTHORIZED,
                page(&ctx, None, t.sec.mfa_title, body),
            ))
        }
    }
}

use crate::db::audit;
