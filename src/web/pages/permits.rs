//! Buying a permit ("Köp nytt parkeringstillstånd"), the permit page ("Visa/ändra") and its
//! changes: registration number, temporary number, renewal.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as MpBytes;
use actix_multipart::form::text::Text;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::daycards;
use super::settings::frame;
use crate::actors::{ChangePermit, PermitChange, PermitError, RuleError};
use crate::auth::SessionUser;
use crate::clock;
use crate::db::catalogue::{CarParkRow, PackageRow, PermitTypeRow};
use crate::db::permits::{self as db_permits, NewPermit, PermitRow};
use crate::db::{self, catalogue};
use crate::domain::permit::{State, Status, period_end, renewal_start, today};
use crate::domain::permit_actions::{PermitAction, allowed_stored};
use crate::domain::regnr::RegNumberError;
use crate::domain::text::display_safe;
use crate::domain::token::new_token;
use crate::domain::{Money, RegNumber};
use crate::i18n::{Lang, Texts};
use crate::state::AppState;
use crate::web::account::flash_text;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, unreadable_body};
use crate::web::forms::{Field, csrf, error_summary, input, notice, notice_error};
use crate::web::layout::page;
use crate::web::respond::{html as respond, see_other};

type Data = web::Data<AppState>;

const TEXT_MAX: usize = 500;

/// What the buyer may choose from.
struct Catalogue {
    types: Vec<PermitTypeRow>,
    packages: Vec<PackageRow>,
    car_parks: Vec<CarParkRow>,
}

impl Catalogue {
    fn type_by_id(&self, id: i64) -> Option<&PermitTypeRow> {
        self.types.iter().find(|t| t.id == id)
    }
    fn packages_of(&self, type_id: i64) -> impl Iterator<Item = &PackageRow> {
        self.packages
            .iter()
            .filter(move |p| p.permit_type_id == type_id)
    }
}

fn type_name(t: &PermitTypeRow, lang: Lang) -> &str {
    match lang {
        Lang::Sv => &t.name_sv,
        Lang::En => &t.name_en,
    }
}

fn package_name(p: &PackageRow, lang: Lang) -> &str {
    match lang {
        Lang::Sv => &p.name_sv,
        Lang::En => &p.name_en,
    }
}

/// Employee types only for the employee domain; "Extern betalande" for everyone.
async fn catalogue_for(state: &AppState, me: &SessionUser) -> Result<Catalogue, AppError> {
    let employee = me.user.is_employee;
    Ok(db::run(&state.pool, move |c| {
        let types: Vec<PermitTypeRow> = catalogue::active_permit_types(c)?
            .into_iter()
            .filter(|t| t.audience == "external" || employee)
            .collect();
        let mut packages = Vec::new();
        for t in &types {
            packages.extend(catalogue::active_packages(c, t.id)?);
        }
        Ok(Catalogue {
            types,
            packages,
            car_parks: catalogue::active_car_parks(c)?,
        })
    })
    .await?)
}

/// The wizard's fields, as typed (query string or form).
#[derive(Deserialize, Default, Clone)]
pub struct BuyForm {
    #[serde(default, rename = "type")]
    type_id: String,
    #[serde(default)]
    package: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    regnr: String,
    foreign: Option<String>,
    #[serde(default)]
    days: String,
    #[serde(default)]
    car_park: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    renews: String,
    #[serde(default)]
    confirm_key: String,
    #[serde(default)]
    csrf: String,
    /// Set by the "Förnya" link: prefill from that permit.
    renew: Option<i64>,
}

impl BuyForm {
    fn bounded(mut self) -> Self {
        for f in [
            &mut self.type_id,
            &mut self.package,
            &mut self.start,
            &mut self.regnr,
            &mut self.days,
            &mut self.car_park,
            &mut self.renews,
        ] {
            *f = f.chars().take(40).collect();
        }
        for f in [&mut self.organisation, &mut self.role, &mut self.reason] {
            *f = f.chars().take(TEXT_MAX + 1).collect();
        }
        self
    }
}

#[derive(Default)]
struct BuyErrors {
    type_id: Option<&'static str>,
    package: Option<&'static str>,
    start: Option<&'static str>,
    regnr: Option<&'static str>,
    days: Option<&'static str>,
    car_park: Option<&'static str>,
    organisation: Option<&'static str>,
    role: Option<&'static str>,
    reason: Option<&'static str>,
}

impl BuyErrors {
    fn any(&self) -> bool {
        [
            self.type_id,
            self.package,
            self.start,
            self.regnr,
            self.days,
            self.car_park,
            self.organisation,
            self.role,
            self.reason,
        ]
        .iter()
        .any(Option::is_some)
    }
}

/// A checked order: everything needed to create the permit.
struct Order {
    permit_type: PermitTypeRow,
    package: Option<PackageRow>,
    days: Option<i32>,
    car_park: CarParkRow,
    start: NaiveDate,
    end: NaiveDate,
    regnr: RegNumber,
    price: Money,
    application: Option<(String, String, String)>,
    renews: Option<i64>,
}

pub fn regnr_error(t: &Texts, e: RegNumberError, foreign: bool) -> &'static str {
    match (e, foreign) {
        (RegNumberError::Empty, _) => t.err_regnr_empty,
        (_, true) => t.err_regnr_foreign,
        (_, false) => t.err_regnr_invalid,
    }
}

