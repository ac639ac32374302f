//! Issue #39, 1: "Pausa tillståndet" on a paid monthly or yearly permit. During a pause the
//! check says not valid ("Pausat t.o.m. …"), the end moves later by the paused days, and
//! "Avsluta pausen" gives the unused days back; a day card or an unpaid permit is refused;
//! the office can end a pause; two pauses at once make one.

use chrono::Duration;
use diesel::prelude::*;
use parkportal::db::schema::{notifications, permit_pauses, permits};

use crate::kit::dates::today;
use crate::kit::spawn::{TestApp, spawn_app_with};
use crate::operator::{KEY, KEYS, check, operator_client};

fn end_of(app: &TestApp, permit: &str) -> chrono::NaiveDate {
    let id: i64 = permit.rsplit('/').next().unwrap().parse().unwrap();
    permits::table
        .find(id)
        .select(permits::end_date)
        .first(&mut app.conn())
        .unwrap()
}

async fn pause(app: &TestApp, permit: &str, from: i64, to: i64) -> reqwest::Response {
    let csrf = app.csrf().await;
    let (from, to) = (
        (today() + Duration::days(from)).to_string(),
        (today() + Duration::days(to)).to_string(),
    );
    app.post_form(
        &format!("{permit}/pause"),
        &[("csrf", &csrf), ("pause_from", &from), ("pause_to", &to)],
    )
    .await
}

