//! The moments of paying (#15 §2): the waiting panel and its way out, Swish on this phone
//! (the m-commerce flow through the simulated Swish app), and the confirmation afterwards.

use diesel::prelude::*;
use parkportal::db::schema::{notifications, payments};

use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::payments::{pay, settled, start_card};
use crate::permits::bought_permit;

/// The latest payment: its id, status and error code.
fn latest(app: &TestApp) -> (i64, String, Option<String>) {
    payments::table
        .order(payments::id.desc())
        .select((payments::id, payments::status, payments::error_code))
        .first(&mut app.conn())
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()["location"].to_str().unwrap().to_string()
}

async fn cancel(app: &TestApp, permit: &str) -> reqwest::Response {
    let csrf = app.csrf().await;
    app.post_form(&format!("{permit}/pay/cancel"), &[("csrf", &csrf)])
        .await
}

/// "Betala med Swish på den här mobilen": returns the app link the portal sends the phone to.
async fn pay_in_app(app: &TestApp, permit: &str) -> String {
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            &format!("{permit}/pay"),
            &[("csrf", &csrf), ("method", "swish_app")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    location(&resp)
}

/// The payer's answer in the simulated Swish app; returns where the app sends the phone back.
async fn answer_in_app(app: &TestApp, link: &str, answer: &str) -> String {
    let url = url::Url::parse(link).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let page = app.get_html(link.trim_start_matches(&app.address)).await;
    assert!(page.contains(">Betala</button>"), "{page}");
    // A simulator's page is a page of the demo too: it shows the banner.
    assert!(page.contains("<strong>Demoläge"), "{page}");
    let resp = app
        .post_form(
            "/sim/swish/app",
            &[
                ("token", &q["token"]),
                ("callbackurl", &q["callbackurl"]),
                ("answer", answer),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    location(&resp)
}

#[actix_web::test]
async fn swish_on_this_phone_opens_the_app_and_comes_back_to_a_confirmation() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "60000")]).await;
    let permit = bought_permit(&app, "mobil@regionvastmanland.se").await;
    let link = pay_in_app(&app, &permit).await;
    let (pid, status, _) = latest(&app);
    assert_eq!(status, "pending");
    let back = format!("{}{permit}/swish-return?payment={pid}", app.address);
    assert!(
        link.starts_with(&format!("{}/sim/swish/app?token=", app.address)),
        "{link}"
    );
    assert!(
        link.ends_with(&format!("&callbackurl={}", urlencoding(&back))),
        "{link}"
    );
    // Back on the page before answering: the panel offers the app again, not a number.
    let waiting = app.get_html(&permit).await;
    assert!(waiting.contains("väntar på dig i Swish"), "{waiting}");
    assert!(waiting.contains(">Öppna Swish</a>"));
    assert!(waiting.contains(&link.replace('&', "&amp;")));
    assert!(!waiting.contains("Vi har skickat en betalning"));
    // A second press while the request is open goes on with the same one.
    assert_eq!(pay_in_app(&app, &permit).await, link);
    assert_eq!(latest(&app).0, pid);

    let returned = answer_in_app(&app, &link, "PAID").await;
    assert_eq!(returned, back);
    // Back from the app the outcome is there already: no waiting panel, no refresh needed.
    let resp = app.get(returned.trim_start_matches(&app.address)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("{permit}?payment={pid}"));
    assert_eq!(latest(&app).1, "paid");
    let page = app.get_html(&location(&resp)).await;
    for words in [
        "id=\"payment-done\"",
        ">Betalningen är klar</h2>",
        "Parkeringstillståndet för <strong class=\"nowrap\">ABC123</strong> gäller",
        &format!("href=\"{permit}/receipt\">Se kvitto</a>"),
    ] {
        assert!(page.contains(words), "{words}");
    }
    assert!(
        !page.contains("att boka"),
        "days to book only on a day card"
    );
    // Only for the attempt that was just paid: not on a plain visit, nor for another id.
    for other in [String::new(), "?payment=999".into(), "?payment=x".into()] {
        let page = app.get_html(&format!("{permit}{other}")).await;
        assert!(!page.contains("payment-done"), "{other}");
    }
}

#[actix_web::test]
async fn declined_in_the_app_says_so_and_the_choice_is_back() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "60000")]).await;
    let permit = bought_permit(&app, "nej@regionvastmanland.se").await;
    let link = pay_in_app(&app, &permit).await;
    answer_in_app(&app, &link, "DECLINED").await;
    assert_eq!(settled(&app).await, "declined");
    let page = app.get_html(&permit).await;
    assert!(page.contains("Betalningen gick inte igenom"), "{page}");
    assert!(page.contains(">Betala nu</button>"));
    assert!(!page.contains("payment-done"));
}