fn required_text(raw: &str, t: &Texts) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() {
        Err(t.err_required)
    } else if v.chars().count() > TEXT_MAX {
        Err(t.err_too_long)
    } else {
        Ok(v.to_string())
    }
}

fn check(
    form: &BuyForm,
    cat: &Catalogue,
    t: &Texts,
    today: NaiveDate,
    horizon_days: i64,
) -> Result<Order, Box<BuyErrors>> {
    let mut e = BuyErrors::default();
    let permit_type = form
        .type_id
        .parse::<i64>()
        .ok()
        .and_then(|id| cat.type_by_id(id))
        .cloned();
    if permit_type.is_none() {
        e.type_id = Some(t.err_type);
    }
    let start = NaiveDate::parse_from_str(form.start.trim(), "%Y-%m-%d");
    let start = match start {
        Err(_) => {
            e.start = Some(t.err_start_invalid);
            None
        }
        Ok(d) if d < today => {
            e.start = Some(t.err_start_past);
            None
        }
        Ok(d) if d > today + chrono::Duration::days(horizon_days) => {
            e.start = Some(t.err_start_far);
            None
        }
        Ok(d) => Some(d),
    };
    let foreign = form.foreign.is_some();
    let regnr = RegNumber::parse(&form.regnr, foreign)
        .map_err(|err| e.regnr = Some(regnr_error(t, err, foreign)))
        .ok();
    let car_park = form
        .car_park
        .parse::<i64>()
        .ok()
        .and_then(|id| cat.car_parks.iter().find(|c| c.id == id))
        .cloned();
    if car_park.is_none() {
        e.car_park = Some(t.err_car_park);
    }
    let mut package = None;
    let mut days = None;
    let mut application = None;
    if let Some(pt) = &permit_type {
        if pt.kind == "day" {
            let max = pt.max_days.unwrap_or(60);
            match form.days.trim().parse::<i32>() {
                Ok(n) if (1..=max).contains(&n) => days = Some(n),
                _ => e.days = Some(t.err_days),
            }
        } else {
            package = form
                .package
                .parse::<i64>()
                .ok()
                .and_then(|id| cat.packages_of(pt.id).find(|p| p.id == id))
                .cloned();
            if package.is_none() {
                e.package = Some(t.err_package);
            }
        }
        if pt.needs_approval {
            let org = required_text(&form.organisation, t).map_err(|m| e.organisation = Some(m));
            let role = required_text(&form.role, t).map_err(|m| e.role = Some(m));
            let reason = required_text(&form.reason, t).map_err(|m| e.reason = Some(m));
            if let (Ok(o), Ok(r), Ok(w)) = (org, role, reason) {
                application = Some((o, r, w));
            }
        }
    }
    if e.any() {
        return Err(Box::new(e));
    }
    let (Some(permit_type), Some(start), Some(regnr), Some(car_park)) =
        (permit_type, start, regnr, car_park)
    else {
        return Err(Box::new(e));
    };
    let (end, price) = match (&package, days) {
        (Some(p), _) => (
            period_end(start, p.months.max(1) as u32),
            Money::from_ore(p.price_ore),
        ),
        (None, Some(n)) => (
            period_end(
                start,
                permit_type.day_validity_months.unwrap_or(12).max(1) as u32,
            ),
            Money::from_ore(permit_type.day_price_ore.unwrap_or(0))
                .times(i64::from(n))
                .unwrap_or_default(),
        ),
        (None, None) => return Err(Box::new(e)),
    };
    let Some(end) = end else {
        e.start = Some(t.err_start_invalid);
        return Err(Box::new(e));
    };
    Ok(Order {
        permit_type,
        package,
        days,
        car_park,
        start,
        end,
        regnr,
        price,
        application,
        renews: form.renews.parse().ok(),
    })
}

// ---- views ----

/// The part of the form that depends on the type: packages, number of days, application.
fn type_details(ctx: &Ctx, cat: &Catalogue, form: &BuyForm, e: &BuyErrors) -> Markup {
    let t = ctx.t();
    let chosen = form
        .type_id
        .parse::<i64>()
        .ok()
        .and_then(|id| cat.type_by_id(id));
    html! {
        div #type-details {
            @match chosen {
                Some(pt) if pt.kind == "day" => {
                    (input(Field::new("days", t.days_label, "number").value(&form.days).error(e.days)
                        .hint(&format!("{} {} {}. {} {}.",
                            Money::from_ore(pt.day_price_ore.unwrap_or(0)), t.price_per_day, t.vat_included,
                            t.days_label, pt.max_days.map(|m| format!("1–{m}")).unwrap_or_default()))))
                }
                Some(pt) => {
                    fieldset aria-describedby=[e.package.map(|_| "package-error")] {
                        legend { (t.package_label) }
                        @for p in cat.packages_of(pt.id) {
                            @let id = format!("package-{}", p.id);
                            div.check {
                                input id=(id) type="radio" name="package" value=(p.id) checked[form.package == p.id.to_string()];
                                label for=(id) { (package_name(p, ctx.lang)) }
                                span.hint { " " (Money::from_ore(p.price_ore)) }
                            }
                        }
                    }
                    @if let Some(err) = e.package { p.field-error #package-error { (err) } }
                }
                None => {}
            }
            @if let Some(pt) = chosen && pt.needs_approval {
                h2 { (t.app_heading) }
                p { (t.app_intro) }
                (input(Field::new("organisation", t.app_org, "text").value(&form.organisation).error(e.organisation)))
                (input(Field::new("role", t.app_role, "text").value(&form.role).error(e.role)))
                label for="reason" { (t.app_reason) }
                textarea #reason name="reason" rows="3" required aria-invalid=[e.reason.map(|_| "true")] { (form.reason) }
                @if let Some(err) = e.reason { p.field-error { (err) } }
            }
        }
    }
}

