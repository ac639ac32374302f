//! Buying a permit ("Köp nytt parkeringstillstånd"): the form and its checks, the review ("Bekräfta") and the order, in one transaction.

use super::*;
use crate::db::queue::Spot;
pub(super) use crate::domain::order::Order;
use crate::domain::order::{self, Fields, OrderError, OrderErrors};
use crate::i18n;
use crate::services::orders;
use crate::services::queue::{self, Availability};
use crate::web::ctx::UserCtx;
use crate::web::error::Outcome;
use crate::web::forms::CsrfForm;

pub(super) use crate::domain::order::{Catalogue, TEXT_MAX};

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
    Ok(db::query(&state.pool, move |c| orders::catalogue_for(c, employee)).await?)
}

/// The wizard's fields, as typed (query string or form).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BuyForm {
    #[serde(rename = "type")]
    pub(super) type_id: String,
    pub(super) package: String,
    pub(super) start: String,
    pub(super) regnr: String,
    pub(super) foreign: Option<String>,
    pub(super) days: String,
    pub(super) car_park: String,
    pub(super) organisation: String,
    pub(super) role: String,
    pub(super) reason: String,
    pub(super) renews: String,
    pub(super) confirm_key: String,
    /// The queue offer this order answers ("Tacka ja"): its car park and type are locked.
    pub(super) offer: String,
    /// Set by the "Förnya" link: prefill from that permit.
    pub(super) renew: Option<PermitId>,
}

impl BuyForm {
    fn fields(&self) -> Fields<'_> {
        Fields {
            type_id: &self.type_id,
            package: &self.package,
            start: &self.start,
            regnr: &self.regnr,
            foreign: self.foreign.is_some(),
            days: &self.days,
            car_park: &self.car_park,
            organisation: &self.organisation,
            role: &self.role,
            reason: &self.reason,
            renews: &self.renews,
        }
    }

    /// The form as a query string: the address of the wizard as typed, or of the review as a
    /// saved draft (with its confirm key).
    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("type", &self.type_id),
            ("package", &self.package),
            ("start", &self.start),
            ("regnr", &self.regnr),
            ("days", &self.days),
            ("car_park", &self.car_park),
            ("organisation", &self.organisation),
            ("role", &self.role),
            ("reason", &self.reason),
            ("renews", &self.renews),
            ("offer", &self.offer),
            ("confirm_key", &self.confirm_key),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        if self.foreign.is_some() {
            q.append_pair("foreign", "yes");
        }
        q.finish()
    }

    pub(super) fn bounded(mut self) -> Self {
        for f in [
            &mut self.type_id,
            &mut self.package,
            &mut self.start,
            &mut self.regnr,
            &mut self.days,
            &mut self.car_park,
            &mut self.renews,
            &mut self.offer,
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
    pub(super) days: Option<String>,
    pub(super) car_park: Option<&'static str>,
    pub(super) organisation: Option<&'static str>,
    pub(super) role: Option<&'static str>,
    pub(super) reason: Option<&'static str>,
    /// The car park is full for the chosen type ("Fullt").
    /// its queue already.
    pub(super) full: Option<Full>,
    /// The order was refused because it is full: "Fullt" takes the focus, as an error
    /// summary would, so the answer is where the eye is after the tap.
    pub(super) refused_full: bool,
}

/// A full car park and type, as the wizard says it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Full {
    /// The buyer's place in its queue, when in it.
    pub(super) place: Option<i64>,
    /// How many days an offer holds its place (`QUEUE_OFFER_DAYS`).
    pub(super) offer_days: i64,
}

impl BuyErrors {
    fn of(e: &OrderErrors, t: &Texts) -> Self {
        let text = |e: Option<OrderError>| e.map(|e| i18n::order_error(t, e));
        let f = t.lang().flow();
        let missing = |e: Option<OrderError>, words: &'static str| match e {
            Some(OrderError::TextRequired) => Some(words),
            other => text(other),
        };
        Self {
            type_id: text(e.type_id),
            package: text(e.package),
            start: text(e.start),
            regnr: text(e.regnr),
            days: e.days.map(|e| match e {
                OrderError::DaysOutOfRange { max } => i18n::days_error(t, max),
                other => i18n::order_error(t, other).to_string(),
            }),
            car_park: text(e.car_park),
            // What to write, not three "Fyll i fältet." (issue #35, 7).
            organisation: missing(e.organisation, f.need_org),
            role: missing(e.role, f.need_role),
            reason: missing(e.reason, f.need_reason),
            full: None,
            refused_full: false,
        }
    }
}

