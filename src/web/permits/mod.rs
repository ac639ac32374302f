//! Permits, for their buyer: [`buy`]ing one, its [`page`] ("Visa/ändra") and its [`changes`]
//! (registration number, temporary number, renewal), the application's [`attachment`], the
//! [`daycards`] calendar, and [`payments`] (Swish, card, receipt).

use crate::domain::{PermitId, UserId};
use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as MpBytes;
use actix_multipart::form::text::Text;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use crate::actors::{ChangePermit, PermitChange, PermitError, RuleError};
use crate::auth::SessionUser;
use crate::clock;
use crate::db::catalogue::{PackageRow, PermitTypeRow};
use crate::db::permits::{self as db_permits, PermitRow};
use crate::db::{self, catalogue};
use crate::domain::permit::{Status, renewal_start, today};
use crate::domain::permit_actions::{Kind, PermitAction, may};
use crate::domain::text::display_safe;
use crate::domain::token::new_token;
use crate::domain::{Money, RegNumber};
use crate::i18n::{Lang, Texts};
use crate::state::AppState;
use crate::web::account::flash_text;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, ErrorPage, unreadable_body};
use crate::web::forms::{Field, csrf, error_summary, input, notice, notice_error};
use crate::web::layout::page;
use crate::web::respond::{html as respond, see_other};
use crate::web::settings::frame;

pub mod daycards;
pub mod payments;
pub mod receipt;

mod attachment;
mod buy;
mod changes;
pub(crate) mod history;
mod page;
mod views;

use self::views::*;
pub use self::{attachment::*, buy::*, changes::*, page::*};
pub use crate::i18n::regnr_error;

type Data = web::Data<AppState>;
