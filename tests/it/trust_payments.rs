//! Issue #13 item 7: returns and callbacks never decide a payment. The outcome always comes
//! from the provider; a pending card payment is polled until final; a charge always ends in a
//! paid permit, or in an automatic refund when the permit can no longer be paid.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use parkportal::actors::permits::{ChangePermit, PermitChange};
use parkportal::db::schema::{
    notifications, payments, permits, receipts, refunds, sim_card_payments, sim_card_refunds,
};

use crate::kit::spawn::{TestApp, spawn_app};
use crate::payments::start_card;
use crate::permits::bought_permit;

fn permit_id(path: &str) -> i64 {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

/// The simulator's own record of the (only) card payment: created (open), charged, or
/// cancelled/declined (ended with nothing charged).
fn at_provider(app: &TestApp) -> String {
    sim_card_payments::table
        .select(sim_card_payments::status)
        .first(&mut app.conn())
        .unwrap()
}

fn latest_payment(app: &TestApp) -> (String, Option<String>) {
    payments::table
        .order(payments::id.desc())
        .select((payments::status, payments::error_code))
        .first(&mut app.conn())
        .unwrap()
}

fn receipts_count(app: &TestApp) -> i64 {
    receipts::table.count().get_result(&mut app.conn()).unwrap()
}

/// Types a card on the hosted page without following the way back; the page's status.
async fn pay_on_hosted_page(app: &TestApp, hosted: &str) -> (u16, String) {
    let resp = app
        .post_form(
            hosted,
            &[("card", "4111 1111 1111 1111"), ("action", "pay")],
        )
        .await;
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// "Avbryt" on the hosted page brings the browser back (same site) with `result=cancel`
/// while the checkout is open. It does not record anything on its own say: the checkout is
/// ended at the provider, and the hosted page can then no longer charge the card, so no
/// charge is left without a paid permit.
#[actix_web::test]
async fn a_cancel_return_ends_the_checkout_at_the_provider_so_nothing_is_charged_unseen() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "retur@regionvastmanland.se").await;
    let hosted = start_card(&app, &permit).await;
    let resp = app
        .client
        .get(app.url(&format!("{permit}/card-return?result=cancel")))
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(at_provider(&app), "cancelled");
    assert_eq!(latest_payment(&app).0, "cancelled");

    let (status, page) = pay_on_hosted_page(&app, &hosted).await;
    assert_eq!(status, 200);
    assert!(page.contains("Betalningen är redan avslutad"));
    assert_eq!(at_provider(&app), "cancelled", "the card was not charged");
    let html = app.get_html(&permit).await;
    assert!(html.contains("Väntar på betalning") && html.contains(">Betala nu</button>"));
    assert_eq!(receipts_count(&app), 0);
}

/// Issue #34, 12: a link on another site (or a request that does not say where it comes from)
/// to `card-return?result=cancel` while the buyer is on the hosted page does not end the
/// checkout: the payment is read back, stays open, and the buyer's card payment goes through.
#[actix_web::test]
async fn a_cross_site_cancel_return_does_not_end_an_open_checkout() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "korsplats@regionvastmanland.se").await;
    let hosted = start_card(&app, &permit).await;
    for site in [Some("cross-site"), None] {
        let mut req = app
            .client
            .get(app.url(&format!("{permit}/card-return?result=cancel")));
        if let Some(site) = site {
            req = req.header("Sec-Fetch-Site", site);
        }
        assert_eq!(req.send().await.unwrap().status(), 303);
        assert_eq!(at_provider(&app), "created", "{site:?}: still open");
        assert_eq!(latest_payment(&app).0, "pending", "{site:?}");
    }
    let (status, _) = pay_on_hosted_page(&app, &hosted).await;
    assert_eq!(status, 303);
    let resp = app
        .client
        .get(app.url(&format!("{permit}/card-return")))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(latest_payment(&app).0, "paid");
    assert_eq!(receipts_count(&app), 1);
}