fn buy_form(ctx: &Ctx, me: &SessionUser, cat: &Catalogue, form: &BuyForm, e: &BuyErrors) -> Markup {
    let t = ctx.t();
    html! {
        (error_summary(t, e.any()))
        form method="post" action="/permits/new" novalidate {
            (csrf(&me.csrf_token))
            input type="hidden" name="renews" value=(form.renews);
            fieldset aria-describedby=[e.type_id.map(|_| "type-error")] {
                legend { (t.type_label) }
                @for pt in &cat.types {
                    @let id = format!("type-{}", pt.id);
                    div.check {
                        input id=(id) type="radio" name="type" value=(pt.id) checked[form.type_id == pt.id.to_string()]
                            hx-get="/permits/new/details" hx-target="#type-details" hx-swap="outerHTML"
                            hx-include="closest form";
                        label for=(id) { (type_name(pt, ctx.lang)) }
                    }
                }
                noscript { button.secondary type="submit" formmethod="get" formaction="/permits/new" { (t.show_packages) } }
            }
            @if let Some(err) = e.type_id { p.field-error #type-error { (err) } }
            (type_details(ctx, cat, form, e))
            (input(Field::new("start", t.start_label, "date").value(&form.start).error(e.start)))
            (input(Field::new("regnr", t.regnr_label, "text").value(&form.regnr).error(e.regnr).autocomplete("off")))
            div.check {
                input #foreign type="checkbox" name="foreign" value="yes" checked[form.foreign.is_some()];
                label for="foreign" { (t.foreign_label) }
            }
            label for="car_park" { (t.car_park_label) }
            select #car_park name="car_park" aria-invalid=[e.car_park.map(|_| "true")] {
                @for c in &cat.car_parks {
                    option value=(c.id) selected[form.car_park == c.id.to_string()] { (c.name) }
                }
            }
            @if let Some(err) = e.car_park { p.field-error { (err) } }
            button type="submit" { (t.continue_button) }
        }
    }
}

fn buy_page(ctx: &Ctx, me: &SessionUser, cat: &Catalogue, form: &BuyForm, e: &BuyErrors) -> Markup {
    page(
        ctx,
        Some(&frame(me)),
        ctx.t().buy_title,
        buy_form(ctx, me, cat, form, e),
    )
}

fn hidden_fields(form: &BuyForm) -> Markup {
    html! {
        input type="hidden" name="type" value=(form.type_id);
        input type="hidden" name="package" value=(form.package);
        input type="hidden" name="start" value=(form.start);
        input type="hidden" name="regnr" value=(form.regnr);
        @if form.foreign.is_some() { input type="hidden" name="foreign" value="yes"; }
        input type="hidden" name="days" value=(form.days);
        input type="hidden" name="car_park" value=(form.car_park);
        input type="hidden" name="organisation" value=(form.organisation);
        input type="hidden" name="role" value=(form.role);
        input type="hidden" name="reason" value=(form.reason);
        input type="hidden" name="renews" value=(form.renews);
    }
}

fn review_page(ctx: &Ctx, me: &SessionUser, form: &BuyForm, o: &Order) -> Markup {
    let t = ctx.t();
    let confirm_key = new_token();
    let body = html! {
        p { (t.review_intro) }
        dl.card {
            dt { (t.type_label) } dd { (type_name(&o.permit_type, ctx.lang)) }
            @if let Some(p) = &o.package { dt { (t.package_label) } dd { (package_name(p, ctx.lang)) } }
            @if let Some(n) = o.days { dt { (t.days_label) } dd { (n) } }
            dt { (t.period_label) } dd { (o.start) " – " (o.end) }
            dt { (t.regnr_label) } dd { (o.regnr) }
            dt { (t.car_park_label) } dd { (o.car_park.name) }
            @if let Some((org, role, _)) = &o.application { dt { (t.app_org) } dd { (org) ", " (role) } }
            dt { (t.price_label) } dd { strong { (o.price) } " " (t.vat_included) }
        }
        form method="post" action="/permits/confirm" {
            (csrf(&me.csrf_token))
            (hidden_fields(form))
            input type="hidden" name="confirm_key" value=(confirm_key);
            button type="submit" { (t.confirm_button) }
        }
        form method="get" action="/permits/new" {
            (hidden_fields(form))
            button.secondary type="submit" { (t.change_button) }
        }
    };
    page(ctx, Some(&frame(me)), t.review_title, body)
}

// ---- handlers: buying ----

