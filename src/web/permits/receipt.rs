//! "Kvitto": the receipt of a paid permit, for its owner.

use crate::domain::PermitId;
use crate::web::ctx::UserCtx;
use actix_web::http::StatusCode;
use actix_web::web;
use maud::html;

use crate::clock;
use crate::db::{self, payments as db_payments, permits as db_permits};
use crate::domain::Money;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::layout::page;
use crate::web::respond::html as respond;
use crate::web::settings::frame;

type Data = web::Data<AppState>;

pub async fn receipt(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
) -> Result<actix_web::HttpResponse, AppError> {
    let t = ctx.t();
    let id = id.into_inner();
    let uid = me.user.id;
    let r = db::query(&state.pool, move |c| {
        if db_permits::owned(c, id, uid)?.is_none() {
            return Ok(None);
        }
        db_payments::receipt_for_permit(c, id)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let method = match (r.method.as_str(), ctx.lang) {
        ("swish", _) => "Swish",
        (_, Lang::Sv) => "Kort",
        (_, Lang::En) => "Card",
    };
    let vat_rate = format!(
        "{} %",
        crate::domain::money::vat_percent(r.vat_basis_points)
    );
    let body = html! {
        dl.card.receipt {
            dt { (t.receipt_number) } dd { (r.number) }
            dt { (t.receipt_date) } dd { (clock::local_display(r.issued_at)) }
            dt { (t.receipt_seller) } dd { (r.seller_name) br; (r.seller_address) }
            dt { (t.receipt_org_no) } dd { (r.seller_org_no) }
            dt { (t.receipt_item) } dd { (r.item) }
            dt { (t.period_label) } dd { (r.period) }
            dt { (t.regnr_label) } dd { (r.regnr) }
            dt { (t.receipt_net) } dd { (Money::from_ore(r.net_ore)) }
            dt { (t.receipt_vat_rate) } dd { (vat_rate) }
            dt { (t.receipt_vat) } dd { (Money::from_ore(r.vat_ore)) }
            dt { (t.receipt_total) } dd { strong { (Money::from_ore(r.total_ore)) } }
            dt { (t.pay_method) } dd { (method) }
            dt { (t.receipt_reference) } dd { (r.provider_ref) }
        }
        p { a href={ "/permits/" (id) } { (t.permit_title) } }
    };
    Ok(respond(
        StatusCode::OK,
        page(&ctx, Some(&frame(me)), t.receipt_title, body),
    ))
}
