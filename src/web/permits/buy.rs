//! Buying a permit ("Köp nytt parkeringstillstånd"): the form and its checks, the review ("Bekräfta") and the order, in one transaction.

use super::*;
use crate::web::forms::CsrfForm;

pub(super) const TEXT_MAX: usize = 500;

/// What the buyer may choose from.
pub(super) struct Catalogue {
    pub(super) types: Vec<PermitTypeRow>,
    pub(super) packages: Vec<PackageRow>,
    pub(super) car_parks: Vec<CarParkRow>,
}

impl Catalogue {
    pub(super) fn type_by_id(&self, id: i64) -> Option<&PermitTypeRow> {
        self.types.iter().find(|t| t.id == id)
    }
    pub(super) fn packages_of(&self, type_id: i64) -> impl Iterator<Item = &PackageRow> {
        self.packages
            .iter()
            .filter(move |p| p.permit_type_id == type_id)
    }
}

pub(super) fn type_name(t: &PermitTypeRow, lang: Lang) -> &str {
    match lang {
        Lang::Sv => &t.name_sv,
        Lang::En => &t.name_en,
    }
}

pub(super) fn package_name(p: &PackageRow, lang: Lang) -> &str {
    match lang {
        Lang::Sv => &p.name_sv,
        Lang::En => &p.name_en,
    }
}

/// Employee types only for the employee domain; "Extern betalande" for everyone.
pub(super) async fn catalogue_for(
    state: &AppState,
    me: &SessionUser,
) -> Result<Catalogue, AppError> {
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
    pub(super) type_id: String,
    #[serde(default)]
    pub(super) package: String,
    #[serde(default)]
    pub(super) start: String,
    #[serde(default)]
    pub(super) regnr: String,
    pub(super) foreign: Option<String>,
    #[serde(default)]
    pub(super) days: String,
    #[serde(default)]
    pub(super) car_park: String,
    #[serde(default)]
    pub(super) organisation: String,
    #[serde(default)]
    pub(super) role: String,
    #[serde(default)]
    pub(super) reason: String,
    #[serde(default)]
    pub(super) renews: String,
    #[serde(default)]
    pub(super) confirm_key: String,
    #[serde(default)]
    pub(super) csrf: String,
    /// Set by the "Förnya" link: prefill from that permit.
    pub(super) renew: Option<i64>,
}

impl BuyForm {
    pub(super) fn bounded(mut self) -> Self {
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
pub(super) struct BuyErrors {
    pub(super) type_id: Option<&'static str>,
    pub(super) package: Option<&'static str>,
    pub(super) start: Option<&'static str>,
    pub(super) regnr: Option<&'static str>,
    pub(super) days: Option<&'static str>,
    pub(super) car_park: Option<&'static str>,
    pub(super) organisation: Option<&'static str>,
    pub(super) role: Option<&'static str>,
    pub(super) reason: Option<&'static str>,
}

impl BuyErrors {
    pub(super) fn any(&self) -> bool {
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
pub(super) struct Order {
    pub(super) permit_type: PermitTypeRow,
    pub(super) package: Option<PackageRow>,
    pub(super) days: Option<i32>,
    pub(super) car_park: CarParkRow,
    pub(super) start: NaiveDate,
    pub(super) end: NaiveDate,
    pub(super) regnr: RegNumber,
    pub(super) price: Money,
    pub(super) application: Option<(String, String, String)>,
    pub(super) renews: Option<i64>,
}

pub fn regnr_error(t: &Texts, e: RegNumberError, foreign: bool) -> &'static str {
    match (e, foreign) {
        (RegNumberError::Empty, _) => t.err_regnr_empty,
        (_, true) => t.err_regnr_foreign,
        (_, false) => t.err_regnr_invalid,
    }
}

pub(super) fn required_text(raw: &str, t: &Texts) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() {
        Err(t.err_required)
    } else if v.chars().count() > TEXT_MAX {
        Err(t.err_too_long)
    } else {
        Ok(v.to_string())
    }
}

pub(super) fn check(
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
        if pt.kind == Kind::Day {
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
    form: CsrfForm<BuyForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
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
    form: CsrfForm<BuyForm>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require_user()?;
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
                    .filter(|p| may(PermitAction::Renew, p.kind, p.state))
                    .map(|p| p.id),
                None => None,
            };
            let new = NewPermit {
                user_id,
                permit_type_id: order.permit_type.id,
                package_id: order.package.as_ref().map(|p| p.id),
                car_park_id: order.car_park.id,
                kind: order.permit_type.kind.as_str().to_string(),
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
                db_permits::add_event(
                    c,
                    permit.id,
                    Some(user_id),
                    "created",
                    permit.state.as_str(),
                    now,
                )?;
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

crate::csrf_forms!(BuyForm);