#[actix_web::test]
async fn a_pause_is_not_valid_moves_the_end_and_ending_it_gives_the_days_back() {
    let app = spawn_app_with(&[("CHECK_API_KEYS", KEYS)]).await;
    let permit = crate::permits::paid_permit(&app, "foraldraledig@regionvastmanland.se").await;
    let end = end_of(&app, &permit);
    let page = app.get_html(&permit).await;
    for words in [
        "Pausa tillståndet",
        ">Från</label>",
        ">Till</label>",
        ">Pausa</button>",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    // Too short, in the past: refused with the reason and the dates kept.
    let resp = pause(&app, &permit, 0, 3).await;
    assert_eq!(resp.status(), 422);
    let body = resp.text().await.unwrap();
    assert!(body.contains("7 dagar till 12 månader"), "{body}");
    assert!(body.contains(&format!("value=\"{}\"", today() + Duration::days(3))));
    assert_eq!(pause(&app, &permit, -1, 20).await.status(), 422);
    assert_eq!(end_of(&app, &permit), end, "nothing changed");

    // 14 days from today: not valid today, the end 14 days later, the owner told.
    let resp = pause(&app, &permit, 0, 13).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(end_of(&app, &permit), end + Duration::days(14));
    let (_, answer) = check(&app, "ABC123", Some(KEY)).await;
    assert_eq!(answer["valid"], false, "the attendant says no");
    // So does Hem: not under "Gäller i dag", but "Pausat t.o.m. …".
    let hem = app.get_html("/").await;
    let valid_today = crate::kit::html::text(&hem, "section[aria-label='Gäller i dag']");
    assert!(!valid_today.unwrap_or_default().contains("ABC123"), "{hem}");
    let not_today =
        crate::kit::html::text(&hem, "section[aria-label='Gäller inte i dag']").unwrap_or_default();
    assert!(
        not_today.contains("ABC123") && not_today.contains("Pausat t.o.m."),
        "{hem}"
    );
    let page = app.get_html(&permit).await;
    let until = today() + Duration::days(13);
    assert!(page.contains(&format!("Pausat t.o.m. {until}")), "{page}");
    assert!(page.contains(">Avsluta pausen</button>"));
    let told: i64 = notifications::table
        .filter(notifications::kind.eq("permit_paused"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(told, 1);
    // A second pause at the same time: refused.
    let resp = pause(&app, &permit, 5, 20).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("redan en paus"));

    // "Avsluta pausen" on its first day: no day used, all 14 back; valid again.
    let csrf = app.csrf().await;
    let resp = app
        .post_form(&format!("{permit}/pause/end"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(end_of(&app, &permit), end);
    let (_, answer) = check(&app, "ABC123", Some(KEY)).await;
    assert_eq!(answer["valid"], true);
    // Ended twice: there is nothing to end.
    let resp = app
        .post_form(&format!("{permit}/pause/end"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 422);

    // Two pauses sent at once: one is made.
    let (a, b) = futures_util::join!(pause(&app, &permit, 30, 60), pause(&app, &permit, 40, 70));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422]);
    let live: i64 = permit_pauses::table
        .filter(permit_pauses::ended_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(live, 1);
    // The office ends it (it had not begun): every day back.
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let id = permit.rsplit('/').next().unwrap();
    let page =
        crate::kit::client::page_text(&op, app.url(&format!("/operator/permits/{id}"))).await;
    assert!(page.contains(">Avsluta pausen</button>"), "{page}");
    let csrf = crate::kit::html::hidden_value(&page, "csrf");
    let resp = op
        .post(app.url(&format!("/operator/permits/{id}/pause/end")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(end_of(&app, &permit), end);
}

#[actix_web::test]
async fn a_day_card_or_an_unpaid_permit_cannot_be_paused() {
    let app = spawn_app_with(&[]).await;
    let card =
        crate::daycards::paid_day_card(&app, "dagkort@regionvastmanland.se", today(), 3).await;
    assert!(!app.get_html(&card).await.contains("Pausa tillståndet"));
    let resp = pause(&app, &card, 1, 10).await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("dagkort kan inte pausas")
    );
    let unpaid = crate::permits::bought_permit(&app, "obetald@regionvastmanland.se").await;
    assert!(!app.get_html(&unpaid).await.contains("Pausa tillståndet"));
    assert_eq!(pause(&app, &unpaid, 1, 10).await.status(), 422);
    let pauses: i64 = permit_pauses::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(pauses, 0);
}

#[actix_web::test]
async fn katalog_sets_how_many_pauses_a_type_allows_and_zero_forbids_them() {
    let app = spawn_app_with(&[]).await;
    let permit = crate::permits::paid_permit(&app, "katalog@regionvastmanland.se").await;
    let op = operator_client(&app, "olle@regionvastmanland.se").await;
    let page = crate::kit::client::page_text(&op, app.url("/operator/catalogue")).await;
    let type_id: i64 = permits::table
        .select(permits::permit_type_id)
        .first(&mut app.conn())
        .unwrap();
    let form = format!("form[action='/operator/catalogue/types/{type_id}']");
    let mut fields = crate::kit::html::form_fields(&page, &form).expect("the type's form");
    assert!(
        fields.iter().any(|(k, v)| k == "max_pauses" && v == "2"),
        "{fields:?}"
    );
    fields.retain(|(k, _)| k != "max_pauses");
    // A wrong number is said; 0 forbids pauses.
    let mut wrong = fields.clone();
    wrong.push(("max_pauses".into(), "13".into()));
    let resp = op
        .post(app.url(&format!("/operator/catalogue/types/{type_id}")))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("från 0 till 12"));
    fields.push(("max_pauses".into(), "0".into()));
    let resp = op
        .post(app.url(&format!("/operator/catalogue/types/{type_id}")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = pause(&app, &permit, 1, 10).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("kan inte pausas"));
}

/// The reminder the day before a pause ends (#39): nothing while the end is far; once the
/// last paused day is tomorrow, one notification ("pausen slutar …, gäller igen från …"),
/// and never a second, however many rounds (or instances) run.
#[actix_web::test]
async fn the_day_before_a_pause_ends_the_owner_is_reminded_once() {
    let app = spawn_app_with(&[]).await;
    let permit = crate::permits::paid_permit(&app, "tillbaka@regionvastmanland.se").await;
    assert_eq!(pause(&app, &permit, 1, 20).await.status(), 303);
    let base = app.url("");
    let round =
        || parkportal::actors::reminders::send_pause_reminders(&mut app.conn(), &base).unwrap();
    assert_eq!(round(), 0, "the pause ends in 20 days");
    // Time passes: the pause's last day is tomorrow.
    let last = today() + Duration::days(1);
    diesel::update(permit_pauses::table)
        .set(permit_pauses::to_date.eq(last))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(round(), 1);
    assert_eq!(round(), 0, "once");
    let told: Vec<String> = notifications::table
        .filter(notifications::kind.eq("permit_changed"))
        .select(notifications::body_text)
        .load(&mut app.conn())
        .unwrap();
    let reminder = format!(
        "pausen slutar {last}, och tillståndet gäller igen från {}",
        last + Duration::days(1)
    );
    assert_eq!(
        told.iter().filter(|b| b.contains(&reminder)).count(),
        1,
        "{told:?}"
    );
}
