//! "Inställningar" and "Betalinställningar" ([`personal`] details, [`email`], [`password`],
//! channels, language, my [`data`], delete account; [`payment`] method and Swish number):
//! what the forms share is here, the page itself in `views`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use crate::auth::password as hashing;
use crate::auth::{SessionUser, session};
use crate::clock;
use crate::db::{self, accounts, accounts::TokenCheck, accounts::UndoCheck};
use crate::domain::mobile::MobileNumber;
use crate::domain::token::new_token;
use crate::domain::{Email, Name, Password};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::account::{email_error, flash_text, name_error, password_error};
use crate::web::ctx::{Ctx, lang_cookie};
use crate::web::error::{AppError, Reply};
use crate::web::forms::{Field, csrf, error_summary, input, notice, notice_error};
use crate::web::layout::{Frame, page};
use crate::web::respond::{html as respond, see_other};

type Data = web::Data<AppState>;

mod data;
mod email;
mod password;
mod payment;
mod personal;
mod views;

use self::views::*;
pub use self::{data::*, email::*, password::*, payment::*, personal::*};

pub fn frame(me: &SessionUser) -> Frame<'_> {
    Frame {
        unread_messages: me.unread_messages,
        csrf_token: &me.csrf_token,
        operator: me.is_operator(),
    }
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    m: Option<String>,
}

/// What the settings page shows again after a failed post.
#[derive(Default)]
pub struct SettingsView {
    name: String,
    mobile: String,
    notify_email: bool,
    notify_sms: bool,
    language: String,
    new_email: String,
    errors: SettingsErrors,
    section_error: Option<&'static str>,
    /// SMS chosen, but the number not yet confirmed with its code (issue #34, 8).
    sms_unconfirmed: bool,
    /// The wrong-code message of "Kod från SMS".
    sms_code_error: Option<&'static str>,
}

#[derive(Default)]
struct SettingsErrors {
    name: Option<&'static str>,
    mobile: Option<&'static str>,
    new_email: Option<&'static str>,
    email_password: Option<&'static str>,
    current_password: Option<&'static str>,
    new_password: Option<&'static str>,
    delete_password: Option<&'static str>,
}

impl SettingsView {
    fn of(me: &SessionUser) -> Self {
        let u = &me.user;
        SettingsView {
            name: u.name.clone(),
            mobile: MobileNumber::parse(&u.mobile)
                .map(|m| m.national())
                .unwrap_or_default(),
            notify_email: u.notify_email,
            notify_sms: u.notify_sms,
            language: u.language.clone(),
            ..Default::default()
        }
    }
}

/// The current password asked for by a form here, checked under the account's login limit
/// (a stolen session cannot guess it without end).
async fn current_password(
    state: &AppState,
    me: &SessionUser,
    typed: String,
) -> Result<hashing::Current, AppError> {
    Ok(hashing::verify_current(
        &state.pool,
        &state.hashing,
        me.user.id,
        &me.user.email,
        SecretString::from(typed),
    )
    .await?)
}