/// The order checked against the buyer's catalogue, today. A renewal starts the day after
/// the permit it renews ends, however far ahead that is (a 12-month card renewed today): the
/// horizon for its start counts from that day.
fn check(
    ctx: &Ctx,
    state: &AppState,
    form: &BuyForm,
    cat: &Catalogue,
    renewing: Option<&PermitRow>,
) -> Result<Order, Box<BuyErrors>> {
    let today = today(chrono::Utc::now());
    let ahead = renewing
        .and_then(|p| renewal_start(p.end_date))
        .map_or(0, |start| (start - today).num_days().max(0));
    order::check(
        &form.fields(),
        cat,
        today,
        state.settings.permit_start_horizon_days + ahead,
    )
    .map_err(|e| Box::new(BuyErrors::of(&e, ctx.t())))
}

pub async fn new_form(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    query: web::Query<BuyForm>,
) -> Reply {
    let cat = catalogue_for(&state, me).await?;
    let mut form = query.into_inner().bounded();
    let renewing = if let Some(id) = form.renew {
        let uid = me.user.id;
        let old = own(&state, uid, id).await?;
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
        Some(old)
    } else {
        // Back from the review ("Ändra") of a renewal.
        renewed(state.get_ref(), me, &form).await?
    };
    // "Tacka ja": the offer's car park and type, the number typed when joining the queue.
    let offer = match renewing {
        Some(_) => None,
        None => offered(&state, me, &form).await?,
    };
    match &offer {
        Some((o, regnr)) => {
            form.type_id = o.permit_type_id.to_string();
            form.car_park = o.car_park_id.to_string();
            if form.regnr.is_empty()
                && let Some(r) = regnr
            {
                form.regnr.clone_from(r);
            }
        }
        None => form.offer.clear(),
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
    let e = BuyErrors {
        full: fullness(&state, me, &form).await?,
        ..BuyErrors::default()
    };
    Ok(respond(
        StatusCode::OK,
        buy_page(&ctx, me, &cat, &form, &e, locked(&renewing, &offer)),
    ))
}

/// The buyer's own permit that this order renews, if it names one that may be renewed.
async fn renewed(
    state: &AppState,
    me: &SessionUser,
    form: &BuyForm,
) -> Result<Option<PermitRow>, AppError> {
    let Ok(id) = form.renews.parse::<PermitId>() else {
        return Ok(None);
    };
    let uid = me.user.id;
    let old = db::query(&state.pool, move |c| db_permits::owned(c, id, uid)).await?;
    Ok(old.filter(|p| may(PermitAction::Renew, p.kind, p.state)))
}

/// The buyer's own live queue offer that the form names, if any, with the number typed when
/// joining the queue: its car park and type are the order's, its deadline is said on every
/// step (issue #35, 4).
pub(super) async fn offered(
    state: &AppState,
    me: &SessionUser,
    form: &BuyForm,
) -> Result<Option<(crate::db::queue::OfferRow, Option<String>)>, AppError> {
    let Ok(id) = form.offer.parse::<crate::domain::OfferId>() else {
        return Ok(None);
    };
    let uid = me.user.id;
    let found = db::query(&state.pool, move |c| {
        let Some(o) = queue::offer_of(c, uid, id)? else {
            return Ok(None);
        };
        let regnr = crate::db::queue::entry(c, o.entry_id)?.and_then(|e| e.regnr);
        Ok::<_, diesel::result::Error>(Some((o, regnr)))
    })
    .await?;
    Ok(found.filter(|(o, _)| o.is_live(clock::now())))
}

/// What the wizard does not ask again: a renewal's permit first, else an offer's place.
fn locked<'a>(
    renewing: &'a Option<PermitRow>,
    offer: &'a Option<(crate::db::queue::OfferRow, Option<String>)>,
) -> Locked<'a> {
    match (renewing, offer) {
        (Some(old), _) => Locked::Renewal(old),
        (None, Some((o, _))) => Locked::Offer(o),
        (None, None) => Locked::Free,
    }
}