/// A charge made on the hosted page before the browser comes back with "cancel" is paid,
/// once: the provider's answer wins over what the address says.
#[actix_web::test]
async fn a_charge_before_a_cancel_return_is_paid_once() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "laddat@regionvastmanland.se").await;
    let hosted = start_card(&app, &permit).await;
    let (status, _) = pay_on_hosted_page(&app, &hosted).await;
    assert_eq!(status, 303);
    let resp = app
        .get(&format!("{permit}/card-return?result=cancel"))
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(latest_payment(&app).0, "paid");
    assert_eq!(receipts_count(&app), 1);
    assert!(app.get_html(&permit).await.contains(">Aktiv<"));
}

/// Nobody comes back from the hosted page: the poller finds the charge by itself. And a
/// checkout left open too long is ended at the provider before it is given up, so a late
/// charge cannot happen.
#[actix_web::test]
async fn an_open_card_checkout_is_polled_until_final_and_ended_before_it_is_given_up() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "poll@regionvastmanland.se").await;
    let hosted = start_card(&app, &permit).await;
    let (status, _) = pay_on_hosted_page(&app, &hosted).await;
    assert_eq!(status, 303, "charged; the browser never comes back");
    app.state.poll_payments();
    wait_until("the poller to see the charge", || {
        latest_payment(&app).0 == "paid"
    })
    .await;
    assert_eq!(receipts_count(&app), 1);

    // A second permit, whose buyer leaves the hosted page open and goes away.
    let app = spawn_app().await;
    let permit = bought_permit(&app, "borta@regionvastmanland.se").await;
    let hosted = start_card(&app, &permit).await;
    let eleven_minutes_ago = parkportal::clock::now() - chrono::Duration::minutes(11);
    diesel::update(payments::table)
        .set((
            payments::created_at.eq(eleven_minutes_ago),
            payments::next_poll_at.eq(eleven_minutes_ago),
        ))
        .execute(&mut app.conn())
        .unwrap();
    app.state.poll_payments();
    wait_until("the poller to give the checkout up", || {
        latest_payment(&app).0 != "pending"
    })
    .await;
    assert_eq!(latest_payment(&app).0, "timeout");
    assert_eq!(
        at_provider(&app),
        "cancelled",
        "ended at the provider first"
    );
    let (status, page) = pay_on_hosted_page(&app, &hosted).await;
    assert_eq!(status, 200);
    assert!(page.contains("Betalningen är redan avslutad"));
    assert!(app.get_html(&permit).await.contains(">Betala nu</button>"));
}