pub async fn new_form(
    ctx: Ctx,
    state: Data,
    query: web::Query<BuyForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let cat = catalogue_for(&state, me).await?;
    let mut form = query.into_inner().bounded();
    if let Some(id) = form.renew {
        let uid = me.user.id;
        let old = db::run(&state.pool, move |c| Ok(db_permits::owned(c, id, uid)?))
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(refused) = renewal_refused(&ctx, me, &old) {
            return Ok(refused);
        }
        form.type_id = old.permit_type_id.to_string();
        form.package = old.package_id.map(|p| p.to_string()).unwrap_or_default();
        form.days = old.days_bought.map(|d| d.to_string()).unwrap_or_default();
        form.regnr = old.regnr.clone();
        form.foreign = old.foreign_plate.then(|| "yes".to_string());
        form.car_park = old.car_park_id.to_string();
        form.renews = old.id.to_string();
        let today = today(chrono::Utc::now());
        form.start = renewal_start(old.end_date)
            .map(|d| d.max(today))
            .unwrap_or(today)
            .to_string();
    }
    if form.type_id.is_empty()
        && let Some(first) = cat.types.first()
    {
        form.type_id = first.id.to_string();
    }
    if form.start.is_empty() {
        form.start = today(chrono::Utc::now()).to_string();
    }
    if form.car_park.is_empty() {
        form.car_park = cat
            .car_parks
            .first()
            .map(|c| c.id.to_string())
            .unwrap_or_default();
    }
    Ok(respond(
        StatusCode::OK,
        buy_page(&ctx, me, &cat, &form, &BuyErrors::default()),
    ))
}

/// HTMX: the packages (or number of days) of the type just chosen.
pub async fn type_details_fragment(
    ctx: Ctx,
    state: Data,
    query: web::Query<BuyForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let cat = catalogue_for(&state, me).await?;
    let form = query.into_inner().bounded();
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request"))
        .body(type_details(&ctx, &cat, &form, &BuyErrors::default()).into_string()))
}

pub async fn review(
    ctx: Ctx,
    state: Data,
    form: web::Form<BuyForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let cat = catalogue_for(&state, me).await?;
    let form = form.into_inner().bounded();
    let today = today(chrono::Utc::now());
    match check(
        &form,
        &cat,
        ctx.t(),
        today,
        state.settings.permit_start_horizon_days,
    ) {
        Ok(order) => Ok(respond(
            StatusCode::OK,
            review_page(&ctx, me, &form, &order),
        )),
        Err(e) => Ok(respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            buy_page(&ctx, me, &cat, &form, &e),
        )),
    }
}

pub async fn confirm(
    ctx: Ctx,
    state: Data,
    form: web::Form<BuyForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let cat = catalogue_for(&state, me).await?;
    let form = form.into_inner().bounded();
    let today = today(chrono::Utc::now());
    let order = match check(
        &form,
        &cat,
        ctx.t(),
        today,
        state.settings.permit_start_horizon_days,
    ) {
        Ok(o) => o,
        Err(e) => {
            return Ok(respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                buy_page(&ctx, me, &cat, &form, &e),
            ));
        }
    };
    // The key comes from the review page: the same page posted twice gives the same permit.
    let key: String = form
        .confirm_key
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    if key.len() != 64 {
        return Ok(respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            review_page(&ctx, me, &form, &order),
        ));
    }
    let user_id = me.user.id;
    let permit = db::run(&state.pool, move |c| {
        crate::db::write_tx(c, |c| {
            let now = clock::now();
            let renews = match order.renews {
                // Only a permit that may be renewed is renewed (the table's rule).
                Some(id) => db_permits::owned(c, id, user_id)?
                    .filter(|p| allowed_stored(PermitAction::Renew, &p.kind, &p.state))
                    .map(|p| p.id),
                None => None,
            };
            let new = NewPermit {
                user_id,
                permit_type_id: order.permit_type.id,
                package_id: order.package.as_ref().map(|p| p.id),
                car_park_id: order.car_park.id,
                kind: order.permit_type.kind.clone(),
                type_name_sv: order.permit_type.name_sv.clone(),
                type_name_en: order.permit_type.name_en.clone(),
                package_name_sv: order.package.as_ref().map(|p| p.name_sv.clone()),
                package_name_en: order.package.as_ref().map(|p| p.name_en.clone()),
                months: order.package.as_ref().map(|p| p.months),
                days_bought: order.days,
                price_ore: order.price.ore(),
                vat_basis_points: order
                    .package
                    .as_ref()
                    .map(|p| p.vat_basis_points)
                    .unwrap_or(order.permit_type.vat_basis_points),
                regnr: order.regnr.as_str().to_string(),
                foreign_plate: order.regnr.is_foreign(),
                start_date: order.start,
                end_date: order.end,
                state: State::initial(order.permit_type.needs_approval)
                    .as_str()
                    .to_string(),
                confirm_key: key,
                renews_permit_id: renews,
                created_at: now,
                updated_at: now,
            };
            let (permit, created) = db_permits::insert_once(c, &new)?;
            if permit.user_id != user_id {
                return Err(anyhow::anyhow!("confirm key of another user"));
            }
            if created {
                db_permits::add_event(c, permit.id, Some(user_id), "created", &permit.state, now)?;
                if let Some((org, role, reason)) = &order.application {
                    use crate::db::schema::applications;
                    use diesel::prelude::*;
                    diesel::insert_into(applications::table)
                        .values((
                            applications::permit_id.eq(permit.id),
                            applications::organisation.eq(org),
                            applications::role.eq(role),
                            applications::reason.eq(reason),
                            applications::created_at.eq(now),
                        ))
                        .execute(c)?;
                }
            }
            Ok(permit)
        })
    })
    .await?;
    Ok(see_other(&format!("/permits/{}", permit.id)))
}

