//! The parking office at work in the operator portal: applications, cases, search, changes
//! and cancellation with refunds through the simulators, catalogue, CSV and dashboard. Each
//! action is checked from the customer's side too (page, notification) and in the audit log.

use diesel::prelude::*;
use parkportal::db::schema::{
    audit_log, notifications, packages, permits, refunds, sim_card_refunds, sim_swish_refunds,
};

use crate::kit::dates::today;
use crate::kit::flows::{package_id, type_id};
use crate::kit::{
    html::{attr, attrs, hidden_value},
    spawn::{TestApp, spawn_app},
};
use crate::operator::operator_client;
use crate::payments::{card_page, pay, settled, start_card};
use crate::permits::{bought_permit, confirm};

/// A student applies for "Extern betalande"; returns the permit's path.
async fn apply(app: &TestApp, regnr: &str) -> String {
    let html = app.get_html("/permits/new").await;
    let csrf = hidden_value(&html, "csrf");
    let t = type_id(&html, "Extern betalande");
    let details = app
        .get_html(&format!("/permits/new/details?type={t}"))
        .await;
    let p = package_id(&details, "1 månad");
    let resp = app
        .post_form(
            "/permits/new",
            &[
                ("csrf", &csrf),
                ("type", &t),
                ("package", &p),
                ("start", &today().to_string()),
                ("regnr", regnr),
                ("car_park", "1"),
                ("organisation", "Mälardalens universitet"),
                ("role", "Student"),
                ("reason", "Praktik"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let review = resp.text().await.unwrap();
    confirm(app, &review).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string()
}

async fn op_post(
    app: &TestApp,
    op: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    op.post(app.url(path)).form(form).send().await.unwrap()
}

/// Posts a form the office should refuse: 422, and the page that came back with the error.
async fn op_refused(
    app: &TestApp,
    op: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> String {
    let resp = op_post(app, op, path, form).await;
    assert_eq!(resp.status(), 422, "{path}");
    resp.text().await.unwrap()
}

async fn op_get(app: &TestApp, op: &reqwest::Client, path: &str) -> (u16, String) {
    let resp = op.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn kinds(app: &TestApp) -> Vec<String> {
    notifications::table
        .order(notifications::id.asc())
        .select(notifications::kind)
        .load(&mut app.conn())
        .unwrap()
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn applications_are_approved_or_rejected_and_the_applicant_told() {
    let app = spawn_app().await;
    app.logged_in_user("student@example.com").await;
    let first = apply(&app, "STU111").await;
    let second = apply(&app, "STU222").await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let (status, queue) = op_get(&app, &op, "/operator/applications").await;
    assert_eq!(status, 200);
    assert!(queue.contains("STU111") && queue.contains("STU222") && queue.contains("Praktik"));
    assert!(queue.contains(">Godkänn</button>") && queue.contains(">Avslå</button>"));
    assert!(queue.contains(">Motivering</label>"));
    let csrf = hidden_value(&queue, "csrf");
    let id1 = first.rsplit('/').next().unwrap();
    let id2 = second.rsplit('/').next().unwrap();

    let resp = op_post(
        &app,
        &op,
        &format!("/operator/applications/{id1}/approve"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let page = app.get_html(&first).await;
    assert!(
        page.contains("Väntar på betalning") && page.contains("Betala nu"),
        "{page}"
    );
    // A second approval of the same permit is refused, nothing changes.
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/applications/{id1}/approve"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), 422);

    // A rejection needs a reason.
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/applications/{id2}/reject"),
        &[("csrf", &csrf), ("reason", "  ")],
    )
    .await;
    assert_eq!(resp.status(), 422);
    // The list again, the error at that application's reason and in the summary, what was
    // typed kept (#16 items 1 and 2).
    let page = resp.text().await.unwrap();
    assert!(page.contains("Skriv en motivering"));
    let field = format!("motivering-{id2}");
    assert_eq!(
        attrs(&page, "#error-summary a", "href"),
        [format!("#{field}")]
    );
    assert_eq!(
        attr(&page, &format!("#{field}"), "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attr(&page, &format!("#{field}"), "value").as_deref(),
        Some("  ")
    );
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/applications/{id2}/reject"),
        &[
            ("csrf", &csrf),
            ("reason", "Utbildningen ger inte rätt till parkering"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let page = app.get_html(&second).await;
    assert!(page.contains("Avslagen") && page.contains("Utbildningen ger inte rätt"));
    let (_, queue) = op_get(&app, &op, "/operator/applications").await;
    assert!(queue.contains("Inga ansökningar väntar."));

    let k = kinds(&app);
    assert!(k.contains(&"application_approved".to_string()), "{k:?}");
    assert!(k.contains(&"application_rejected".to_string()), "{k:?}");
    for n in [2, 3] {
        let mail = app.smtp().wait_for_nth("student@example.com", n).await;
        assert!(mail.text().contains("/permits/"), "{}", mail.text());
    }
    let a = audit_actions(&app);
    assert!(a.contains(&"permit.state".to_string()), "{a:?}");
    // Without the form's token nothing happens.
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/applications/{id1}/approve"),
        &[],
    )
    .await;
    assert_eq!(resp.status(), 403);
}

#[actix_web::test]
async fn the_office_answers_and_closes_cases() {
    let app = spawn_app().await;
    app.logged_in_user("kund@regionvastmanland.se").await;
    let csrf = app.csrf().await;
    let resp = app
        .post_form(
            "/messages/new",
            &[
                ("csrf", &csrf),
                ("subject", "Fråga"),
                ("message", "Hej, en fråga"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let thread = resp.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let id = thread.rsplit('/').next().unwrap().to_string();
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let (_, inbox) = op_get(&app, &op, "/operator/cases").await;
    assert!(inbox.contains("Fråga") && inbox.contains("Obesvarat"));
    let (_, page) = op_get(&app, &op, &format!("/operator/cases/{id}")).await;
    assert!(page.contains("Hej, en fråga") && page.contains(">Meddelande</label>"));
    let csrf = hidden_value(&page, "csrf");
    let page = op_refused(
        &app,
        &op,
        &format!("/operator/cases/{id}"),
        &[("csrf", &csrf), ("message", "")],
    )
    .await;
    assert_eq!(attrs(&page, "#error-summary a", "href"), ["#message"]);
    assert!(page.contains("Skriv ett meddelande."));
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/cases/{id}"),
        &[("csrf", &csrf), ("message", "Svar från kontoret")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (_, inbox) = op_get(&app, &op, "/operator/cases").await;
    assert!(!inbox.contains("Obesvarat"));
    let customer_view = app.get_html(&thread).await;
    assert!(customer_view.contains("Svar från kontoret"));
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/cases/{id}/close"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert!(app.get_html(&thread).await.contains("Avslutat"));
    assert!(kinds(&app).contains(&"case_reply".to_string()));
    let a = audit_actions(&app);
    assert!(a.contains(&"case.reply".to_string()) && a.contains(&"case.close".to_string()));
    assert_eq!(op_get(&app, &op, "/operator/cases/999").await.0, 404);
}

#[actix_web::test]
async fn cancel_with_swish_refund_then_card_refund() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "betalt@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let id = permit.rsplit('/').next().unwrap().to_string();
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let (_, page) = op_get(&app, &op, &format!("/operator/permits/{id}")).await;
    assert!(page.contains("Återbetalning (kr)") && page.contains(">Makulera</button>"));
    let csrf = hidden_value(&page, "csrf");
    // More than was paid (3 850 kr) is refused; so is nonsense. Nothing changes.
    for bad in ["5000", "abc", "-3"] {
        let resp = op_post(
            &app,
            &op,
            &format!("/operator/permits/{id}/cancel"),
            &[("csrf", &csrf), ("refund", bad)],
        )
        .await;
        assert_eq!(resp.status(), 422, "{bad}");
        // What was typed comes back, with the error at the field and in the summary.
        let page = resp.text().await.unwrap();
        assert_eq!(attr(&page, "#refund", "value").as_deref(), Some(bad));
        assert_eq!(
            attr(&page, "#refund", "inputmode").as_deref(),
            Some("decimal"),
            "a phone shows the number keys"
        );
        assert_eq!(
            attrs(&page, "#error-summary a", "href"),
            ["#refund"],
            "{bad}"
        );
    }
    assert!(app.get_html(&permit).await.contains("Aktiv"));
    // "Makulera" asks once more: what is cancelled, the refund and how, that the customer is
    // told; nothing changes until "Ja, makulera".
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/permits/{id}/cancel"),
        &[("csrf", &csrf), ("refund", "1000,50")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let check = resp.text().await.unwrap();
    assert_eq!(
        crate::kit::html::text(&check, "h1").as_deref(),
        Some("Makulera ABC123")
    );
    let shown = crate::kit::html::text(&check, "main").unwrap();
    for words in [
        "går inte att ångra",
        "1\u{a0}000,50\u{a0}kr · Swish",
        "Kunden får besked",
    ] {
        assert!(shown.contains(words), "{words:?} in {shown}");
    }
    assert_eq!(
        attr(&check, "form button.danger", "type").as_deref(),
        Some("submit"),
        "'Ja, makulera' looks dangerous"
    );
    assert_eq!(
        attr(&check, "a.button.secondary", "href"),
        Some(format!("/operator/permits/{id}"))
    );
    assert!(app.get_html(&permit).await.contains("Aktiv"));
    let fields = crate::kit::html::form_fields(&check, "form[action$='/cancel']").unwrap();
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert!(fields.contains(&("confirm", "yes")), "{fields:?}");
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/permits/{id}/cancel"),
        &fields,
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("m=cancelled")
    );
    assert!(app.get_html(&permit).await.contains("Makulerad"));
    let done: Vec<(String, i64)> = refunds::table
        .select((refunds::status, refunds::amount_ore))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(done, vec![("done".to_string(), 100_050)]);
    let at_swish: Vec<i64> = sim_swish_refunds::table
        .select(sim_swish_refunds::amount_ore)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(at_swish, vec![100_050]);
    assert!(kinds(&app).contains(&"permit_changed".to_string()));
    // The customer sees why and what comes back, and no form that no longer applies.
    let page = app.get_html(&permit).await;
    for words in [
        ">Tillståndet är makulerat</h2>",
        "Parkeringskontoret makulerade tillståndet 20",
        "Återbetalning <strong>1\u{a0}000,50\u{a0}kr</strong>: återbetald",
        "href=\"/messages/new\"",
    ] {
        assert!(page.contains(words), "{words}");
    }
    for gone in [
        ">Uppdatera</button>",
        "Byt registreringsnummer tillfälligt",
        ">Förnya</a>",
    ] {
        assert!(!page.contains(gone), "{gone}");
    }
    // A cancelled permit cannot be cancelled again.
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/permits/{id}/cancel"),
        &[("csrf", &csrf), ("refund", "1")],
    )
    .await;
    assert_eq!(resp.status(), 422);

    // Card: the whole amount back through Nexi's charges API.
    let card_permit = bought_permit(&app, "kort@regionvastmanland.se").await;
    let hosted = start_card(&app, &card_permit).await;
    card_page(&app, &hosted, "4111 1111 1111 1111", "pay").await;
    assert_eq!(settled(&app).await, "paid");
    let cid = card_permit.rsplit('/').next().unwrap().to_string();
    let (_, page) = op_get(&app, &op, &format!("/operator/permits/{cid}")).await;
    assert!(
        page.contains("value=\"3 850,00\"") || page.contains("3\u{a0}850"),
        "prefilled with what was paid"
    );
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/permits/{cid}/cancel"),
        &[("csrf", &csrf), ("refund", "3850"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let at_nexi: Vec<i64> = sim_card_refunds::table
        .select(sim_card_refunds::amount)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(at_nexi, vec![385_000]);
    let a = audit_actions(&app);
    assert_eq!(
        a.iter().filter(|x| *x == "permit.state").count(),
        2,
        "{a:?}"
    );

    // The office's pages say it in words, never the stored codes (#16 item 9): the permit with
    // its payment, refund, history and audit log; the customer with role and payments.
    let (_, page) = op_get(&app, &op, &format!("/operator/permits/{cid}")).await;
    let shown = crate::kit::html::text(&page, "main").unwrap();
    assert_no_codes(&shown);
    for words in ["Kort", "Betald", "Återbetald", "Tillståndet makulerat"] {
        assert!(shown.contains(words), "{words:?} in {shown}");
    }
    let customer = attr(&page, "main a[href^='/operator/customers/']", "href").unwrap();
    let (_, page) = op_get(&app, &op, &customer).await;
    let shown = crate::kit::html::text(&page, "main").unwrap();
    assert_no_codes(&shown);
    assert!(shown.contains("Kund"), "the role in words: {shown}");
    for path in ["/operator/catalogue", "/operator/staff"] {
        let (_, page) = op_get(&app, &op, path).await;
        assert_no_codes(&crate::kit::html::text(&page, "main").unwrap());
    }
}

/// No stored code (states, kinds, roles, statuses, methods, event kinds) as a word on screen.
fn assert_no_codes(shown: &str) {
    const CODES: &[&str] = &[
        "paid",
        "pending",
        "done",
        "failed",
        "declined",
        "cancelled",
        "period",
        "day",
        "customer",
        "operator",
        "admin",
        "swish",
        "card",
        "created",
        "state",
        "regnr",
        "payment",
        "active",
        "awaiting_payment",
    ];
    for word in shown.split(|c: char| !c.is_alphanumeric() && c != '_') {
        assert!(
            !CODES.contains(&word),
            "the code {word:?} on screen: {shown}"
        );
    }
}

#[actix_web::test]
async fn search_finds_current_former_and_people_and_changes_reach_the_customer() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "sara.svensson@regionvastmanland.se").await;
    let id = permit.rsplit('/').next().unwrap().to_string();
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let (_, page) = op_get(&app, &op, "/operator/search?q=abc+123").await;
    // The number is the link; whose and where beside it (issue #36, 4).
    assert!(
        page.contains(&format!("href=\"/operator/permits/{id}\">ABC123</a>")),
        "{page}"
    );
    for words in [
        "sara.svensson@regionvastmanland.se",
        "Västmanlands sjukhus Västerås",
        "Anställda månads/årskort",
        "Väntar på betalning",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    let csrf = hidden_value(
        &op_get(&app, &op, &format!("/operator/permits/{id}"))
            .await
            .1,
        "csrf",
    );
    let page = op_refused(
        &app,
        &op,
        &format!("/operator/permits/{id}/regnr"),
        &[("csrf", &csrf), ("regnr", "!!")],
    )
    .await;
    assert!(page.contains("value=\"!!\""));
    assert_eq!(attrs(&page, "#error-summary a", "href"), ["#regnr"]);
    // Dates that are not dates come back as typed, with the error at the field and in the
    // summary, and "Fel: " in the title (#16 items 1 and 2).
    let page = op_refused(
        &app,
        &op,
        &format!("/operator/permits/{id}/dates"),
        &[
            ("csrf", &csrf),
            ("start", "2027-13-01"),
            ("end", "sista mars"),
        ],
    )
    .await;
    assert_eq!(
        attr(&page, "#start", "value").as_deref(),
        Some("2027-13-01")
    );
    assert_eq!(attr(&page, "#end", "value").as_deref(), Some("sista mars"));
    assert_eq!(
        attr(&page, "#start", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(attrs(&page, "#error-summary a", "href"), ["#start"]);
    assert!(
        crate::kit::html::text(&page, "title")
            .unwrap()
            .starts_with("Fel: ")
    );
    // Nothing is paid for this permit, so there is no refund to type: a refused "Makulera"
    // leads to its section.
    let page = op_refused(
        &app,
        &op,
        &format!("/operator/permits/{id}/cancel"),
        &[("csrf", &csrf), ("refund", "tusen")],
    )
    .await;
    assert!(attr(&page, "#refund", "value").is_none());
    assert_eq!(attrs(&page, "#error-summary a", "href"), ["#op-cancel-h"]);
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/permits/{id}/regnr"),
        &[("csrf", &csrf), ("regnr", "NEW 999")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert!(app.get_html(&permit).await.contains("NEW999"));
    // Former number, new number, e-mail, name and permit number all find it.
    for q in [
        "ABC123",
        "new999",
        "sara.svensson",
        "Svensson",
        &format!("%23{id}"),
    ] {
        let (_, page) = op_get(&app, &op, &format!("/operator/search?q={q}")).await;
        assert!(
            page.contains(&format!("href=\"/operator/permits/{id}\"")),
            "{q}"
        );
    }
    let (_, page) = op_get(&app, &op, "/operator/search?q=zzzz").await;
    assert!(page.contains("Inget hittades."));
    // Dates: backwards refused, a good change lands.
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/permits/{id}/dates"),
        &[
            ("csrf", &csrf),
            ("start", "2027-02-01"),
            ("end", "2027-01-01"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 422);
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/permits/{id}/dates"),
        &[
            ("csrf", &csrf),
            ("start", "2027-01-01"),
            ("end", "2027-12-31"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert!(
        app.get_html(&permit)
            .await
            .contains("2027-01-01 – 2027-12-31")
    );
    let (_, page) = op_get(&app, &op, &format!("/operator/permits/{id}")).await;
    assert!(page.contains("Ändringslogg") && page.contains("ABC123 → NEW999"));
    let user_link = page.find("/operator/customers/").unwrap();
    let uid: String = page[user_link + 20..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (status, customer) = op_get(&app, &op, &format!("/operator/customers/{uid}")).await;
    assert_eq!(status, 200);
    assert!(customer.contains("sara.svensson@regionvastmanland.se") && customer.contains("NEW999"));
    assert_eq!(
        kinds(&app)
            .iter()
            .filter(|k| *k == "permit_changed")
            .count(),
        2,
        "{:?}",
        kinds(&app)
    );
}

#[actix_web::test]
async fn catalogue_changes_leave_sold_permits_alone_and_reports_export_csv() {
    let app = spawn_app().await;
    let permit = bought_permit(
        &app,
        "csv,\"kund\"@regionvastmanland.se"
            .replace([',', '"'], "")
            .as_str(),
    )
    .await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let (_, cat) = op_get(&app, &op, "/operator/catalogue").await;
    let csrf = hidden_value(&cat, "csrf");
    let pkg: i64 = packages::table
        .filter(packages::name_sv.eq("12 månader"))
        .filter(packages::permit_type_id.eq(1))
        .select(packages::id)
        .first(&mut app.conn())
        .unwrap();
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/catalogue/packages/{pkg}"),
        &[("csrf", &csrf), ("price", "4000"), ("active", "yes")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let resp = op_post(
        &app,
        &op,
        &format!("/operator/catalogue/packages/{pkg}"),
        &[("csrf", &csrf), ("price", "fyra")],
    )
    .await;
    assert_eq!(resp.status(), 422);
    // Katalog again, the price as typed with its error, in the summary too (#16 items 1, 2).
    let page = resp.text().await.unwrap();
    let field = format!("price-{pkg}");
    assert_eq!(
        attr(&page, &format!("#{field}"), "value").as_deref(),
        Some("fyra")
    );
    assert_eq!(
        attrs(&page, "#error-summary a", "href"),
        [format!("#{field}")]
    );
    let page = op_refused(
        &app,
        &op,
        "/operator/catalogue/packages",
        &[
            ("csrf", &csrf),
            ("type_id", "1"),
            ("name-1", "3 månader"),
            ("months-1", "99"),
            ("newprice-1", "mycket"),
        ],
    )
    .await;
    assert_eq!(
        attrs(&page, "#error-summary a", "href"),
        ["#months-1", "#newprice-1"]
    );
    for (field, typed) in [
        ("name-1", "3 månader"),
        ("months-1", "99"),
        ("newprice-1", "mycket"),
    ] {
        assert_eq!(
            attr(&page, &format!("#{field}"), "value").as_deref(),
            Some(typed),
            "{field}"
        );
    }
    let page = op_refused(
        &app,
        &op,
        "/operator/catalogue/car-parks",
        &[
            ("csrf", &csrf),
            ("park_name", "Garage C"),
            ("park_site", " "),
        ],
    )
    .await;
    assert_eq!(attrs(&page, "#error-summary a", "href"), ["#park_site"]);
    assert_eq!(
        attr(&page, "#park_name", "value").as_deref(),
        Some("Garage C")
    );
    let prices: Vec<i64> = permits::table
        .select(permits::price_ore)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(prices, vec![385_000], "the sold permit keeps its price");
    let new_price: i64 = packages::table
        .find(pkg)
        .select(packages::price_ore)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(new_price, 400_000);
    let resp = op_post(
        &app,
        &op,
        "/operator/catalogue/car-parks",
        &[
            ("csrf", &csrf),
            ("park_name", "Garage B"),
            ("park_site", "Köping"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert!(app.get_html("/permits/new").await.contains("Garage B"));
    let resp = op_post(
        &app,
        &op,
        "/operator/catalogue/packages",
        &[
            ("csrf", &csrf),
            ("type_id", "1"),
            ("name-1", "3 månader"),
            ("months-1", "3"),
            ("newprice-1", "1100"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let a = audit_actions(&app);
    assert!(
        a.contains(&"package.update".to_string())
            && a.contains(&"car_park.add".to_string())
            && a.contains(&"package.add".to_string())
    );

    let range = format!("from={}&to={}", today(), today());
    let resp = op
        .get(app.url(&format!("/operator/reports/payments.csv?{range}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "payment,permit,paid_at,receipt_number,item,regnr,method,provider_ref,net_ore,vat_rate,vat_ore,total_ore"
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    // "Anställda månads/årskort, 12 månader" holds a comma: quoted.
    assert!(
        csv.contains("\"Anställda månads/årskort, 12 månader\""),
        "{csv}"
    );
    assert_eq!(row[3], "1", "receipt number");
    assert!(csv.contains(",308000,25%,77000,385000"), "{csv}");
    let resp = op
        .get(app.url(&format!("/operator/reports/permits.csv?{range}")))
        .send()
        .await
        .unwrap();
    let csv = resp.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("ABC123"));
    let resp = op
        .get(app.url("/operator/reports/permits.csv?from=2027-01-01&to=2026-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // Rapporter again: that report's dates as typed, the error at its first date and in the
    // summary; the other report untouched.
    let page = resp.text().await.unwrap();
    assert_eq!(attrs(&page, "#error-summary a", "href"), ["#permits-from"]);
    assert_eq!(
        attr(&page, "#permits-from", "value").as_deref(),
        Some("2027-01-01")
    );
    assert_eq!(
        attr(&page, "#permits-to", "value").as_deref(),
        Some("2026-01-01")
    );
    assert_eq!(
        attr(&page, "#permits-from", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(attr(&page, "#payments-from", "aria-invalid").is_none());
    assert_eq!(
        attr(&page, "form[action$='permits.csv'] input[name=from]", "id").as_deref(),
        Some("permits-from"),
        "the field still sends 'from'"
    );

    let (_, dash) = op_get(&app, &op, "/operator/dashboard").await;
    assert!(dash.contains("id=\"active-today\">1<"), "{dash}");
    assert!(dash.contains("id=\"pending-applications\">0<"));
}

const OFFICE_GETS: &[&str] = &[
    "/operator/dashboard",
    "/operator/applications",
    "/operator/applications/1/attachment",
    "/operator/cases",
    "/operator/cases/1",
    "/operator/search?q=a",
    "/operator/customers/1",
    "/operator/permits/1",
    "/operator/catalogue",
    "/operator/reports",
    "/operator/staff",
    "/operator/reports/permits.csv?from=2026-01-01&to=2026-12-31",
    "/operator/reports/payments.csv?from=2026-01-01&to=2026-12-31",
];

const OFFICE_POSTS: &[&str] = &[
    "/operator/applications/1/approve",
    "/operator/applications/1/reject",
    "/operator/cases/1",
    "/operator/cases/1/close",
    "/operator/permits/1/regnr",
    "/operator/permits/1/dates",
    "/operator/permits/1/cancel",
    "/operator/permits/1/refunds/1/retry",
    "/operator/catalogue/types/1",
    "/operator/catalogue/packages",
    "/operator/catalogue/packages/1",
    "/operator/catalogue/car-parks",
    "/operator/staff",
];

#[actix_web::test]
async fn customers_never_reach_the_office() {
    let app = spawn_app().await;
    for path in OFFICE_GETS {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 303, "logged out: {path}");
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
    let permit = bought_permit(&app, "nyfiken@regionvastmanland.se").await;
    assert!(permit.ends_with("/1"));
    let csrf = app.csrf().await;
    for path in OFFICE_GETS {
        assert_eq!(app.get(path).await.status(), 404, "customer: {path}");
    }
    for path in OFFICE_POSTS {
        let resp = app
            .post_form(
                path,
                &[
                    ("csrf", &csrf),
                    ("reason", "x"),
                    ("refund", "1"),
                    ("regnr", "HAX000"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 404, "customer: {path}");
    }
    let state: String = permits::table
        .select(permits::state)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(state, "awaiting_payment");
    let n: i64 = audit_log::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 0);
}

#[actix_web::test]
async fn an_admin_invites_an_operator_who_chooses_a_password() {
    use parkportal::db::schema::users;
    let app = spawn_app().await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    // An operator is not an admin: no staff page.
    assert_eq!(op_get(&app, &op, "/operator/staff").await.0, 404);
    diesel::update(users::table.filter(users::email.eq("olle@regionvastmanland.se")))
        .set(users::role.eq("admin"))
        .execute(&mut app.conn())
        .unwrap();
    let (status, page) = op_get(&app, &op, "/operator/staff").await;
    assert_eq!(status, 200);
    assert!(page.contains(">Bjud in</button>"));
    let csrf = hidden_value(&page, "csrf");
    let page = op_refused(
        &app,
        &op,
        "/operator/staff",
        &[
            ("csrf", &csrf),
            ("email", "inte en adress"),
            ("name", "Nina"),
        ],
    )
    .await;
    assert!(page.contains("value=\"inte en adress\""));
    // The error is the address's, at its field and in the summary (#16 item 1).
    assert_eq!(attrs(&page, "#error-summary a", "href"), ["#email"]);
    assert_eq!(
        attr(&page, "#email", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(attr(&page, "#name", "value").as_deref(), Some("Nina"));
    let resp = op_post(
        &app,
        &op,
        "/operator/staff",
        &[
            ("csrf", &csrf),
            ("email", "nina@regionvastmanland.se"),
            ("name", "Nina Nilsson"),
            ("role", "operator"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let mail = app.smtp().wait_for("nina@regionvastmanland.se").await;
    let link = mail.link("/reset-password?token=");
    // The invitee chooses a password, logs in and reaches the portal.
    let nina = crate::kit::client::client(&app.address);
    let form = nina.get(&link).send().await.unwrap().text().await.unwrap();
    let token = hidden_value(&form, "token");
    let resp = nina
        .post(app.url("/reset-password"))
        .form(&[
            ("token", token.as_str()),
            ("password", crate::kit::flows::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success() || resp.status().is_redirection());
    crate::kit::mfa::staff_login(
        &nina,
        &app.address,
        &mut app.conn(),
        "nina@regionvastmanland.se",
        crate::kit::flows::PASSWORD,
    )
    .await;
    let resp = nina
        .get(app.url("/operator/applications"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let role: String = users::table
        .filter(users::email.eq("nina@regionvastmanland.se"))
        .select(users::role)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(role, "operator");
    assert!(audit_actions(&app).contains(&"user.invite".to_string()));
}

/// Katalog: a permit type's terms. A day card's price per day, validity and most days, and a
/// type's VAT (its packages' too), apply to later purchases; a type no longer sold is not
/// offered; wrong values come back with each error and what was typed.
#[actix_web::test]
async fn the_office_sets_a_types_terms() {
    use parkportal::db::schema::permit_types;
    let app = spawn_app().await;
    let op = operator_client(&app, "typer@regionvastmanland.se").await;
    let (_, cat) = op_get(&app, &op, "/operator/catalogue").await;
    let csrf = hidden_value(&cat, "csrf");
    let id_of = |name: &str| -> i64 {
        permit_types::table
            .filter(permit_types::name_sv.eq(name))
            .select(permit_types::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let (day, monthly) = (
        id_of("Anställda dagkort"),
        id_of("Anställda månads/årskort"),
    );
    assert_eq!(
        attr(&cat, &format!("#vat-{day}"), "value").as_deref(),
        Some("25")
    );
    assert_eq!(
        attr(&cat, &format!("#dayprice-{day}"), "value").as_deref(),
        Some("40")
    );
    assert!(attr(&cat, &format!("#dayprice-{monthly}"), "value").is_none());
    // Every wrong value is said, and what was typed comes back.
    let path = format!("/operator/catalogue/types/{day}");
    let page = op_refused(
        &app,
        &op,
        &path,
        &[
            ("csrf", &csrf),
            ("active", "yes"),
            ("vat", "tjugofem"),
            ("day_price", "gratis"),
            ("validity", "99"),
            ("max_days", "0"),
        ],
    )
    .await;
    assert_eq!(
        attrs(&page, "#error-summary a", "href"),
        [
            format!("#vat-{day}"),
            format!("#dayprice-{day}"),
            format!("#validity-{day}"),
            format!("#maxdays-{day}")
        ]
    );
    assert_eq!(
        attr(&page, &format!("#validity-{day}"), "value").as_deref(),
        Some("99")
    );
    // 12,5 % VAT, 25 kr a day, valid 6 months, at most 10 days an order.
    let fields = [
        ("csrf", csrf.as_str()),
        ("active", "yes"),
        ("vat", "12,5"),
        ("day_price", "25"),
        ("validity", "6"),
        ("max_days", "10"),
    ];
    assert_eq!(op_post(&app, &op, &path, &fields).await.status(), 303);
    let row: (i32, Option<i64>, Option<i32>, Option<i32>) = permit_types::table
        .find(day)
        .select((
            permit_types::vat_basis_points,
            permit_types::day_price_ore,
            permit_types::day_validity_months,
            permit_types::max_days,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(row, (1250, Some(2500), Some(6), Some(10)));
    let (_, cat) = op_get(&app, &op, "/operator/catalogue").await;
    assert_eq!(
        attr(&cat, &format!("#vat-{day}"), "value").as_deref(),
        Some("12,5")
    );
    // A buyer now: 11 days are too many; 3 cost 75 kr.
    app.logged_in_user("kopare@regionvastmanland.se").await;
    let too_many = crate::daycards::buy_day_card(&app, today(), "11").await;
    assert_eq!(too_many.status(), 422);
    let review = crate::daycards::buy_day_card(&app, today(), "3").await;
    assert_eq!(review.status(), 200);
    assert!(review.text().await.unwrap().contains("75\u{a0}kr"));
    // The monthly type at 6 % VAT (its packages too) and no longer sold: not offered.
    let path = format!("/operator/catalogue/types/{monthly}");
    let fields = [("csrf", csrf.as_str()), ("vat", "6")];
    assert_eq!(op_post(&app, &op, &path, &fields).await.status(), 303);
    let vats: Vec<i32> = packages::table
        .filter(packages::permit_type_id.eq(monthly))
        .select(packages::vat_basis_points)
        .load(&mut app.conn())
        .unwrap();
    assert!(
        !vats.is_empty() && vats.iter().all(|v| *v == 600),
        "{vats:?}"
    );
    let wizard = app.get_html("/permits/new").await;
    assert!(!wizard.contains("Anställda månads/årskort"), "{wizard}");
    assert!(wizard.contains("Anställda dagkort"));
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("permit_type.update"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(audited, 2);
}
