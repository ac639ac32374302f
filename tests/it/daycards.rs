//! The guide's "Köpa ett dagkort": buy days, pay, book them on the calendar, cancel future
//! ones; the counters stay right whatever is clicked twice or at once.

use std::io::Write;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use parkportal::db::schema::{day_sessions, permits};

use crate::kit::dates::today;
use crate::kit::flows::{self, Order};
use crate::kit::html;
use crate::kit::spawn::{TestApp, spawn_app};
use crate::payments::{pay, settled};
use crate::permits::{confirm, spawn_other_user};

/// Buys a day card through the wizard ("Typ" → "Startdatum" → "Antal dagar").
pub async fn buy_day_card(app: &TestApp, start: NaiveDate, days: &str) -> reqwest::Response {
    let start = start.to_string();
    let order = Order {
        type_name: "Anställda dagkort",
        package: None,
        days: Some(days),
        start: &start,
        regnr: "ABC123",
    };
    flows::review(&app.client, &app.address, &order).await
}

/// A logged-in user with a paid day card of `days` days from `start`; returns its path.
pub async fn paid_day_card(app: &TestApp, email: &str, start: NaiveDate, days: u32) -> String {
    app.logged_in_user(email).await;
    let review = buy_day_card(app, start, &days.to_string()).await;
    assert_eq!(review.status(), 200);
    let review = review.text().await.unwrap();
    assert!(review.contains("Bekräfta"), "{review}");
    let permit = confirm(app, &review).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(pay(app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(app).await, "paid");
    permit
}

pub async fn book(
    app: &TestApp,
    permit: &str,
    htmx: bool,
    regnr: &str,
    days: &[NaiveDate],
) -> reqwest::Response {
    let csrf = app.csrf().await;
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", &csrf).append_pair("regnr", regnr);
    for d in days {
        body.append_pair("day", &d.to_string());
    }
    let mut req = app
        .client
        .post(app.url(&format!("{permit}/sessions")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.finish());
    if htmx {
        req = req.header("HX-Request", "true");
    }
    req.send().await.unwrap()
}

async fn cancel(app: &TestApp, permit: &str, htmx: bool, day: &str) -> reqwest::Response {
    let csrf = app.csrf().await;
    let mut req = app
        .client
        .post(app.url(&format!("{permit}/sessions/{day}/cancel")))
        .form(&[("csrf", csrf.as_str())]);
    if htmx {
        req = req.header("HX-Request", "true");
    }
    req.send().await.unwrap()
}

fn days_left_in(html: &str) -> String {
    html::text(html, "#days-left").expect("the counter is there")
}

fn used_in_db(app: &TestApp) -> (i32, i64) {
    let used: i32 = permits::table
        .filter(permits::kind.eq("day"))
        .select(permits::days_used)
        .first(&mut app.conn())
        .unwrap();
    let rows: i64 = day_sessions::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    (used, rows)
}

fn brotli_size(s: &str) -> usize {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(s.as_bytes()).unwrap();
    }
    out.len()
}

#[actix_web::test]
async fn buy_five_days_book_two_cancel_one() {
    let app = spawn_app().await;
    let start = today();
    let permit = paid_day_card(&app, "dag@regionvastmanland.se", start, 5).await;
    let page = app.get_html(&permit).await;
    assert!(page.contains("Återstående dagar"), "{page}");
    assert_eq!(days_left_in(&page), "5");
    assert!(page.contains("Skapa session"));
    let d1 = today() + Duration::days(1);
    let d2 = today() + Duration::days(2);
    // Each bookable day is a checkbox whose label holds it and names the day in words and as
    // YYYY-MM-DD (CONTRACT.md).
    let words = parkportal::i18n::day_in_words(parkportal::i18n::Lang::Sv.texts(), d1);
    let label = crate::kit::html::outer_html(&page, ".cal label")
        .into_iter()
        .find(|l| {
            let attr = |name| crate::kit::html::attr(l, "input", name);
            attr("type").as_deref() == Some("checkbox")
                && attr("name").as_deref() == Some("day")
                && attr("value") == Some(d1.to_string())
        })
        .expect("a label holding the day's checkbox");
    let text = crate::kit::html::text(&label, "label").unwrap();
    assert!(
        text.contains(&d1.to_string()) && text.contains(&words),
        "{text}"
    );

    // HTMX: only the month comes back (the swap moved to it), its outcome, the summary and
    // the counter out of band; the number field stays as typed.
    let resp = book(&app, &permit, true, "abc 123", &[d1, d2]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["hx-retarget"], "#cal-month");
    let fragment = resp.text().await.unwrap();
    assert!(fragment.starts_with("<div id=\"cal-month\""), "{fragment}");
    assert!(fragment.contains("<div id=\"cal-msgs\" hx-swap-oob=\"true\">"));
    assert!(!fragment.contains("name=\"regnr\""));
    assert!(!fragment.contains("<html"));
    assert!(fragment.contains("id=\"days-left\" hx-swap-oob=\"true\">3<"));
    assert!(fragment.contains("Dagarna har bokats."));
    assert!(fragment.contains("Utfärdad"));
    assert!(fragment.contains("Avbryt"));
    // A booked day's line names it as YYYY-MM-DD too, beside its "Avbryt".
    let line = html::outer_html(&fragment, ".booked-list li")
        .into_iter()
        .find(|li| html::text(li, "li").is_some_and(|t| t.contains(&d1.to_string())))
        .expect("the booked day's line");
    assert_eq!(html::text(&line, "button").as_deref(), Some("Avbryt"));
    let size = brotli_size(&fragment);
    println!(
        "calendar swap after booking: {} bytes, {size} bytes brotli",
        fragment.len()
    );
    assert!(size < 2048, "the swap is {size} bytes compressed");
    assert_eq!(used_in_db(&app), (2, 2));

    // "Avbryt" without JavaScript: a plain post, done at once, a redirect, the page with 4
    // left; the notice names the day and its number and offers "Ångra".
    let resp = cancel(&app, &permit, false, &d1.to_string()).await;
    assert_eq!(resp.status(), 303);
    let page = app
        .get_html(resp.headers()["location"].to_str().unwrap())
        .await;
    let w1 = parkportal::i18n::day_in_words(parkportal::i18n::Lang::Sv.texts(), d1);
    let notice = html::text(&page, "#calendar .notice").expect("a notice");
    assert_eq!(
        notice,
        format!("Dagen har avbokats och räknas tillbaka till kortet: {w1} (ABC123)."),
    );
    assert_eq!(days_left_in(&page), "4");
    assert_eq!(used_in_db(&app), (1, 1));
    // "Ångra" posts the booking form to the day's restore address, with the session's
    // number in the notice's own fields (not the number field, which may say another).
    let undo = format!("{permit}/sessions/{d1}/restore");
    assert_eq!(
        html::attr(&page, ".undo button", "formaction").as_deref(),
        Some(undo.as_str())
    );
    assert_eq!(html::text(&page, ".undo button").as_deref(), Some("Ångra"));
    let mut fields = html::form_fields(&page, "#book-form").expect("the booking form");
    assert!(
        fields.contains(&("undo_regnr".into(), "ABC123".into())),
        "{fields:?}"
    );
    fields.retain(|(k, _)| k != "regnr");
    fields.push(("regnr".into(), "OTHER1".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let resp = app.post_form(&undo, &fields).await;
    assert_eq!(resp.status(), 303);
    let page = app
        .get_html(resp.headers()["location"].to_str().unwrap())
        .await;
    assert!(
        page.contains(&format!("Dagarna har bokats. Bokade dagar: {w1}.")),
        "{page}"
    );
    assert_eq!(days_left_in(&page), "3");
    assert_eq!(used_in_db(&app), (2, 2));
    let plate: String = day_sessions::table
        .filter(day_sessions::day.eq(d1))
        .select(day_sessions::regnr)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(plate, "ABC123", "booked again with the number it had");
    // A second "Ångra" (a double press, the page reloaded) books nothing more.
    let resp = app.post_form(&undo, &fields).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(used_in_db(&app), (2, 2));
    // With HTMX: the calendar comes back with the notice and "Ångra"; the ticks stay.
    let csrf = app.csrf().await;
    let resp = app
        .client
        .post(app.url(&format!("{permit}/sessions/{d1}/cancel")))
        .header("HX-Request", "true")
        .form(&[("csrf", csrf.as_str()), ("day", &d2.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let fragment = resp.text().await.unwrap();
    assert!(fragment.starts_with("<div id=\"cal-month\""), "{fragment}");
    assert!(fragment.contains("id=\"days-left\" hx-swap-oob=\"true\">4<"));
    assert_eq!(
        html::attr(&fragment, ".undo button", "hx-post").as_deref(),
        Some(undo.as_str())
    );
    assert_eq!(used_in_db(&app), (1, 1));
    // The home page knows the days left.
    let home = app.get_html("/").await;
    assert!(
        home.contains("Återstående dagar") && home.contains("<dd>4</dd>"),
        "{home}"
    );
    // The history says what happened.
    assert!(page.contains("ABC123: "), "{page}");
}

#[actix_web::test]
async fn todays_session_is_active_and_cannot_be_cancelled() {
    let app = spawn_app().await;
    let permit = paid_day_card(&app, "idag@regionvastmanland.se", today(), 3).await;
    let resp = book(&app, &permit, false, "XYZ 789", &[today()]).await;
    assert_eq!(resp.status(), 303);
    let page = app.get_html(&permit).await;
    assert!(page.contains("Aktiv"));
    assert!(page.contains("Dagens session") && page.contains("XYZ789"));
    let home = app.get_html("/").await;
    assert!(
        home.contains("Dagens session</dt><dd>XYZ789</dd>"),
        "{home}"
    );
    let resp = cancel(&app, &permit, true, &today().to_string()).await;
    assert_eq!(resp.status(), 422);
    let fragment = resp.text().await.unwrap();
    assert!(fragment.contains("Dagens och tidigare sessioner kan inte avbrytas."));
    assert_eq!(used_in_db(&app), (1, 1));
}

#[actix_web::test]
async fn refused_bookings_say_why_and_keep_what_was_chosen() {
    let app = spawn_app().await;
    let start = today() + Duration::days(3);
    let permit = paid_day_card(&app, "fel@regionvastmanland.se", start, 2).await;
    let csrf = app.csrf().await;
    let tomorrow = today() + Duration::days(1);
    // Before the card starts: the day is named, nothing is booked.
    let resp = book(&app, &permit, true, "ABC123", &[start, tomorrow]).await;
    assert_eq!(resp.status(), 422);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains(&format!(
            "Inga dagar bokades. {tomorrow}: kortet gäller inte ännu den dagen."
        )),
        "{body}"
    );
    // In the past.
    let resp = book(
        &app,
        &permit,
        true,
        "ABC123",
        &[today() - Duration::days(1)],
    )
    .await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("dagen har redan passerat")
    );
    // After the card's last day (12 months).
    let far = start + Duration::days(400);
    let resp = book(&app, &permit, false, "ABC123", &[far]).await;
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    assert!(page.contains("kortet gäller inte längre den dagen") && page.contains("<html"));
    // More days than left.
    let three = [start, start + Duration::days(1), start + Duration::days(2)];
    let resp = book(&app, &permit, true, "ABC123", &three).await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Valda dagar: 3. Återstående dagar: 2.")
    );
    // No day, a bad number (kept as typed, ticked day still ticked), a tampered date.
    let resp = book(&app, &permit, true, "ABC123", &[]).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Välj minst en dag"));
    let resp = book(&app, &permit, true, "A<b>!", &[start]).await;
    assert_eq!(resp.status(), 422);
    let body = resp.text().await.unwrap();
    assert!(body.contains("value=\"A&lt;b&gt;!\"") && !body.contains("<b>"));
    assert!(
        body.contains(&format!("value=\"{start}\" checked")),
        "{body}"
    );
    let resp = app
        .post_form(
            &format!("{permit}/sessions"),
            &[("csrf", &csrf), ("regnr", "ABC123"), ("day", "2026-13-45")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("inte ett giltigt datum")
    );
    let resp = cancel(&app, &permit, false, "not-a-date").await;
    assert_eq!(resp.status(), 422);
    // A day not booked cannot be cancelled.
    let resp = cancel(&app, &permit, true, &start.to_string()).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Dagen är inte bokad."));
    // Without the form's token nothing happens.
    let resp = app
        .post_form(
            &format!("{permit}/sessions"),
            &[("regnr", "ABC123"), ("day", &start.to_string())],
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(used_in_db(&app), (0, 0));

    // Another user's card is not found, whatever they send.
    let other = crate::kit::client::client(&app.address);
    let their_csrf = spawn_other_user(&app, &other).await;
    let resp = other
        .post(app.url(&format!("{permit}/sessions")))
        .form(&[
            ("csrf", their_csrf.as_str()),
            ("regnr", "ABC123"),
            ("day", &start.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = other
        .get(app.url(&format!("{permit}/calendar")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(used_in_db(&app), (0, 0));
}

#[actix_web::test]
async fn the_wizard_refuses_zero_negative_and_too_many_days() {
    let app = spawn_app().await;
    app.logged_in_user("antal@regionvastmanland.se").await;
    for days in ["0", "-3", "61", "abc", ""] {
        let resp = buy_day_card(&app, today(), days).await;
        assert_eq!(resp.status(), 422, "{days}");
        let body = resp.text().await.unwrap();
        assert!(body.contains("Välj ett antal dagar"), "{days}: {body}");
        assert!(body.contains(&format!("value=\"{days}\"")), "{days}");
    }
    let resp = buy_day_card(&app, today(), "60").await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    // 60 days at 40 kr a day.
    let price = &body[body.find("<dt>Pris</dt>").unwrap()..];
    let price = &price[price.find("<strong>").unwrap() + 8..];
    let digits: String = price[..price.find("</strong>").unwrap()]
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert!(body.contains("<dd>60</dd>") && digits == "2400", "{body}");
}

#[actix_web::test]
async fn parallel_bookings_of_the_last_day_let_exactly_one_win() {
    let app = spawn_app().await;
    let permit = paid_day_card(&app, "sista@regionvastmanland.se", today(), 1).await;
    let csrf = app.csrf().await;
    let attempts = (1..=8).map(|n| {
        let day = (today() + Duration::days(n)).to_string();
        let req = app
            .client
            .post(app.url(&format!("{permit}/sessions")))
            .header("HX-Request", "true")
            .form(&[("csrf", csrf.as_str()), ("regnr", "ABC123"), ("day", &day)]);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        7,
        "{statuses:?}"
    );
    assert_eq!(used_in_db(&app), (1, 1));
}

#[actix_web::test]
async fn the_database_itself_refuses_a_day_twice_and_overbooking() {
    let app = spawn_app().await;
    let permit = paid_day_card(&app, "db@regionvastmanland.se", today(), 1).await;
    let day = today() + Duration::days(5);
    assert_eq!(
        book(&app, &permit, true, "ABC123", &[day]).await.status(),
        200
    );
    let id: i64 = permit.rsplit('/').next().unwrap().parse().unwrap();
    let now = chrono::Utc::now().naive_utc();
    let mut conn = app.conn();
    // Same card, same day, written past the application: the unique index refuses it.
    let twice = diesel::insert_into(day_sessions::table)
        .values((
            day_sessions::permit_id.eq(id),
            day_sessions::day.eq(day),
            day_sessions::regnr.eq("XYZ789"),
            day_sessions::created_at.eq(now),
        ))
        .execute(&mut conn);
    assert!(twice.is_err());
    // More days used than bought: the check refuses it.
    let over = diesel::update(permits::table.find(id))
        .set(permits::days_used.eq(2))
        .execute(&mut conn);
    assert!(over.is_err());
    assert_eq!(used_in_db(&app), (1, 1));
}

#[actix_web::test]
async fn month_navigation_keeps_the_ticked_days() {
    let app = spawn_app().await;
    let permit = paid_day_card(&app, "manad@regionvastmanland.se", today(), 5).await;
    let tick = today() + Duration::days(1);
    let next = parkportal::domain::daycard::Month::of(today())
        .next()
        .unwrap();
    let query = format!("month={}&day={tick}&regnr=QWE987", next.key());
    // HTMX: the next month alone, with the ticked day carried along; the number field (as
    // typed), the legend and the messages stay on the page, the messages emptied.
    let resp = app
        .client
        .get(app.url(&format!("{permit}/calendar?{query}")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let fragment = resp.text().await.unwrap();
    assert!(fragment.starts_with("<div id=\"cal-month\""), "{fragment}");
    assert!(fragment.contains(&format!("value=\"{}\"", next.key())));
    assert!(!fragment.contains("name=\"regnr\"") && !fragment.contains("cal-legend"));
    assert!(fragment.contains("<div id=\"cal-msgs\" hx-swap-oob=\"true\"></div>"));
    let carried = format!("type=\"hidden\" name=\"day\" value=\"{tick}\"");
    let ticked = format!("value=\"{tick}\" checked");
    assert!(
        fragment.contains(&carried) || fragment.contains(&ticked),
        "{fragment}"
    );
    println!(
        "calendar month swap: {} bytes, {} bytes brotli",
        fragment.len(),
        brotli_size(&fragment)
    );
    assert!(brotli_size(&fragment) < 2048);
    // Without JavaScript the same query gives the whole page.
    let resp = app.get(&format!("{permit}/calendar?{query}")).await;
    assert_eq!(resp.status(), 303);
    let page = app
        .get_html(resp.headers()["location"].to_str().unwrap())
        .await;
    assert!(page.contains("<html") && page.contains("value=\"QWE987\""));
    // A nonsense month falls back to the current one.
    let page = app.get_html(&format!("{permit}?month=<script>")).await;
    assert!(page.contains("Skapa session") && !page.contains("<script>"));
}

#[actix_web::test]
async fn the_permit_page_says_what_the_check_answers_today_and_why() {
    let app = spawn_app().await;
    let permit = paid_day_card(&app, "kontroll@regionvastmanland.se", today(), 3).await;
    // Paid, but today is not booked: the check says no, and why.
    let page = app.get_html(&permit).await;
    assert!(page.contains("Får jag parkera i dag?"), "{page}");
    assert!(page.contains("Inget giltigt tillstånd"));
    assert!(page.contains("Dagkort finns men ingen dag är bokad i dag"));
    // The number field asks a phone for capitals and no spelling help.
    assert!(page.contains(
        r#"autocomplete="off" autocapitalize="characters" spellcheck="false" autocorrect="off""#
    ));
    // Booked for today under the card's own number: the same answer as the check API.
    let resp = book(&app, &permit, false, "abc 123", &[today()]).await;
    assert_eq!(resp.status(), 303);
    let page = app.get_html(&permit).await;
    assert!(page.contains("<p class=\"word\">Giltigt</p>"), "{page}");
    assert!(!page.contains("Dagkort finns men ingen dag är bokad i dag"));
}

/// "Boka flera dagar": weekdays over a period give the days, those that cannot be booked
/// are named with why, and one press books all of them.
#[actix_web::test]
async fn booking_by_pattern_shows_the_days_then_books_them_all() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let start = today();
    let permit = paid_day_card(&app, "skift@regionvastmanland.se", start, 10).await;
    let taken = start + chrono::Duration::days(7);
    assert_eq!(
        book(&app, &permit, false, "ABC123", &[taken])
            .await
            .status(),
        303
    );
    let page = app.get_html(&permit).await;
    assert!(page.contains(&format!("href=\"{permit}/pattern\">Boka flera dagar</a>")));

    let opened = app.get_html(&format!("{permit}/pattern")).await;
    for words in [
        "<h1>Boka flera dagar – ABC123</h1>",
        "<legend>Veckodagar</legend>",
        ">Måndag</label>",
        ">Från och med</label>",
        &format!("min=\"{start}\""),
        ">Visa dagarna</button>",
    ] {
        assert!(opened.contains(words), "{words}");
    }
    let get_form = html::form_fields(&opened, "form[method=\"get\"]").unwrap();
    assert!(
        get_form.iter().all(|(n, _)| n != "csrf"),
        "a GET form carries no token"
    );

    // The weekday of the booked day and the next one, for three weeks from tomorrow.
    let (wa, wb) = (
        taken.weekday().num_days_from_monday(),
        (taken + chrono::Duration::days(1))
            .weekday()
            .num_days_from_monday(),
    );
    let (from, to) = (
        start + chrono::Duration::days(1),
        start + chrono::Duration::days(21),
    );
    let query = format!("{permit}/pattern?wd={wa}&wd={wb}&from={from}&to={to}&show=1");
    let shown = app.get_html(&query).await;
    let expected: Vec<chrono::NaiveDate> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| [wa, wb].contains(&d.weekday().num_days_from_monday()) && *d != taken)
        .collect();
    assert!(
        shown.contains(&format!(">Det blir {} dagar</h2>", expected.len())),
        "{shown}"
    );
    assert!(
        shown.contains("Kan inte bokas") && shown.contains("redan bokad"),
        "{shown}"
    );
    let fields = html::form_fields(&shown, "#pattern-result form").unwrap();
    let days: Vec<String> = fields
        .iter()
        .filter(|(n, _)| n == "day")
        .map(|(_, v)| v.clone())
        .collect();
    let want: Vec<String> = expected.iter().map(ToString::to_string).collect();
    assert_eq!(days, want);
    let resp = app
        .client
        .post(app.url(&format!("{permit}/sessions")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let after = app
        .get_html(resp.headers()["location"].to_str().unwrap())
        .await;
    assert!(after.contains("Dagarna har bokats."), "{after}");
    assert_eq!(used_in_db(&app).1, 1 + expected.len() as i64);

    // More than is left: said, and nothing to press.
    let all = format!(
        "{permit}/pattern?wd=0&wd=1&wd=2&wd=3&wd=4&wd=5&wd=6&from={from}&to={}&show=1",
        start + chrono::Duration::days(60)
    );
    let too_many = app.get_html(&all).await;
    assert!(too_many.contains("fler dagar än du har kvar"), "{too_many}");
    assert!(
        too_many.contains(">Köp fler dagar</a>"),
        "offered: {too_many}"
    );
    assert!(html::form_fields(&too_many, "#pattern-result form").is_none());

    // What to correct, with what was typed kept.
    for (q, says) in [
        (
            format!("from={from}&to={to}&show=1"),
            "Välj minst en veckodag.",
        ),
        (
            format!("wd=0&from={to}&to={from}&show=1"),
            "Till och med ska vara samma dag",
        ),
        (
            format!("wd=0&from=igår&to={to}&show=1"),
            "Skriv datumet som ÅÅÅÅ-MM-DD.",
        ),
    ] {
        let resp = app.get(&format!("{permit}/pattern?{q}")).await;
        assert_eq!(resp.status(), 422, "{q}");
        let page = resp.text().await.unwrap();
        assert!(page.contains(says), "{q}: {page}");
    }
    let kept = app
        .get(&format!("{permit}/pattern?wd=0&from=igår&to={to}&show=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        kept.contains("value=\"igår\"")
            && kept.contains("id=\"wd-0\" type=\"checkbox\" name=\"wd\" value=\"0\" checked")
    );

    app.get("/lang/en?next=%2F").await;
    let english = app.get_html(&query).await;
    assert!(
        english.contains("<h1>Book several days – ABC123</h1>")
            && english.contains(">Cannot be booked</h3>"),
        "{english}"
    );
    app.get("/lang/sv?next=%2F").await;

    // Someone else's card.
    app.get("/logout").await;
    app.logged_in_user("annan.skift@regionvastmanland.se").await;
    assert_eq!(app.get(&format!("{permit}/pattern")).await.status(), 404);
}