// ---- the permit page ----

fn status_of(p: &PermitRow) -> Status {
    let state = State::parse(&p.state).unwrap_or(State::Cancelled);
    Status::of(state, p.start_date, p.end_date, today(chrono::Utc::now()))
}

pub fn status_label(p: &PermitRow, lang: Lang) -> &'static str {
    crate::i18n::status(lang, status_of(p))
}

pub fn permit_type_name(p: &PermitRow, lang: Lang) -> &str {
    match lang {
        Lang::Sv => &p.type_name_sv,
        Lang::En => &p.type_name_en,
    }
}

/// The inline registration-number form; HTMX swaps just this.
fn regnr_form(
    ctx: &Ctx,
    me: &SessionUser,
    p: &PermitRow,
    value: &str,
    error: Option<&str>,
    done: bool,
) -> Markup {
    let t = ctx.t();
    let changeable = allowed_stored(PermitAction::ChangeRegnr, &p.kind, &p.state);
    html! {
        form #regnr-form method="post" action={ "/permits/" (p.id) "/regnr" }
            hx-post={ "/permits/" (p.id) "/regnr" } hx-target="this" hx-swap="outerHTML" novalidate {
            (csrf(&me.csrf_token))
            (input(Field::new("regnr", t.regnr_label, "text").value(value).error(error).autocomplete("off")))
            div.check {
                input #regnr-foreign type="checkbox" name="foreign" value="yes" checked[p.foreign_plate];
                label for="regnr-foreign" { (t.foreign_label) }
            }
            @if changeable { button type="submit" { (t.update_button) } }
            @if done { div.notice role="status" { (t.regnr_updated) } }
        }
    }
}

struct PermitView {
    permit: PermitRow,
    car_park: String,
    /// For "Extern betalande": whether the application has a file, and its name.
    application: Option<(bool, Option<String>)>,
    latest_payment: Option<crate::db::payments::PaymentRow>,
    temporaries: Vec<db_permits::TemporaryRow>,
    events: Vec<db_permits::EventRow>,
    sessions: Vec<crate::db::daycards::SessionRow>,
}

async fn load_view(state: &AppState, id: i64, user_id: i64) -> Result<PermitView, AppError> {
    db::run(&state.pool, move |c| {
        let Some(permit) = db_permits::owned(c, id, user_id)? else {
            return Ok(None);
        };
        let car_park = catalogue::active_car_parks(c)?
            .into_iter()
            .find(|cp| cp.id == permit.car_park_id)
            .map(|cp| cp.name)
            .unwrap_or_default();
        let temporaries = db_permits::temporaries(c, id)?;
        let events = db_permits::events(c, id)?;
        let application =
            db_permits::application(c, id)?.map(|a| (a.attachment.is_some(), a.attachment_name));
        let latest_payment = crate::db::payments::latest_for_permit(c, id)?;
        let sessions = crate::db::daycards::sessions(c, id)?;
        Ok(Some(PermitView {
            sessions,
            permit,
            car_park,
            application,
            latest_payment,
            temporaries,
            events,
        }))
    })
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Default)]
struct PageMessages<'a> {
    flash: Option<&'a str>,
    regnr_error: Option<&'a str>,
    regnr_value: Option<String>,
    temp_error: Option<&'a str>,
    attach_error: Option<&'a str>,
    pay_error: Option<&'a str>,
    pay_typed: Option<&'a str>,
    /// The day card's calendar: what was sent and what to say beside it.
    calendar: Option<(daycards::CalendarInput, daycards::CalMsg)>,
}