/// The parking office cancels a permit while its buyer is on the card page; the buyer pays
/// anyway. The charge is refunded in full at once, the permit stays cancelled, no receipt is
/// made, and the buyer is told.
#[actix_web::test]
async fn a_charge_for_a_permit_cancelled_meanwhile_is_refunded_in_full() {
    let app = spawn_app().await;
    let email = "makulerad@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    let id = permit_id(&permit);
    let hosted = start_card(&app, &permit).await;
    app.state
        .permits
        .send(ChangePermit {
            permit_id: id.into(),
            owner: None,
            by_user: None,
            change: PermitChange::Cancel { refund_ore: None },
        })
        .await
        .unwrap()
        .unwrap();

    let (status, _) = pay_on_hosted_page(&app, &hosted).await;
    assert_eq!(status, 303);
    let resp = app.get(&format!("{permit}/card-return")).await;
    assert_eq!(resp.status(), 303);

    assert_eq!(
        latest_payment(&app),
        ("cancelled".to_string(), Some("LATE_CHARGE".to_string()))
    );
    let price: i64 = payments::table
        .select(payments::amount_ore)
        .first(&mut app.conn())
        .unwrap();
    let refund: (i64, String) = refunds::table
        .select((refunds::amount_ore, refunds::status))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(refund, (price, "done".to_string()));
    let at_sim: Vec<i64> = sim_card_refunds::table
        .select(sim_card_refunds::amount)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(at_sim, vec![price], "refunded at the provider");
    let state: String = permits::table
        .find(id)
        .select(permits::state)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(state, "cancelled");
    assert_eq!(receipts_count(&app), 0);
    let told: i64 = notifications::table
        .filter(notifications::kind.eq("permit_changed"))
        .filter(notifications::body_text.like("%betalas tillbaka%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert!(told >= 1);

    // Polling again changes nothing: one refund, no payment turned paid.
    app.state.poll_payments();
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    let refunds_now: i64 = refunds::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(refunds_now, 1);
}

/// Issue #34, 4: a card refund whose first attempt timed out (the answer lost: Nexi may have
/// made it) and two "Försök igen" at once: the provider refunds once, never twice, and the
/// refund row ends done.
#[actix_web::test]
async fn two_refund_retries_at_once_refund_once() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "tva.forsok@regionvastmanland.se").await;
    let hosted = start_card(&app, &permit).await;
    crate::payments::card_page(&app, &hosted, "4111 1111 1111 1111", "pay").await;
    let (payment_id, provider_ref, amount): (i64, String, i64) = payments::table
        .filter(payments::status.eq("paid"))
        .select((payments::id, payments::provider_ref, payments::amount_ore))
        .first(&mut app.conn())
        .unwrap();
    let op = crate::operator::operator_client(&app, "olle.retry@regionvastmanland.se").await;
    diesel::update(permits::table.find(permit_id(&permit)))
        .set(permits::state.eq("cancelled"))
        .execute(&mut app.conn())
        .unwrap();
    // The first attempt: sent with our instruction id as the key, its answer lost (timed out).
    let instruction = parkportal::payments::swish::new_instruction_id();
    let nexi = parkportal::payments::nexi::NexiClient::simulator(
        &url::Url::parse(&app.address).unwrap(),
        Duration::from_secs(15),
        app.sim_key(),
    );
    let paid = nexi.retrieve(&provider_ref).await.unwrap();
    let item = parkportal::payments::nexi::OrderItem::single(
        "refund",
        "Återbetalning parkering",
        parkportal::domain::Money::from_ore(amount),
        2500,
    );
    nexi.refund(&paid.charges[0].charge_id, amount, &[item], &instruction)
        .await
        .unwrap();
    diesel::insert_into(refunds::table)
        .values((
            refunds::payment_id.eq(payment_id),
            refunds::permit_id.eq(permit_id(&permit)),
            refunds::amount_ore.eq(amount),
            refunds::status.eq("failed"),
            refunds::error.eq("Nexi could not be reached: timed out"),
            refunds::instruction_id.eq(&instruction),
            refunds::created_at.eq(chrono::Utc::now().naive_utc()),
            refunds::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let rid: i64 = refunds::table
        .select(refunds::id)
        .first(&mut app.conn())
        .unwrap();
    let page_path = format!("/operator/permits/{}", permit_id(&permit));
    let page = op
        .get(app.url(&page_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/retry"), "a retry button: {page}");
    let csrf = crate::kit::html::hidden_value(&page, "csrf");
    let retry = format!("{page_path}/refunds/{rid}/retry");
    let send = || {
        op.post(app.url(&retry))
            .form(&[("csrf", csrf.as_str())])
            .send()
    };
    let (a, b) = futures_util::future::join(send(), send()).await;
    assert_eq!(a.unwrap().status(), 303);
    assert_eq!(b.unwrap().status(), 303);
    let after = nexi.retrieve(&provider_ref).await.unwrap();
    assert_eq!(after.refunded, amount, "refunded once at the provider");
    let at_sim: i64 = sim_card_refunds::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(at_sim, 1);
    let status: String = refunds::table
        .find(rid)
        .select(refunds::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "done");
    // A retry of a done refund sends nothing more.
    let resp = send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(nexi.retrieve(&provider_ref).await.unwrap().refunded, amount);
}