/// Whether the chosen car park is full for the chosen type, for this buyer (an offer of
/// theirs, or the permit a renewal renews, holds a place).
async fn fullness(
    state: &AppState,
    me: &SessionUser,
    form: &BuyForm,
) -> Result<Option<Full>, AppError> {
    let (Ok(type_id), Ok(car_park)) = (
        form.type_id.parse::<crate::domain::PermitTypeId>(),
        form.car_park.parse::<crate::domain::CarParkId>(),
    ) else {
        return Ok(None);
    };
    let renews = renewed(state, me, form)
        .await?
        .filter(|p| p.permit_type_id == type_id && p.car_park_id == car_park)
        .map(|p| p.id);
    let uid = me.user.id;
    let spot = Spot {
        car_park_id: car_park,
        permit_type_id: type_id,
    };
    let seen = db::query(&state.pool, move |c| {
        queue::availability(
            c,
            uid,
            spot,
            renews,
            clock::now(),
            today(chrono::Utc::now()),
        )
    })
    .await?;
    Ok(match seen {
        Availability::Open => None,
        Availability::Full(place) => Some(Full {
            place,
            offer_days: state.settings.queue_offer_days,
        }),
    })
}

/// The wizard again, refused because the car park is full: "Fullt" and the queue button. The
/// buyer made no mistake, so no field is marked and there is no error summary (issue #35, 7);
/// the status still says the order was not made.
fn full_page(
    ctx: &Ctx,
    me: &SessionUser,
    cat: &Catalogue,
    form: &BuyForm,
    full: Full,
) -> HttpResponse {
    let e = BuyErrors {
        full: Some(full),
        refused_full: true,
        ..BuyErrors::default()
    };
    respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        buy_page(ctx, me, cat, form, &e, Locked::Free),
    )
}

/// "Visa paket för vald typ" without JavaScript: the form again, as typed, for the type
/// chosen — by its address, which never holds the CSRF token.
pub async fn show_details(form: CsrfForm<BuyForm>) -> HttpResponse {
    let mut f = form.into_inner().bounded();
    f.confirm_key.clear();
    see_other(&format!("/permits/new?{}", f.query()))
}

/// HTMX: the packages (or number of days) of the type just chosen.
pub async fn type_details_fragment(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    query: web::Query<BuyForm>,
) -> Reply {
    let cat = catalogue_for(&state, me).await?;
    let form = query.into_inner().bounded();
    let full = fullness(&state, me, &form).await?;
    Ok(crate::web::respond::html(
        StatusCode::OK,
        html! {
            (type_details(&ctx, &cat, &form, &BuyErrors::default()))
            (availability(&ctx, full, Swap::Oob))
        },
    ))
}

/// A posted order checked against the buyer's catalogue: the order, or the wizard again with
/// what is wrong (422).
async fn posted_order(
    ctx: &Ctx,
    state: &AppState,
    me: &SessionUser,
    form: BuyForm,
) -> Result<Outcome<(BuyForm, Order), HttpResponse>, AppError> {
    let cat = catalogue_for(state, me).await?;
    let form = form.bounded();
    let renewing = renewed(state, me, &form).await?;
    Ok(match check(ctx, state, &form, &cat, renewing.as_ref()) {
        Ok(order) => match fullness(state, me, &form).await? {
            Some(full) => Outcome::Refused(full_page(ctx, me, &cat, &form, full)),
            None => Outcome::Done((form, order)),
        },
        Err(e) => {
            let offer = offered(state, me, &form).await?;
            Outcome::Refused(respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                buy_page(ctx, me, &cat, &form, &e, locked(&renewing, &offer)),
            ))
        }
    })
}

/// The last day of a paid permit of the buyer's for the same car in the same car park whose
/// period meets the order's, if there is one: the review page warns before a second purchase.
async fn already_covered(
    state: &AppState,
    me: &SessionUser,
    o: &Order,
) -> Result<Option<NaiveDate>, AppError> {
    let (uid, regnr, park, start, end) = (
        me.user.id,
        o.regnr.as_str().to_string(),
        o.car_park.id,
        o.start,
        o.end,
    );
    Ok(db::query(&state.pool, move |c| {
        db_permits::paid_overlapping(c, uid, &regnr, park, start, end)
    })
    .await?)
}

/// "Spara och fortsätt": a valid order goes on to the review as a saved draft, a page of its
/// own address with a new confirm key (303), so "Back" and reload never post again (#35, 3).
pub async fn review(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<BuyForm>,
) -> Reply {
    Ok(
        match posted_order(&ctx, &state, me, form.into_inner()).await? {
            Outcome::Done((mut form, _)) => {
                form.confirm_key = new_token();
                see_other(&format!("/permits/review?{}", form.query()))
            }
            Outcome::Refused(page) => page,
        },
    )
}

