//! The guide's first sections: [`register`], [`confirm`] by e-mail, [`login`] and out,
//! new confirmation and reset [`links`], and a forgotten password ([`reset`]). What they share
//! (the limits, the error texts of the fields) is here.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use crate::auth::{self, password, session};
use crate::clock;
use crate::db::{self, accounts, accounts::TokenCheck, accounts::TokenPurpose};
use crate::domain::email::EmailError;
use crate::domain::mobile::MobileNumber;
use crate::domain::name::NameError;
use crate::domain::password::PasswordError;
use crate::domain::{Email, Name, Password};
use crate::i18n::{Lang, Texts};
use crate::state::AppState;
use crate::web::ctx::{Ctx, safe_next};
use crate::web::error::{AppError, Reply};
use crate::web::forms::{Field, error_summary, input, notice, notice_error};
use crate::web::layout::page;
use crate::web::respond::{html as html_page, see_other};

mod confirm;
mod links;
mod login;
pub mod mfa;
mod mfa_settings;
mod register;
mod reset;

pub use self::{confirm::*, links::*, login::*, mfa::*, mfa_settings::*, register::*, reset::*};

use crate::services::accounts::{self as service, CONFIRM_LINK, LinkMail, RESET_LINK};

type Data = web::Data<AppState>;

pub fn email_error(t: &Texts, e: EmailError) -> &'static str {
    match e {
        EmailError::Empty => t.err_email_empty,
        EmailError::TooLong | EmailError::Invalid => t.err_email_invalid,
    }
}

pub fn password_error(t: &Texts, e: PasswordError) -> &'static str {
    match e {
        PasswordError::TooShort => t.err_password_short,
        PasswordError::TooLong => t.err_password_long,
        PasswordError::NoUpper => t.err_password_upper,
        PasswordError::NoLower => t.err_password_lower,
        PasswordError::NoDigit => t.err_password_digit,
        PasswordError::NoSpecial => t.err_password_special,
        PasswordError::TooCommon => t.err_password_common,
    }
}

pub fn name_error(t: &Texts, e: NameError) -> &'static str {
    match e {
        NameError::Empty => t.err_name_empty,
        NameError::TooLong => t.err_name_long,
        NameError::Invalid => t.err_name_invalid,
        NameError::Link => t.sec.err_name_link,
    }
}

/// Short messages carried in a redirect (`?m=key`); only known keys are shown.
pub fn flash_text(t: &Texts, key: &str) -> Option<&'static str> {
    Some(match key {
        "logged_out" => t.logged_out,
        "saved" => t.saved,
        "email_sent" => t.email_change_sent,
        "email_changed" => t.email_changed,
        "password_changed" => t.password_changed,
        "deleted" => t.deleted,
        "login" => t.login_to_continue,
        "mfa_expired" => t.sec.mfa_expired,
        "mfa_off" => t.sec.mfa_turned_off,
        "sms_code_sent" => t.sec.sms_code_sent,
        "sms_code_limit" => t.sec.sms_code_limit,
        "mobile_confirmed" => t.sec.mobile_confirmed,
        _ => return None,
    })
}

/// A refused request's page (429 or 503) with `Retry-After` in whole seconds.
fn too_many(
    status: actix_web::http::StatusCode,
    retry_after: Option<Duration>,
    body: Markup,
) -> HttpResponse {
    let mut resp = html_page(status, body);
    if let Some(after) = retry_after {
        let secs = after.num_seconds().max(1).to_string();
        if let Ok(v) = header::HeaderValue::from_str(&secs) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}
