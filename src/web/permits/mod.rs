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
use crate::db;
use crate::db::catalogue::{PackageRow, PermitTypeRow};
use crate::db::permits::{self as db_permits, PermitRow};
use crate::domain::permit::{Status, renewal_start, today};
use crate::domain::permit_actions::{Kind, PermitAction, may};
use crate::domain::text::display_safe;
use crate::domain::token::new_token;
use crate::domain::{Money, RegNumber};
use crate::i18n::{Lang, Texts};
use crate::state::AppState;
use crate::web::account::flash_text;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, ErrorPage, Reply, unreadable_body};
use crate::web::forms::{Field, csrf, error_summary, input, notice, notice_error};
use crate::web::layout::page;
use crate::web::respond::{html as respond, see_other};
use crate::web::settings::frame;

/// The user's own permit: 404 when there is none of that id, or it is another's.
pub(super) async fn own(
    state: &AppState,
    uid: UserId,
    id: PermitId,
) -> Result<PermitRow, AppError> {
    db::query(&state.pool, move |c| db_permits::owned(c, id, uid))
        .await?
        .ok_or(AppError::NotFound)
}

pub mod daycards;
pub mod payments;
pub mod receipt;

mod attachment;
mod buy;
mod changes;
pub(crate) mod history;
mod page;
mod pause;
mod views;

use self::views::*;
pub use self::{attachment::*, buy::*, changes::*, page::*, pause::*};
pub use crate::i18n::regnr_error;

type Data = web::Data<AppState>;

/// The routes of a customer's permits, under `/permits`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/permits")
            .route("/new", web::get().to(new_form))
            .route("/new", web::post().to(review))
            .route("/new/details", web::get().to(type_details_fragment))
            .route("/new/details", web::post().to(show_details))
            .route("/review", web::get().to(review_draft))
            .route("/confirm", web::post().to(confirm))
            // (Before "/{id}", which would take "confirm" for an id.)
            .route(
                "/confirm",
                web::get().to(crate::web::pages::public::not_found),
            )
            // Asked for most: a permit and its calendar's months, first of the dynamic paths.
            .route("/{id}", web::get().to(show))
            .route("/{id}/calendar", web::get().to(daycards::calendar_fragment))
            .route("/{id}/calendar", web::post().to(daycards::navigate))
            .route("/{id}/regnr", web::post().to(update_regnr))
            .route("/{id}/temporary", web::post().to(add_temporary))
            .route("/{id}/temporary/{tid}/end", web::post().to(end_temporary))
            .route("/{id}/renew", web::get().to(renew))
            .route("/{id}/again", web::get().to(again))
            .route("/{id}/withdraw", web::get().to(withdraw_page))
            .route("/{id}/withdraw", web::post().to(withdraw))
            .route("/{id}/pause", web::post().to(pause::pause))
            .route("/{id}/pause/end", web::post().to(pause::end_pause))
            .route("/{id}/sessions", web::post().to(daycards::book))
            .route("/{id}/pattern", web::get().to(daycards::pattern))
            .route(
                "/{id}/sessions/{day}/cancel",
                web::post().to(daycards::cancel),
            )
            .route(
                "/{id}/sessions/{day}/restore",
                web::post().to(daycards::restore),
            )
            .route("/{id}/attachment", web::post().to(attach))
            .route("/{id}/pay", web::post().to(payments::pay))
            .route("/{id}/pay", web::get().to(payments::to_permit))
            .route("/{id}/pay/cancel", web::post().to(payments::cancel))
            .route("/{id}/swish-return", web::get().to(payments::swish_return))
            .route("/{id}/pay/cancel", web::get().to(payments::to_permit))
            .route("/{id}/payment-status", web::get().to(payments::status))
            .route("/{id}/receipt", web::get().to(receipt::receipt))
            .route("/{id}/card-return", web::get().to(payments::card_return)),
    );
}