/// The review ("Bekräfta"), a GET page: the draft in its address, checked again. Its confirm
/// key makes "Bekräfta" once: reached again after confirming (Back), it says the order is made
/// and links to it.
pub async fn review_draft(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    query: web::Query<BuyForm>,
) -> Reply {
    let mut form = query.into_inner().bounded();
    let Some(key) = order::confirm_key(&form.confirm_key) else {
        form.confirm_key = new_token();
        return Ok(see_other(&format!("/permits/review?{}", form.query())));
    };
    let uid = me.user.id;
    let done = db::query(&state.pool, move |c| db_permits::by_confirm_key(c, &key))
        .await?
        .filter(|p| p.user_id == uid);
    if let Some(permit) = done {
        return Ok(respond(StatusCode::OK, ordered_page(&ctx, me, permit.id)));
    }
    Ok(match posted_order(&ctx, &state, me, form).await? {
        Outcome::Done((form, order)) => {
            let already = already_covered(&state, me, &order).await?;
            let reserved = offered(&state, me, &form).await?.map(|(o, _)| o.expires_at);
            respond(
                StatusCode::OK,
                review_page(&ctx, me, &form, &order, already, reserved),
            )
        }
        Outcome::Refused(page) => page,
    })
}

pub async fn confirm(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    form: CsrfForm<BuyForm>,
) -> Reply {
    let (form, order) = match posted_order(&ctx, &state, me, form.into_inner()).await? {
        Outcome::Done(checked) => checked,
        Outcome::Refused(page) => return Ok(page),
    };
    // The key comes from the review page: the same page posted twice gives the same permit.
    let Some(key) = order::confirm_key(&form.confirm_key) else {
        let mut form = form;
        form.confirm_key = new_token();
        return Ok(see_other(&format!("/permits/review?{}", form.query())));
    };
    let user_id = me.user.id;
    let hold = state.settings.payment_hold_hours;
    let placed = db::run(&state.pool, move |c| {
        Ok::<_, AppError>(orders::place(c, user_id, &order, key, hold, clock::now()))
    })
    .await?;
    let permit = match placed {
        Ok(permit) => permit,
        // The last place went while the buyer was on the review page.
        Err(orders::OrderError::Full) => {
            let cat = catalogue_for(&state, me).await?;
            let full = fullness(&state, me, &form).await?.unwrap_or(Full {
                place: None,
                offer_days: state.settings.queue_offer_days,
            });
            return Ok(full_page(&ctx, me, &cat, &form, full));
        }
        // One unpaid order per car park and type: the one there is, to pay.
        Err(orders::OrderError::Unpaid(id)) => {
            return Ok(see_other(&format!("/permits/{id}?m=unpaid_exists")));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(see_other(&format!("/permits/{}", permit.id)))
}

/// "Köp igen" on Hem (a paid monthly or yearly permit that ends within 30 days or has ended):
/// the same order straight to its review, so a repeat buyer pays in four taps ("Köp igen",
/// "Bekräfta", Swish on this phone, approve; issue #35, 8). While the permit runs the order
/// renews it (from the day after it ends); once it has ended it starts today.
pub async fn again(UserCtx { ref me, .. }: UserCtx, state: Data, id: web::Path<PermitId>) -> Reply {
    let (id, uid) = (id.into_inner(), me.user.id);
    let old = own(&state, uid, id).await?;
    if !may(PermitAction::Renew, old.kind, old.state) {
        return Ok(see_other(&format!("/permits/{id}")));
    }
    let today = today(chrono::Utc::now());
    let mut form = BuyForm {
        type_id: old.permit_type_id.to_string(),
        package: old.package_id.map(|p| p.to_string()).unwrap_or_default(),
        regnr: old.regnr.clone(),
        foreign: old.foreign_plate.then(|| "yes".to_string()),
        car_park: old.car_park_id.to_string(),
        start: today.to_string(),
        confirm_key: new_token(),
        ..BuyForm::default()
    };
    if old.end_date >= today {
        form.renews = id.to_string();
        form.start = renewal_start(old.end_date)
            .map_or(today, |d| d.max(today))
            .to_string();
    }
    Ok(see_other(&format!("/permits/review?{}", form.query())))
}
