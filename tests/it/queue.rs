//! Capacity and waiting lists over HTTP, with the keeper actor running: a full car park is
//! sold once, the next buyer queues and sees the place, a freed place is offered to the first
//! in line (at once, by their channels), "Tacka ja" leads to the purchase with the place held,
//! "Tacka nej" and lapsed offers and holds pass it on, renewals go before the queue, and the
//! office sets capacity and moves or removes someone with a reason.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use parkportal::db::schema::{audit_log, notifications, permits, queue_entries, queue_offers};

use crate::kit::client::client;
use crate::kit::dates::today;
use crate::kit::flows::{self, Inbox, car_park, confirm_fields, type_id};
use crate::kit::html::{attr, hidden_value, text};
use crate::kit::spawn::{TestApp, spawn_app};
use crate::operator::operator_client;

const PERIOD: &str = "Anställda månads/årskort";

/// A customer on a client of their own, logged in.
async fn customer(app: &TestApp, email: &str) -> reqwest::Client {
    let c = client(&app.address);
    flows::register_confirm_login(&c, &app.address, email, Inbox::Smtp(app.smtp())).await;
    c
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let resp = c.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The wizard's ids of the monthly type and the first car park.
async fn spot(app: &TestApp, c: &reqwest::Client) -> (String, String) {
    let (_, form) = get(app, c, "/permits/new").await;
    (type_id(&form, PERIOD), car_park(&form))
}

/// "Kapacitet" of the first car park for the monthly type, through Katalog.
pub(crate) async fn set_capacity(
    app: &TestApp,
    op: &reqwest::Client,
    places: &str,
) -> reqwest::Response {
    let (t, p) = spot(app, op).await;
    capacity_of(app, op, &t, &p, places).await
}

/// "Kapacitet" of car park `p` for type `t`, through Katalog.
async fn capacity_of(
    app: &TestApp,
    op: &reqwest::Client,
    t: &str,
    p: &str,
    places: &str,
) -> reqwest::Response {
    let (_, katalog) = get(app, op, "/operator/catalogue").await;
    let csrf = hidden_value(&katalog, "csrf");
    // One cell of the table (the others, not sent, stay as they are).
    op.post(app.url("/operator/catalogue/capacity"))
        .form(&[
            ("csrf", csrf.as_str()),
            (format!("cap-{t}-{p}").as_str(), places),
        ])
        .send()
        .await
        .unwrap()
}

/// The monthly permit ordered in the wizard: the answer to "Spara och fortsätt".
async fn order(app: &TestApp, c: &reqwest::Client, regnr: &str) -> reqwest::Response {
    let start = today().to_string();
    let o = flows::Order {
        type_name: PERIOD,
        package: Some("1 månad"),
        days: None,
        start: &start,
        regnr,
    };
    flows::review(c, &app.address, &o).await
}

/// Orders and confirms; the permit's path.
async fn buy(app: &TestApp, c: &reqwest::Client, regnr: &str) -> String {
    let resp = order(app, c, regnr).await;
    assert_eq!(resp.status(), 200, "review");
    let review = resp.text().await.unwrap();
    let resp = flows::confirm(c, &app.address, &review).await;
    assert_eq!(resp.status(), 303, "confirm");
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// "Ställ dig i kö" on the refused wizard: its form sent to the button's address.
async fn join(app: &TestApp, c: &reqwest::Client, refused: &str) -> reqwest::Response {
    assert_eq!(
        attr(refused, "#availability button", "formaction").as_deref(),
        Some("/queue/join"),
        "{refused}"
    );
    let fields = crate::kit::html::form_fields(refused, "form[action='/permits/new']").unwrap();
    c.post(app.url("/queue/join"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

fn offers(app: &TestApp) -> Vec<(i64, String)> {
    queue_offers::table
        .order(queue_offers::id)
        .select((queue_offers::id, queue_offers::status))
        .load(&mut app.conn())
        .unwrap()
}

/// Waits (the keeper works in the background) until `n` offers have been made.
async fn wait_for_offers(app: &TestApp, n: usize) -> Vec<(i64, String)> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let all = offers(app);
        if all.len() >= n {
            return all;
        }
        assert!(Instant::now() < deadline, "{n} offers never came: {all:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The office cancels a permit ("Makulera", asked and confirmed).
async fn office_cancels(app: &TestApp, op: &reqwest::Client, permit: &str) {
    let id = permit.rsplit('/').next().unwrap();
    let (_, page) = get(app, op, &format!("/operator/permits/{id}")).await;
    let csrf = hidden_value(&page, "csrf");
    let resp = op
        .post(app.url(&format!("/operator/permits/{id}/cancel")))
        .form(&[("csrf", csrf.as_str()), ("refund", ""), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "cancel {permit}");
}

/// Waits for the e-mail to `to` whose subject starts with `subject`.
async fn mail(app: &TestApp, to: &str, subject: &str) -> crate::kit::smtp::ReceivedMail {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(m) = app
            .smtp()
            .to(to)
            .into_iter()
            .find(|m| m.subject().starts_with(subject))
        {
            return m;
        }
        assert!(Instant::now() < deadline, "no mail \"{subject}…\" to {to}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The office moves (`place` set) or removes entry `id` of a line, with `reason`.
async fn change_entry(
    app: &TestApp,
    op: &reqwest::Client,
    csrf: &str,
    id: i64,
    place: Option<&str>,
    reason: &str,
) -> reqwest::Response {
    let (place_field, reason_field) = (format!("place-{id}"), format!("reason-{id}"));
    let mut form = vec![("csrf", csrf), (reason_field.as_str(), reason)];
    match place {
        Some(p) => form.extend([(place_field.as_str(), p), ("action", "move")]),
        None => form.push(("action", "remove")),
    }
    op.post(app.url(&format!("/operator/queues/entries/{id}")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn post(app: &TestApp, c: &reqwest::Client, path: &str) -> reqwest::Response {
    let (_, settings) = get(app, c, "/settings").await;
    let csrf = hidden_value(&settings, "csrf");
    c.post(app.url(path))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_full_car_park_is_sold_once_then_queued_offered_and_bought() {
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    assert_eq!(set_capacity(&app, &op, "1").await.status(), 303);
    let (_, katalog) = get(&app, &op, "/operator/catalogue").await;
    assert!(katalog.contains(">Kapacitet</label>"), "{katalog}");
    let (t, p) = spot(&app, &op).await;
    assert_eq!(
        attr(&katalog, &format!("#cap-{t}-{p}"), "value").as_deref(),
        Some("1")
    );

    // The first buyer takes the one place (waiting for payment holds it).
    let anna = customer(&app, "anna@regionvastmanland.se").await;
    let first = buy(&app, &anna, "AAA111").await;

    // The second sees "Fullt" as soon as the choice is made (the htmx fragment)…
    let bo = customer(&app, "bo@regionvastmanland.se").await;
    let (_, fragment) = get(
        &app,
        &bo,
        &format!("/permits/new/details?type={t}&car_park={p}"),
    )
    .await;
    assert!(fragment.contains(">Fullt</h2>") && fragment.contains(">Ställ dig i kö</button>"));
    assert!(fragment.contains("hx-swap-oob"), "{fragment}");
    assert!(
        fragment.contains("har 3 dagar på sig"),
        "QUEUE_OFFER_DAYS said"
    );
    // …and without JavaScript after "Spara och fortsätt": not made, but not the buyer's
    // mistake either: no error summary, no field marked, "Fullt" takes the focus.
    let resp = order(&app, &bo, "BBB222").await;
    assert_eq!(resp.status(), 422);
    let refused = resp.text().await.unwrap();
    assert!(!refused.contains("<title>Fel: "), "no error summary");
    assert!(text(&refused, "#error-summary").is_none(), "{refused}");
    assert!(!refused.contains("aria-invalid"), "no field marked");
    assert!(
        refused.contains(r#"role="alert" tabindex="-1" autofocus"#),
        "{refused}"
    );
    assert!(text(&refused, "#full-h").unwrap().contains("Fullt"));
    let resp = join(&app, &bo, &refused).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/?m=queued");
    let (_, hem) = get(&app, &bo, "/?m=queued").await;
    assert!(hem.contains("Du står nu i kön"), "the notice");
    assert!(
        hem.contains("Plats 1 i kön") && hem.contains("1 person står i kön"),
        "{hem}"
    );
    assert!(hem.contains("Uppskattad väntetid") || hem.contains("går inte att uppskatta"));
    // One place per user, car park and type: joining again changes nothing.
    assert_eq!(join(&app, &bo, &refused).await.status(), 303);
    let cesar = customer(&app, "cesar@regionvastmanland.se").await;
    let refused_c = order(&app, &cesar, "CCC333").await.text().await.unwrap();
    join(&app, &cesar, &refused_c).await;
    let (_, hem_c) = get(&app, &cesar, "/").await;
    assert!(hem_c.contains("Plats 2 i kön") && hem_c.contains("2 personer står i kön"));
    let in_line: i64 = queue_entries::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(in_line, 2);
    // The place shown on the wizard to one already in line.
    let (_, again) = get(&app, &bo, &format!("/permits/new?type={t}&car_park={p}")).await;
    assert!(again.contains("Plats 1 i kön") && !again.contains(">Ställ dig i kö</button>"));

    // The office cancels the first permit: the place is offered to the first in line.
    office_cancels(&app, &op, &first).await;
    let made = wait_for_offers(&app, 1).await;
    assert_eq!(made.len(), 1, "one place, one offer");
    let offer_mail = mail(&app, "bo@regionvastmanland.se", "En plats är ledig").await;
    let link = offer_mail.link("/queue/offers/");
    assert!(
        link.ends_with(&format!("/queue/offers/{}", made[0].0)),
        "{link}"
    );
    // The link goes through login.
    let stranger = client(&app.address);
    let resp = stranger.get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    // Someone else's offer is not there for them.
    let path = link.trim_start_matches(&app.address);
    assert_eq!(get(&app, &cesar, path).await.0, 404);
    let (_, offer) = get(&app, &bo, path).await;
    assert!(offer.contains(">Tacka ja</button>") && offer.contains(">Tacka nej</button>"));
    let (_, hem) = get(&app, &bo, "/").await;
    assert!(
        hem.contains(&format!("/queue/offers/{}", made[0].0)),
        "Hem links the offer"
    );
    // The held place is not for sale to a new buyer.
    let dora = customer(&app, "dora@regionvastmanland.se").await;
    assert_eq!(order(&app, &dora, "DDD444").await.status(), 422);

    // "Tacka ja": the buying flow with the place held, ending in "Väntar på betalning".
    let resp = post(&app, &bo, &format!("{path}/accept")).await;
    assert_eq!(resp.status(), 303);
    let to = format!("/permits/new?offer={}", made[0].0);
    assert_eq!(resp.headers()["location"], to.as_str());
    // The order of the offer (issue #35, 4): the place said to be held until the offer's
    // deadline, car park and type not asked again, the number typed when queueing filled in.
    let (_, locked) = get(&app, &bo, &to).await;
    assert!(locked.contains("är reserverad till"), "{locked}");
    assert!(!locked.contains("<select") && !locked.contains("name=\"type\" value=\"1\" checked"));
    let fields = crate::kit::html::form_fields(&locked, "form[action='/permits/new']").unwrap();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("regnr").as_deref(), Some("BBB222"), "{fields:?}");
    assert_eq!(field("car_park").as_deref(), Some(p.as_str()));
    // Hem no longer asks to answer the offer: it leads on to the order.
    let (_, hem) = get(&app, &bo, "/").await;
    assert!(
        hem.contains("Slutför köpet") && !hem.contains("Svara på erbjudandet"),
        "{hem}"
    );
    let mut fields = fields;
    fields.retain(|(k, _)| k != "package");
    let package = crate::kit::html::radio_value(&locked, "package", "1 månad").unwrap();
    fields.push(("package".into(), package));
    let resp = bo
        .post(app.url("/permits/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let review = flows::follow_review(&bo, &app.address, resp).await;
    assert_eq!(review.status(), 200);
    let review = review.text().await.unwrap();
    assert!(review.contains("är reserverad till"), "{review}");
    let resp = flows::confirm(&bo, &app.address, &review).await;
    assert_eq!(resp.status(), 303);
    let permit = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        get(&app, &bo, &permit)
            .await
            .1
            .contains("Väntar på betalning")
    );
    assert_eq!(offers(&app)[0].1, "used");
    // The offer's deadline holds to the end: "Bekräfta" does not shorten it.
    let expires: chrono::NaiveDateTime = queue_offers::table
        .find(made[0].0)
        .select(queue_offers::expires_at)
        .first(&mut app.conn())
        .unwrap();
    let hold: Option<chrono::NaiveDateTime> = permits::table
        .find(permit.rsplit('/').next().unwrap().parse::<i64>().unwrap())
        .select(permits::hold_until)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(hold, Some(expires));
    let (_, hem_c) = get(&app, &cesar, "/").await;
    assert!(hem_c.contains("Plats 1 i kön"), "the next moves up");
    // A third buyer finds it full.
    let resp = order(&app, &dora, "DDD444").await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains(">Fullt</h2>"));

    // The office sees sold, held and free, and the queue.
    let (_, dash) = get(&app, &op, "/operator/dashboard").await;
    assert!(text(&dash, "#capacity-counts").is_some(), "{dash}");
    let (status, line) = get(&app, &op, &format!("/operator/queues/{p}/{t}")).await;
    assert_eq!(status, 200);
    assert_eq!(text(&line, "#held").as_deref(), Some("1"));
    assert_eq!(text(&line, "#free").as_deref(), Some("0"));
    assert!(line.contains("cesar@regionvastmanland.se") && line.contains("köpt"));

    // Raising the capacity offers the new place to the next in line at once.
    assert_eq!(set_capacity(&app, &op, "2").await.status(), 303);
    let made = wait_for_offers(&app, 2).await;
    let to: i64 = queue_offers::table
        .find(made[1].0)
        .select(queue_offers::user_id)
        .first(&mut app.conn())
        .unwrap();
    let cesar_id: i64 = parkportal::db::schema::users::table
        .filter(parkportal::db::schema::users::email.eq("cesar@regionvastmanland.se"))
        .select(parkportal::db::schema::users::id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(to, cesar_id);
}

#[actix_web::test]
async fn declined_and_lapsed_offers_and_unpaid_holds_pass_the_place_on() {
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    set_capacity(&app, &op, "1").await;
    let anna = customer(&app, "anna@regionvastmanland.se").await;
    let first = buy(&app, &anna, "AAA111").await;
    let mut line = Vec::new();
    for (email, regnr) in [
        ("bo@regionvastmanland.se", "BBB222"),
        ("cesar@regionvastmanland.se", "CCC333"),
        ("dora@regionvastmanland.se", "DDD444"),
    ] {
        let c = customer(&app, email).await;
        let refused = order(&app, &c, regnr).await.text().await.unwrap();
        assert_eq!(join(&app, &c, &refused).await.status(), 303);
        line.push(c);
    }
    // Anna's unpaid permit holds the place until its hold lapses; then it is cancelled, Anna
    // told, and the place offered.
    let id: i64 = first.rsplit('/').next().unwrap().parse().unwrap();
    let hold: Option<chrono::NaiveDateTime> = permits::table
        .find(id)
        .select(permits::hold_until)
        .first(&mut app.conn())
        .unwrap();
    assert!(
        hold.is_some(),
        "an unpaid permit in a full car park holds its place"
    );
    diesel::update(permits::table.find(id))
        .set(permits::hold_until.eq(parkportal::clock::now() - chrono::Duration::minutes(1)))
        .execute(&mut app.conn())
        .unwrap();
    app.state.queue_now();
    let made = wait_for_offers(&app, 1).await;
    assert!(get(&app, &anna, &first).await.1.contains("Makulerad"));
    let kinds: Vec<String> = notifications::table
        .select(notifications::kind)
        .load(&mut app.conn())
        .unwrap();
    assert!(kinds.contains(&"hold_lapsed".to_string()), "{kinds:?}");

    // Bo declines: out of the queue, and the place goes to Cesar at once.
    let resp = post(
        &app,
        &line[0],
        &format!("/queue/offers/{}/decline", made[0].0),
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/?m=declined");
    let (_, hem) = get(&app, &line[0], "/?m=declined").await;
    assert!(
        hem.contains("Platsen går till nästa i kön") && !hem.contains("i kön</span>"),
        "{hem}"
    );
    let made = wait_for_offers(&app, 2).await;
    assert_eq!(made[0].1, "declined");
    // An answer after the decision changes nothing.
    let resp = post(
        &app,
        &line[0],
        &format!("/queue/offers/{}/accept", made[0].0),
    )
    .await;
    assert_eq!(
        resp.headers()["location"],
        format!("/queue/offers/{}", made[0].0).as_str()
    );

    // Cesar's offer is reminded a day before it lapses, then lapses: Dora's turn.
    diesel::update(queue_offers::table.find(made[1].0))
        .set(queue_offers::expires_at.eq(parkportal::clock::now() + chrono::Duration::hours(2)))
        .execute(&mut app.conn())
        .unwrap();
    app.state.queue_now();
    mail(&app, "cesar@regionvastmanland.se", "Påminnelse").await;
    diesel::update(queue_offers::table.find(made[1].0))
        .set(queue_offers::expires_at.eq(parkportal::clock::now() - chrono::Duration::seconds(1)))
        .execute(&mut app.conn())
        .unwrap();
    app.state.queue_now();
    let made = wait_for_offers(&app, 3).await;
    assert_eq!(made[1].1, "expired");
    let (_, page) = get(&app, &line[1], &format!("/queue/offers/{}", made[1].0)).await;
    assert!(
        page.contains("Erbjudandet gäller inte längre") && !page.contains(">Tacka ja</button>")
    );
    // Dora leaves the queue with her offer open: nobody is left to offer it to.
    // "Lämna kön" on Hem asks once more, naming the place (issue #35, 4); a post without
    // "Ja, lämna kön" leaves nothing.
    let (_, hem) = get(&app, &line[2], "/").await;
    let leave = attr(&hem, "a[href$='/leave']", "href").unwrap();
    let resp = post(&app, &line[2], &leave).await;
    assert_eq!(
        resp.headers()["location"],
        leave.as_str(),
        "asked once more"
    );
    assert_eq!(offers(&app)[2].1, "open");
    let (status, ask) = get(&app, &line[2], &leave).await;
    assert_eq!(status, 200);
    assert!(
        ask.contains(">Ja, lämna kön</button>") && ask.contains("i kön till"),
        "{ask}"
    );
    let fields = crate::kit::html::form_fields(&ask, "form[action$='/leave']").unwrap();
    let resp = line[2]
        .post(app.url(&leave))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/?m=left_queue");
    assert_eq!(offers(&app)[2].1, "withdrawn");
    let waiting: i64 = queue_entries::table
        .filter(queue_entries::status.eq_any(["waiting", "offered"]))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(waiting, 0);
}

#[actix_web::test]
async fn the_office_moves_or_removes_with_a_reason_and_the_customer_is_told() {
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    set_capacity(&app, &op, "0").await;
    let mut line = Vec::new();
    for (email, regnr) in [
        ("bo@regionvastmanland.se", "BBB222"),
        ("cesar@regionvastmanland.se", "CCC333"),
    ] {
        let c = customer(&app, email).await;
        let refused = order(&app, &c, regnr).await.text().await.unwrap();
        join(&app, &c, &refused).await;
        line.push(c);
    }
    let (t, p) = spot(&app, &op).await;
    let path = format!("/operator/queues/{p}/{t}");
    let (_, page) = get(&app, &op, &path).await;
    let csrf = hidden_value(&page, "csrf");
    let entries: Vec<i64> = queue_entries::table
        .order(queue_entries::id)
        .select(queue_entries::id)
        .load(&mut app.conn())
        .unwrap();
    let cesar = entries[1];
    // Without a reason: refused, what was typed kept, nothing changed.
    let resp = change_entry(&app, &op, &csrf, cesar, Some("1"), "").await;
    assert_eq!(resp.status(), 422);
    let refused = resp.text().await.unwrap();
    assert!(refused.contains("Skriv en orsak"), "{refused}");
    assert_eq!(attr(&refused, "#move-place", "value").as_deref(), Some("1"));
    // Moved first, with a reason: audited and told.
    let resp = change_entry(&app, &op, &csrf, cesar, Some("1"), "Medicinska skäl").await;
    assert_eq!(resp.status(), 303);
    let (_, hem) = get(&app, &line[1], "/").await;
    assert!(hem.contains("Plats 1 i kön"));
    let (_, hem) = get(&app, &line[0], "/").await;
    assert!(hem.contains("Plats 2 i kön"));
    let changed = mail(&app, "cesar@regionvastmanland.se", "Din plats i kön").await;
    assert!(
        changed.text().contains("Medicinska skäl"),
        "{}",
        changed.text()
    );
    // Removed, with a reason.
    let resp = change_entry(&app, &op, &csrf, entries[0], None, "Har slutat").await;
    assert_eq!(resp.status(), 303);
    let (_, hem) = get(&app, &line[0], "/").await;
    assert!(!hem.contains("i kön</span>"));
    let actions: Vec<String> = audit_log::table
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap();
    for a in ["capacity.set", "queue.move", "queue.remove"] {
        assert!(actions.contains(&a.to_string()), "{a} audited: {actions:?}");
    }
    // Bad capacity input: a clear message, what was typed kept.
    let resp = set_capacity(&app, &op, "tio").await;
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Ange antalet platser"));
    assert_eq!(
        attr(&page, &format!("#cap-{t}-{p}"), "value").as_deref(),
        Some("tio")
    );
    // A customer cannot reach the office's queue.
    assert_eq!(get(&app, &line[0], &path).await.0, 404);
}

#[actix_web::test]
async fn a_holder_renews_without_queueing_and_an_application_needs_a_free_place() {
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let anna = customer(&app, "anna@regionvastmanland.se").await;
    let first = buy(&app, &anna, "AAA111").await;
    // Paid, and ending within the renewal window.
    let id: i64 = first.rsplit('/').next().unwrap().parse().unwrap();
    diesel::update(permits::table.find(id))
        .set((
            permits::state.eq("paid"),
            permits::end_date.eq(today() + chrono::Duration::days(3)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    set_capacity(&app, &op, "1").await;
    // Someone else finds it full and queues.
    let bo = customer(&app, "bo@regionvastmanland.se").await;
    let refused = order(&app, &bo, "BBB222").await.text().await.unwrap();
    join(&app, &bo, &refused).await;
    // Anna renews: no "Fullt" for her.
    let (status, renew) = get(&app, &anna, &format!("/permits/new?renew={id}")).await;
    assert_eq!(status, 200);
    assert!(!renew.contains(">Fullt</h2>"), "{renew}");
    let mut fields = crate::kit::html::form_fields(&renew, "form[action='/permits/new']").unwrap();
    let package = crate::kit::html::radio_value(&renew, "package", "1 månad").unwrap();
    fields.retain(|(k, _)| k != "package");
    fields.push(("package".into(), package));
    let resp = anna
        .post(app.url("/permits/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let resp = crate::kit::flows::follow_review(&anna, &app.address, resp).await;
    assert_eq!(resp.status(), 200, "the renewal's review");
    let review = resp.text().await.unwrap();
    let resp = anna
        .post(app.url("/permits/confirm"))
        .form(&confirm_fields(&review))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    // A second renewal of the same permit is not one: full.
    let resp = anna
        .post(app.url("/permits/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let resp = crate::kit::flows::follow_review(&anna, &app.address, resp).await;
    assert_eq!(resp.status(), 422);
    // An application ("Extern betalande") is approved only with a free place.
    let (_, form) = get(&app, &bo, "/permits/new").await;
    let ext = type_id(&form, "Extern betalande");
    let (_, katalog) = get(&app, &op, "/operator/catalogue").await;
    let csrf = hidden_value(&katalog, "csrf");
    let p = car_park(&form);
    capacity_of(&app, &op, &ext, &p, "").await;
    let details = get(&app, &bo, &format!("/permits/new/details?type={ext}"))
        .await
        .1;
    let pkg = crate::kit::html::radio_value(&details, "package", "1 månad").unwrap();
    let csrf_bo = hidden_value(&form, "csrf");
    let resp = bo
        .post(app.url("/permits/new"))
        .form(&[
            ("csrf", csrf_bo.as_str()),
            ("type", &ext),
            ("package", &pkg),
            ("start", &today().to_string()),
            ("regnr", "EXT111"),
            ("car_park", &p),
            ("organisation", "MDU"),
            ("role", "Student"),
            ("reason", "Praktik"),
        ])
        .send()
        .await
        .unwrap();
    let resp = crate::kit::flows::follow_review(&bo, &app.address, resp).await;
    assert_eq!(resp.status(), 200);
    let application = flows::confirm(&bo, &app.address, &resp.text().await.unwrap())
        .await
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    // The office sets a capacity of 0 for it, then tries to approve.
    capacity_of(&app, &op, &ext, &p, "0").await;
    let aid = application.rsplit('/').next().unwrap();
    let resp = op
        .post(app.url(&format!("/operator/applications/{aid}/approve")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("fullt"));
    assert!(
        get(&app, &bo, &application)
            .await
            .1
            .contains("Väntar på godkännande")
    );
}

#[actix_web::test]
async fn a_deleted_account_leaves_every_queue() {
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    set_capacity(&app, &op, "0").await;
    let bo = customer(&app, "bo@regionvastmanland.se").await;
    let refused = order(&app, &bo, "BBB222").await.text().await.unwrap();
    assert_eq!(join(&app, &bo, &refused).await.status(), 303);
    let (_, settings) = get(&app, &bo, "/settings").await;
    let csrf = hidden_value(&settings, "csrf");
    let resp = bo
        .post(app.url("/settings/delete"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("delete_password", flows::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let statuses: Vec<(String, Option<String>)> = queue_entries::table
        .select((queue_entries::status, queue_entries::end_reason))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        statuses,
        vec![("left".to_string(), Some("account deleted".to_string()))]
    );
}

/// Issue #34, 2: a "renewal" that names a running permit but starts today, or names a renewal
/// that has not begun, or the same permit twice, is no renewal: with a capacity of 1 and
/// someone in line, each is refused as full; the one true renewal starts the day after the
/// renewed permit ends, whatever start the form said.
#[actix_web::test]
async fn a_forged_renewal_takes_no_place_past_the_queue() {
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let anna = customer(&app, "anna@regionvastmanland.se").await;
    let first = buy(&app, &anna, "AAA111").await;
    let id: i64 = first.rsplit('/').next().unwrap().parse().unwrap();
    let end = today() + chrono::Duration::days(20);
    diesel::update(permits::table.find(id))
        .set((permits::state.eq("paid"), permits::end_date.eq(end)))
        .execute(&mut app.conn())
        .unwrap();
    set_capacity(&app, &op, "1").await;
    let bo = customer(&app, "bo@regionvastmanland.se").await;
    let refused = order(&app, &bo, "BBB222").await.text().await.unwrap();
    join(&app, &bo, &refused).await;
    // The renewal page's form, with the start forged to today.
    let renewal_form = |renews: i64, renew_page: &str| {
        let mut fields =
            crate::kit::html::form_fields(renew_page, "form[action='/permits/new']").unwrap();
        let package = crate::kit::html::radio_value(renew_page, "package", "1 månad").unwrap();
        fields.retain(|(k, _)| !matches!(k.as_str(), "package" | "start" | "renews"));
        fields.push(("package".into(), package));
        fields.push(("start".into(), today().to_string()));
        fields.push(("renews".into(), renews.to_string()));
        fields
    };
    let (_, page) = get(&app, &anna, &format!("/permits/new?renew={id}")).await;
    let resp = anna
        .post(app.url("/permits/new"))
        .form(&renewal_form(id, &page))
        .send()
        .await
        .unwrap();
    let resp = crate::kit::flows::follow_review(&anna, &app.address, resp).await;
    assert_eq!(resp.status(), 200, "the renewal's review");
    let resp = flows::confirm(&anna, &app.address, &resp.text().await.unwrap()).await;
    assert_eq!(resp.status(), 303);
    let renewal: i64 = resp.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (start, renews): (chrono::NaiveDate, Option<i64>) = permits::table
        .find(renewal)
        .select((permits::start_date, permits::renews_permit_id))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        start,
        end + chrono::Duration::days(1),
        "decided by the server"
    );
    assert_eq!(renews, Some(id));
    // Paid, the renewal could be named as "renewed" in turn: it has not begun, so no.
    diesel::update(permits::table.find(renewal))
        .set(permits::state.eq("paid"))
        .execute(&mut app.conn())
        .unwrap();
    for renews in [renewal, id, id] {
        let resp = anna
            .post(app.url("/permits/new"))
            .form(&renewal_form(renews, &page))
            .send()
            .await
            .unwrap();
        let resp = crate::kit::flows::follow_review(&anna, &app.address, resp).await;
        assert_eq!(
            resp.status(),
            422,
            "renews={renews}: full, like any purchase"
        );
        assert!(resp.text().await.unwrap().contains(">Fullt</h2>"));
    }
    // Valid today: the one permit Anna had.
    let valid_today: i64 = permits::table
        .filter(permits::regnr.eq("AAA111"))
        .filter(permits::state.eq("paid"))
        .filter(permits::start_date.le(today()))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(valid_today, 1);
}

/// Issue #34, 6: one account cannot hold every free place with unpaid orders. With 3 places,
/// a second unpaid order of the same type in the same car park (even two at once) is not made:
/// the buyer is sent to the one there is; the next buyer still finds places.
#[actix_web::test]
async fn one_unpaid_order_per_car_park_and_type() {
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    set_capacity(&app, &op, "3").await;
    let anna = customer(&app, "anna.hoarder@regionvastmanland.se").await;
    let first = buy(&app, &anna, "AAA111").await;
    // Two more review pages, confirmed at once.
    let r1 = order(&app, &anna, "BBB222").await.text().await.unwrap();
    let r2 = order(&app, &anna, "CCC333").await.text().await.unwrap();
    let (a, b) = futures_util::future::join(
        flows::confirm(&anna, &app.address, &r1),
        flows::confirm(&anna, &app.address, &r2),
    )
    .await;
    for resp in [a, b] {
        assert_eq!(resp.status(), 303);
        assert_eq!(
            resp.headers()["location"],
            format!("{first}?m=unpaid_exists").as_str()
        );
    }
    let (_, page) = get(&app, &anna, &format!("{first}?m=unpaid_exists")).await;
    assert!(
        page.contains("Du har redan en obetald beställning"),
        "{page}"
    );
    let unpaid: i64 = permits::table
        .filter(permits::state.eq("awaiting_payment"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(unpaid, 1);
    // Bo still finds a place.
    let bo = customer(&app, "bo.buyer@regionvastmanland.se").await;
    assert_eq!(order(&app, &bo, "DDD444").await.status(), 200);
}

/// Issue #34, 6: a payment that stays pending does not stretch a hold past its time: after
/// the grace for a payment begun in time, the keeper lets the place go.
#[actix_web::test]
async fn a_pending_payment_does_not_stretch_a_hold() {
    use parkportal::db::schema::payments;
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    set_capacity(&app, &op, "1").await;
    let anna = customer(&app, "anna.stretch@regionvastmanland.se").await;
    let first = buy(&app, &anna, "AAA111").await;
    let id: i64 = first.rsplit('/').next().unwrap().parse().unwrap();
    let bo = customer(&app, "bo.waits@regionvastmanland.se").await;
    let refused = order(&app, &bo, "BBB222").await.text().await.unwrap();
    join(&app, &bo, &refused).await;
    // A payment that never ends, begun while the place was held; the hold lapsed long ago.
    let now = parkportal::clock::now();
    let grace = parkportal::actors::queue::HOLD_PAYMENT_GRACE_MINUTES;
    let until = now - chrono::Duration::minutes(grace + 5);
    diesel::update(permits::table.find(id))
        .set(permits::hold_until.eq(until))
        .execute(&mut app.conn())
        .unwrap();
    let user: i64 = permits::table
        .find(id)
        .select(permits::user_id)
        .first(&mut app.conn())
        .unwrap();
    diesel::insert_into(payments::table)
        .values((
            payments::permit_id.eq(id),
            payments::user_id.eq(user),
            payments::polls.eq(0),
            // Not asked of the provider in this test: it stays pending.
            payments::next_poll_at.eq(now + chrono::Duration::days(1)),
            payments::method.eq("swish"),
            payments::provider_ref.eq("NEVERENDING0000000000000000000001"),
            payments::amount_ore.eq(50_000_i64),
            payments::status.eq("pending"),
            payments::created_at.eq(until - chrono::Duration::minutes(1)),
            payments::updated_at.eq(until - chrono::Duration::minutes(1)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    app.state.queue_now();
    let made = wait_for_offers(&app, 1).await;
    assert_eq!(made.len(), 1, "the place went to Bo");
    assert!(get(&app, &anna, &first).await.1.contains("Makulerad"));
}