#[actix_web::test]
async fn the_waiting_panel_says_what_was_sent_until_when_and_cancels_at_swish() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "60000")]).await;
    let email = "avbryt@regionvastmanland.se";
    let permit = bought_permit(&app, email).await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    let page = app.get_html(&permit).await;
    for words in [
        "class=\"panel waiting\" id=\"payment-progress\"",
        ">Väntar på betalningen</h3>",
        "Vi har skickat en betalning på <strong>3\u{a0}850\u{a0}kr</strong> till <strong class=\"nowrap\">070-123 45 67</strong>.",
        "Öppna Swish och godkänn betalningen.",
        "Godkänn senast kl. <strong>",
        ">Uppdatera status</a>",
        ">Avbryt och välj annat betalsätt</button>",
    ] {
        assert!(page.contains(words), "{words}");
    }
    // In English too, in the same frame.
    app.get("/lang/en?next=%2F").await;
    let english = app.get_html(&permit).await;
    for words in [
        ">Waiting for the payment</h3>",
        "We have sent a payment request of <strong>3\u{a0}850\u{a0}kr</strong> to",
        "Open Swish and approve the payment.",
        "Approve by <strong>",
        ">Refresh status</a>",
        ">Cancel and choose another way to pay</button>",
        "<summary>Menu</summary>",
    ] {
        assert!(english.contains(words), "{words}");
    }
    app.get("/lang/sv?next=%2F").await;
    // The page itself never claims to update: only what htmx fetches says so.
    assert!(!page.contains("Sidan uppdateras av sig själv"));
    let fragment = app
        .client
        .get(app.url(&format!("{permit}/payment-status")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        fragment.contains("Sidan uppdateras av sig själv"),
        "{fragment}"
    );

    let resp = cancel(&app, &permit).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("{permit}#pay-h"));
    let (_, status, code) = latest(&app);
    assert_eq!(
        (status.as_str(), code.as_deref()),
        ("cancelled", Some("BUYER_CANCELLED"))
    );
    let page = app.get_html(&permit).await;
    assert!(
        page.contains("Betalningen avbröts. Inget har dragits."),
        "{page}"
    );
    assert!(
        !page.contains("Betalningen gick inte igenom"),
        "not a failure"
    );
    assert!(page.contains(">Betala nu</button>") && !page.contains("payment-progress"));
    assert!(
        page.contains(": Betalningen avbröts</li>"),
        "in the history"
    );
    // Nobody is told what they did themselves.
    let failed: i64 = notifications::table
        .filter(notifications::kind.eq("payment_failed"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(failed, 0);
    // Cancelled at Swish too: the simulator has it as CANCELLED.
    let at_swish: String = parkportal::db::schema::sim_swish_requests::table
        .select(parkportal::db::schema::sim_swish_requests::id)
        .first(&mut app.conn())
        .unwrap();
    let url = url::Url::parse(&app.address).unwrap();
    let swish = parkportal::payments::swish::SwishClient::simulator(
        &url,
        &url,
        std::time::Duration::from_secs(15),
        app.sim_key(),
    );
    let pr = swish.retrieve(&at_swish).await.unwrap();
    assert_eq!(
        pr.status,
        parkportal::payments::swish::SwishStatus::Cancelled
    );
    // And the buyer pays another way right away.
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(latest(&app).1, "pending");
}

#[actix_web::test]
async fn a_payment_already_answered_is_not_cancelled_but_followed_to_paid() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "60000")]).await;
    let permit = bought_permit(&app, "sent@regionvastmanland.se").await;
    let link = pay_in_app(&app, &permit).await;
    answer_in_app(&app, &link, "PAID").await;
    // Swish refuses to cancel a paid request; or the portal has recorded it already.
    let resp = cancel(&app, &permit).await;
    assert_eq!(resp.status(), 303);
    let to = location(&resp);
    assert!(
        to.ends_with("&m=pay_not_cancelled") || to == format!("{permit}#pay-h"),
        "{to}"
    );
    assert_eq!(settled(&app).await, "paid");
    let page = app.get_html(&permit).await;
    assert!(page.contains(">Aktiv<") && !page.contains("Betalningen avbröts"));
}

#[actix_web::test]
async fn a_card_checkout_is_ended_at_the_provider_when_the_buyer_cancels() {
    let app = spawn_app_with(&[]).await;
    let permit = bought_permit(&app, "kortavbryt@regionvastmanland.se").await;
    let hosted = start_card(&app, &permit).await;
    let page = app.get_html(&permit).await;
    assert!(page.contains("Kortbetalningen är påbörjad"), "{page}");
    assert!(page.contains(">Fortsätt till kortbetalningen</a>"));
    assert!(
        !page.contains("Godkänn senast"),
        "no Swish deadline for a card"
    );
    assert_eq!(
        location(&cancel(&app, &permit).await),
        format!("{permit}#pay-h")
    );
    let (_, status, code) = latest(&app);
    assert_eq!(
        (status.as_str(), code.as_deref()),
        ("cancelled", Some("BUYER_CANCELLED"))
    );
    // The hosted page can no longer charge.
    let resp = app
        .post_form(&hosted, &[("card", "4925000000000004"), ("action", "pay")])
        .await;
    let back = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    if let Some(back) = back {
        app.get(back.trim_start_matches(&app.address)).await;
    }
    assert_eq!(latest(&app).1, "cancelled");
    assert!(app.get_html(&permit).await.contains(">Betala nu</button>"));
}

#[actix_web::test]
async fn only_the_buyer_can_cancel_and_the_cancel_address_answers_get() {
    let app = spawn_app_with(&[("SWISH_SIM_DELAY_MS", "60000")]).await;
    let permit = bought_permit(&app, "agare@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    // Without the form's token: refused.
    let resp = app.post_form(&format!("{permit}/pay/cancel"), &[]).await;
    assert_eq!(resp.status(), 403);
    // A GET (reload, Back) shows the permit.
    for path in [format!("{permit}/pay/cancel"), format!("{permit}/pay")] {
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(location(&resp), permit);
    }
    // Someone else.
    app.get("/logout").await;
    app.logged_in_user("annan@regionvastmanland.se").await;
    assert_eq!(cancel(&app, &permit).await.status(), 404);
    let pid = latest(&app).0;
    let from_app = app
        .get(&format!("{permit}/swish-return?payment={pid}"))
        .await;
    assert_eq!(from_app.status(), 404);
    assert_eq!(latest(&app).1, "pending");
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