fn permit_page(ctx: &Ctx, me: &SessionUser, v: &PermitView, m: PageMessages) -> Markup {
    let t = ctx.t();
    let p = &v.permit;
    let status = status_of(p);
    let today = today(chrono::Utc::now());
    let price = Money::from_ore(p.price_ore);
    let (cal_input, cal_msg) = m.calendar.clone().unwrap_or_default();
    let current_temp = v
        .temporaries
        .iter()
        .find(|tr| tr.ended_at.is_none() && tr.to_date >= today);
    // A refusal whose section this permit does not show (an attachment when no application
    // awaits approval, a temporary number when none can be added, days on a card that is
    // not a paid day card) is said at the top instead, so no refusal goes unexplained.
    let shows_attach = status == Status::AwaitingApproval && v.application.is_some();
    let may = |a: PermitAction| allowed_stored(a, &p.kind, &p.state);
    let temp_section = may(PermitAction::TemporaryRegnr);
    let shows_temp_form = temp_section && current_temp.is_none();
    let shows_calendar = may(PermitAction::BookDays);
    let unshown: Vec<&str> = [
        m.attach_error.filter(|_| !shows_attach),
        m.temp_error.filter(|_| !shows_temp_form),
        cal_msg.error.as_deref().filter(|_| !shows_calendar),
        cal_msg.regnr_error.filter(|_| !shows_calendar),
    ]
    .into_iter()
    .flatten()
    .collect();
    let body = html! {
        @if let Some(f) = m.flash { (notice(f)) }
        @for e in &unshown { (notice_error(e)) }
        @if status != Status::AwaitingPayment && let Some(e) = m.pay_error { (notice_error(e)) }
        @if shows_calendar {
            (daycards::top(ctx, p, &v.sessions))
        }
        dl.card {
            dt { (t.type_label) } dd { (permit_type_name(p, ctx.lang)) }
            @if let Some(name) = match ctx.lang { Lang::Sv => &p.package_name_sv, Lang::En => &p.package_name_en } {
                dt { (t.package_label) } dd { (name) }
            }
            @if let Some(n) = p.days_bought { dt { (t.days_label) } dd { (n) } }
            dt { (t.period_label) } dd { (p.start_date) " – " (p.end_date) }
            dt { (t.car_park_label) } dd { (v.car_park) }
            dt { (t.status_label) } dd { strong #status { (status_label(p, ctx.lang)) } }
            dt { (t.price_label) } dd { (price) " " (t.vat_included) }
        }
        @match status {
            Status::AwaitingPayment => {
                (super::payments::section(ctx, me, p.id, price, v.latest_payment.as_ref(), m.pay_error, m.pay_typed))
            }
            Status::AwaitingApproval => {
                p { (t.awaiting_approval_note) }
                @if let Some((has_file, name)) = &v.application {
                    section aria-labelledby="attach-h" {
                        h2 #attach-h { (t.attach_heading) }
                        @if let Some(err) = m.attach_error { (notice_error(err)) }
                        @if *has_file { (notice(&format!("{} {}", t.attach_done, display_safe(name.as_deref().unwrap_or(""))))) }
                        form method="post" action={ "/permits/" (p.id) "/attachment" } enctype="multipart/form-data" {
                            (csrf(&me.csrf_token))
                            label for="file" { (t.attach_label) }
                            input #file type="file" name="file" accept="application/pdf,.pdf" required;
                            button type="submit" { (t.attach_button) }
                        }
                    }
                }
            }
            Status::Rejected => { @if let Some(r) = &p.reject_reason { (notice_error(r)) } }
            _ => {}
        }
        @if p.kind == "day" {
            @if shows_calendar {
                (daycards::section(ctx, me, p, &v.sessions, &cal_input, &cal_msg))
            }
        } @else {
            section aria-labelledby="regnr-h" {
                h2 #regnr-h { (t.regnr_label) }
                (regnr_form(ctx, me, p, m.regnr_value.as_deref().unwrap_or(&p.regnr), m.regnr_error, false))
            }
        }
        @if temp_section {
            section aria-labelledby="temp-h" {
                h2 #temp-h { (t.temp_heading) }
                @if let Some(tr) = current_temp {
                    p { (t.temp_current) ": " strong { (tr.regnr) } " " (tr.from_date) " – " (tr.to_date) }
                    form method="post" action={ "/permits/" (p.id) "/temporary/" (tr.id) "/end" } {
                        (csrf(&me.csrf_token))
                        button.secondary type="submit" { (t.temp_end) }
                    }
                } @else {
                    p { (t.temp_intro) }
                    @if let Some(err) = m.temp_error { (notice_error(err)) }
                    form method="post" action={ "/permits/" (p.id) "/temporary" } novalidate {
                        (csrf(&me.csrf_token))
                        (input(Field::new("temp_regnr", t.temp_regnr_label, "text").autocomplete("off")))
                        div.check {
                            input #temp-foreign type="checkbox" name="foreign" value="yes";
                            label for="temp-foreign" { (t.foreign_label) }
                        }
                        (input(Field::new("from", t.temp_from, "date").value(&today.max(p.start_date).to_string())))
                        (input(Field::new("to", t.temp_to, "date").value(&today.max(p.start_date).to_string())))
                        button type="submit" { (t.temp_button) }
                    }
                }
            }
        }
        section aria-labelledby="actions-h" {
            h2 #actions-h { (t.actions) }
            ul.links {
                @if may(PermitAction::Renew) {
                    li { a href={ "/permits/" (p.id) "/renew" } { (t.renew) } }
                }
                @if may(PermitAction::Receipt) {
                    li { a href={ "/permits/" (p.id) "/receipt" } { (t.receipt_link) } }
                }
            }
        }
        @if !v.events.is_empty() {
            section aria-labelledby="history-h" {
                h2 #history-h { (t.history) }
                ul {
                    @for ev in &v.events {
                        li { (clock::local_display(ev.at)) ": " (ev.kind) " " (display_safe(&ev.detail)) }
                    }
                }
            }
        }
    };
    page(ctx, Some(&frame(me)), t.permit_title, body)
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    m: Option<String>,
}

fn permit_flash(t: &Texts, key: &str) -> Option<&'static str> {
    match key {
        "regnr" => Some(t.regnr_updated),
        "temp_added" => Some(t.temp_added),
        "temp_ended" => Some(t.temp_ended),
        "attached" => Some(t.attach_done),
        "booked" => Some(t.sessions_booked),
        "day_cancelled" => Some(t.session_cancelled),
        other => flash_text(t, other),
    }
}

pub async fn show(
    ctx: Ctx,
    state: Data,
    id: web::Path<i64>,
    query: web::Query<FlashQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let v = load_view(&state, id.into_inner(), me.user.id).await?;
    let flash = query.m.as_deref().and_then(|k| permit_flash(ctx.t(), k));
    // A day card's month and ticked days travel in the query (month navigation without JS).
    let calendar = (v.permit.kind == "day").then(|| {
        (
            daycards::CalendarInput::parse(req.query_string().as_bytes()),
            daycards::CalMsg::default(),
        )
    });
    Ok(respond(
        StatusCode::OK,
        permit_page(
            &ctx,
            me,
            &v,
            PageMessages {
                flash,
                calendar,
                ..Default::default()
            },
        ),
    ))
}

