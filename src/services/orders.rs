//! Ordering a permit: the catalogue a buyer may choose from, and placing a checked
//! [`Order`](crate::domain::order::Order) as a new permit, in one transaction. Placing the same
//! review page twice (its confirm key) gives the same permit.

use crate::domain::UserId;
use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::permits::{self as db_permits, NewPermit, PermitRow};
use crate::db::queue::Spot;
use crate::db::{DbConnection, catalogue, write_tx};
use crate::domain::order::{Catalogue, Order};
use crate::domain::permit::{State, renewal_start_while_running};
use crate::domain::permit_actions::{PermitAction, may};
use crate::services::queue;

/// Why an order was not placed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The confirm key belongs to another user's permit: a replayed or forged review page.
    #[error("confirm key of another user")]
    ForeignKey,
    /// The car park is full for this type and the buyer has no offer there
    /// (`services::queue`): the buyer may queue instead.
    #[error("the car park is full")]
    Full,
    /// The buyer has an unpaid order of this type in this car park already (issue #34, 6:
    /// one account cannot hold every free place with unpaid orders).
    #[error("an unpaid order exists: {0}")]
    Unpaid(crate::domain::PermitId),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl From<diesel::result::Error> for OrderError {
    fn from(e: diesel::result::Error) -> Self {
        OrderError::Db(e.into())
    }
}

/// The active catalogue: employee types only for the employee domain, "Extern betalande" for
/// everyone.
pub fn catalogue_for(c: &mut DbConnection, employee: bool) -> QueryResult<Catalogue> {
    let types: Vec<_> = catalogue::active_permit_types(c)?
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
}

/// Places the order as a permit of `user_id` (awaiting payment, or approval where the type
/// needs it), with its application; once per confirm key. In a car park with a capacity the
/// order needs a place (`services::queue::claim`): a free one, the buyer's offer, or the
/// permit it renews; an unpaid permit holds it for `hold_hours`.
pub fn place(
    c: &mut DbConnection,
    user_id: UserId,
    order: &Order,
    key: String,
    hold_hours: i64,
    now: NaiveDateTime,
) -> Result<PermitRow, OrderError> {
    write_tx(c, |c| {
        // The same review page again: the permit it made.
        if let Some(done) = db_permits::by_confirm_key(c, &key)? {
            if done.user_id != user_id {
                return Err(OrderError::ForeignKey);
            }
            return Ok(done);
        }
        let today = crate::domain::permit::today(chrono::Utc::now());
        // Only a permit that may be renewed is renewed (the table's rule), only by one of its
        // type in its car park, only while it runs and once: the renewal then starts the day
        // after it ends, whatever the form said. Anything else is a new permit like any other
        // (it takes a free place or queues).
        let renewal = match order.renews {
            Some(id) => match db_permits::owned(c, id, user_id)?
                .filter(|p| may(PermitAction::Renew, p.kind, p.state))
                .filter(|p| {
                    p.permit_type_id == order.permit_type.id && p.car_park_id == order.car_park.id
                })
                .and_then(|p| {
                    renewal_start_while_running(p.start_date, p.end_date, today)
                        .map(|start| (p.id, start))
                }) {
                Some((old, start)) if !crate::db::queue::renewed(c, old)? => Some((old, start)),
                _ => None,
            },
            None => None,
        };
        let renews = renewal.map(|(old, _)| old);
        let moved;
        let order = match renewal {
            Some((_, start)) => {
                moved = order.clone().starting(start).ok_or(OrderError::Full)?;
                &moved
            }
            None => order,
        };
        let spot = Spot {
            car_park_id: order.car_park.id,
            permit_type_id: order.permit_type.id,
        };
        let state = State::initial(order.permit_type.needs_approval);
        // One unpaid order per car park and type: the user's orders take turns.
        if state == State::AwaitingPayment {
            db_permits::lock_user(c, user_id)?;
        }
        if state == State::AwaitingPayment
            && let Some(unpaid) = db_permits::unpaid_of(c, user_id, spot)?
        {
            return Err(OrderError::Unpaid(unpaid));
        }
        // An application takes its place when it is approved.
        let claim = if state == State::AwaitingPayment {
            queue::claim(c, user_id, spot, renews, now, today)?.map_err(|_| OrderError::Full)?
        } else {
            queue::Claim::Unlimited
        };
        let package = order.package.as_ref();
        let new = NewPermit {
            user_id,
            permit_type_id: order.permit_type.id,
            package_id: package.map(|p| p.id),
            car_park_id: order.car_park.id,
            kind: order.permit_type.kind,
            type_name_sv: order.permit_type.name_sv.clone(),
            type_name_en: order.permit_type.name_en.clone(),
            package_name_sv: package.map(|p| p.name_sv.clone()),
            package_name_en: package.map(|p| p.name_en.clone()),
            months: package.map(|p| p.months),
            days_bought: order.days,
            price_ore: order.price.ore(),
            vat_basis_points: package
                .map(|p| p.vat_basis_points)
                .unwrap_or(order.permit_type.vat_basis_points),
            regnr: order.regnr.as_str().to_string(),
            foreign_plate: order.regnr.is_foreign(),
            start_date: order.start,
            end_date: order.end,
            state,
            confirm_key: key,
            renews_permit_id: renews,
            created_at: now,
            updated_at: now,
        };
        let (permit, created) = db_permits::insert_once(c, &new)?;
        if permit.user_id != user_id {
            return Err(OrderError::ForeignKey);
        }
        if created {
            queue::claimed(c, claim, permit.id, permit.state, hold_hours, now)?;
            db_permits::add_event(
                c,
                permit.id,
                Some(user_id),
                "created",
                permit.state.as_str(),
                now,
            )?;
            if let Some(a) = &order.application {
                db_permits::add_application(c, permit.id, a, now)?;
            }
        }
        Ok(permit)
    })
}