/// The day card's page again with the calendar as sent and the reason it was refused.
pub async fn day_card_page(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: i64,
    input: daycards::CalendarInput,
    msg: daycards::CalMsg,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let v = load_view(state, id, me.user.id).await?;
    let m = PageMessages {
        calendar: Some((input, msg)),
        ..Default::default()
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request"))
        .body(permit_page(ctx, me, &v, m).into_string()))
}

pub fn rule_text(t: &Texts, e: &PermitError) -> Option<&'static str> {
    Some(match e {
        PermitError::Rule(
            RuleError::NotChangeable | RuleError::Transition(_) | RuleError::NoSuchTemporary,
        ) => t.rule_not_changeable,
        PermitError::Rule(RuleError::Refused(r)) => t.refusal(r),
        PermitError::Rule(RuleError::OutsidePeriod) => t.rule_outside_period,
        PermitError::Rule(RuleError::InPast) => t.rule_in_past,
        PermitError::Rule(RuleError::Backwards) => t.rule_backwards,
        PermitError::Rule(RuleError::OneAtATime) => t.rule_one_at_a_time,
        PermitError::Conflict => t.rule_conflict,
        _ => return None,
    })
}

/// A customer's change to their own permit.
async fn change(
    state: &AppState,
    me: &SessionUser,
    id: i64,
    change: PermitChange,
) -> Result<Result<PermitRow, PermitError>, AppError> {
    send_change(state, id, Some(me.user.id), me.user.id, change).await
}

/// Hands a change to the permit's actor. `owner`: the customer the permit must belong to, or
/// `None` for the parking office. A missing permit or an internal failure becomes the
/// request's error; a refused rule comes back for the page to explain.
pub async fn send_change(
    state: &AppState,
    permit_id: i64,
    owner: Option<i64>,
    by_user: i64,
    change: PermitChange,
) -> Result<Result<PermitRow, PermitError>, AppError> {
    let msg = ChangePermit {
        permit_id,
        base_url: state.link(""),
        owner,
        by_user: Some(by_user),
        change,
    };
    match state.permits.send(msg).await {
        Ok(Err(PermitError::NotFound)) => Err(AppError::NotFound),
        Ok(Err(PermitError::Internal(e))) => Err(AppError::Internal(e)),
        Ok(result) => Ok(result),
        Err(e) => Err(AppError::Internal(anyhow::anyhow!("permit registry: {e}"))),
    }
}

#[derive(Deserialize)]
pub struct RegnrForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    regnr: String,
    foreign: Option<String>,
}

pub async fn update_regnr(
    ctx: Ctx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<RegnrForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let t = ctx.t();
    let typed: String = form.regnr.chars().take(40).collect();
    let foreign = form.foreign.is_some();
    let outcome = match RegNumber::parse(&form.regnr, foreign) {
        Err(e) => Err(regnr_error(t, e, foreign)),
        Ok(regnr) => match change(&state, me, id, PermitChange::SetRegnr(regnr)).await? {
            Ok(p) => Ok(p),
            Err(e) => Err(rule_text(t, &e).unwrap_or(t.error_body)),
        },
    };
    if ctx.htmx_fragment {
        // Only the form and its confirmation travel back.
        let p = match &outcome {
            Ok(p) => p.clone(),
            Err(_) => load_view(&state, id, me.user.id).await?.permit,
        };
        let (value, error, done) = match &outcome {
            Ok(p) => (p.regnr.clone(), None, true),
            Err(msg) => (typed, Some(*msg), false),
        };
        let status = if outcome.is_ok() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Vary", "HX-Request"))
            .body(regnr_form(&ctx, me, &p, &value, error, done).into_string()));
    }
    match outcome {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/permits/{id}?m=regnr")))
            .insert_header(("Vary", "HX-Request"))
            .finish()),
        Err(msg) => {
            let m = PageMessages {
                regnr_error: Some(msg),
                regnr_value: Some(typed),
                ..Default::default()
            };
            refused(&ctx, &state, me, id, m).await
        }
    }
}

#[derive(Deserialize)]
pub struct TemporaryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    temp_regnr: String,
    foreign: Option<String>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn add_temporary(
    ctx: Ctx,
    state: Data,
    id: web::Path<i64>,
    form: web::Form<TemporaryForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let t = ctx.t();
    let foreign = form.foreign.is_some();
    let dates = (
        NaiveDate::parse_from_str(form.from.trim(), "%Y-%m-%d"),
        NaiveDate::parse_from_str(form.to.trim(), "%Y-%m-%d"),
    );
    let result = match (RegNumber::parse(&form.temp_regnr, foreign), dates) {
        (Err(e), _) => Err(regnr_error(t, e, foreign)),
        (_, (Err(_), _) | (_, Err(_))) => Err(t.err_start_invalid),
        (Ok(regnr), (Ok(from), Ok(to))) => match change(
            &state,
            me,
            id,
            PermitChange::AddTemporary { regnr, from, to },
        )
        .await?
        {
            Ok(_) => Ok(()),
            Err(e) => Err(rule_text(t, &e).unwrap_or(t.error_body)),
        },
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/permits/{id}?m=temp_added"))),
        Err(msg) => {
            let m = PageMessages {
                temp_error: Some(msg),
                ..Default::default()
            };
            refused(&ctx, &state, me, id, m).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn end_temporary(
    ctx: Ctx,
    state: Data,
    path: web::Path<(i64, i64)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    me.check_csrf(&form.csrf)?;
    let (id, temporary_id) = path.into_inner();
    match change(&state, me, id, PermitChange::EndTemporary { temporary_id }).await? {
        Ok(_) => Ok(see_other(&format!("/permits/{id}?m=temp_ended"))),
        Err(e) => {
            let m = PageMessages {
                temp_error: Some(rule_text(ctx.t(), &e).unwrap_or(ctx.t().error_body)),
                ..Default::default()
            };
            refused(&ctx, &state, me, id, m).await
        }
    }
}

/// "Förnya": the wizard, prefilled with the same type, package and number, starting the day
/// after this permit ends.
pub async fn renew(ctx: Ctx, state: Data, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let id = id.into_inner();
    let uid = me.user.id;
    let old = db::run(&state.pool, move |c| Ok(db_permits::owned(c, id, uid)?))
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(refused) = renewal_refused(&ctx, me, &old) {
        return Ok(refused);
    }
    Ok(see_other(&format!("/permits/new?renew={id}")))
}

/// A renewal of a permit that cannot be renewed (a day card, one not paid): the reason
/// (409) with the way back to the permit; `None` when it may be renewed.
fn renewal_refused(ctx: &Ctx, me: &SessionUser, old: &PermitRow) -> Option<HttpResponse> {
    let (Some(kind), Some(state)) = (
        crate::domain::permit_actions::Kind::parse(&old.kind),
        State::parse(&old.state),
    ) else {
        return Some(respond(StatusCode::CONFLICT, html! {}));
    };
    let refusal = crate::domain::permit_actions::allowed(PermitAction::Renew, kind, state).err()?;
    let t = ctx.t();
    Some(respond(
        StatusCode::CONFLICT,
        page(
            ctx,
            Some(&frame(me)),
            t.renew,
            html! {
                (notice_error(t.refusal(&refusal)))
                p { a href={ "/permits/" (old.id) } { (t.back_to_permit) } }
            },
        ),
    ))
}

pub const ATTACHMENT_MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(MultipartForm)]
pub struct AttachmentForm {
    csrf: Text<String>,
    #[multipart(limit = "5MiB")]
    file: MpBytes,
}

/// The application form as a PDF (at most 5 MB, checked to be a PDF by its content).
pub async fn attach(
    ctx: Ctx,
    state: Data,
    id: web::Path<i64>,
    form: Result<MultipartForm<AttachmentForm>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
    let form = match form {
        Ok(f) => f,
        // Not multipart at all (415), or too large or incomplete (the config's 413).
        Err(e) => {
            let t = ctx.t();
            return Ok(unreadable_body(&e, t.attach_heading, t.err_pdf));
        }
    };
    me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let data = form.file.data;
    // The uploaded name is never kept: the file is stored and served under a name the server
    // makes, and its content must be a PDF by structure (no HTML/PDF polyglot).
    let is_pdf = data.len() <= ATTACHMENT_MAX_BYTES && crate::domain::pdf::is_pdf(&data);
    let uid = me.user.id;
    let stored = if is_pdf {
        db::run(&state.pool, move |c| {
            use crate::db::schema::applications;
            use diesel::prelude::*;
            let Some(p) = db_permits::owned(c, id, uid)? else {
                return Ok(None);
            };
            if !allowed_stored(PermitAction::Attach, &p.kind, &p.state) {
                return Ok(Some(false));
            }
            let earlier = db_permits::events(c, id)?
                .iter()
                .filter(|e| e.kind == "attachment")
                .count();
            let name = format!("bilaga-{id}-{}.pdf", earlier + 1);
            let n = diesel::update(applications::table.find(id))
                .set((
                    applications::attachment.eq(data.to_vec()),
                    applications::attachment_name.eq(&name),
                ))
                .execute(c)?;
            db_permits::add_event(c, id, Some(uid), "attachment", &name, clock::now())?;
            Ok(Some(n == 1))
        })
        .await?
        .ok_or(AppError::NotFound)?
    } else {
        false
    };
    if stored {
        return Ok(see_other(&format!("/permits/{id}?m=attached")));
    }
    let m = PageMessages {
        attach_error: Some(ctx.t().err_pdf),
        ..Default::default()
    };
    refused(&ctx, &state, me, id, m).await
}

/// The permit page again with a message in its payment section.
pub async fn show_with_payment_error(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: i64,
    error: &str,
    typed: &str,
) -> Result<HttpResponse, AppError> {
    let m = PageMessages {
        pay_error: Some(error),
        pay_typed: Some(typed),
        ..Default::default()
    };
    refused(ctx, state, me, id, m).await
}

/// A change that was refused: the permit page again (422) with the reason beside the part
/// that was changed and what the user typed. The same URL answers HTMX with a fragment, so
/// the answer varies by `HX-Request`.
async fn refused(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    id: i64,
    m: PageMessages<'_>,
) -> Result<HttpResponse, AppError> {
    let v = load_view(state, id, me.user.id).await?;
    Ok(HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request"))
        .body(permit_page(ctx, me, &v, m).into_string()))
}
