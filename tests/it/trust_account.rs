//! Issue 13, account items: the e-mail change needs the password and can be undone from the
//! old address (6), a taken address answers as always (15), my data holds everything (17),
//! `Cache-Control: no-store` on personal data (10), the `lang` cookie is `Secure` under https
//! (16b).

use crate::helpers::*;
use crate::payments::{pay, settled};
use crate::permits::bought_permit;

fn cache_control(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[actix_web::test]
async fn pages_with_personal_data_are_never_stored_but_assets_stay_immutable() {
    let app = spawn_app().await;
    let permit = bought_permit(&app, "cache@regionvastmanland.se").await;
    assert_eq!(pay(&app, &permit, "0701234567").await.status(), 303);
    assert_eq!(settled(&app).await, "paid");
    let receipt = format!("{permit}/receipt");
    for path in [
        "/",
        "/settings",
        "/settings/payment",
        "/notifications",
        "/messages",
        permit.as_str(),
        receipt.as_str(),
        "/settings/export",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        assert_eq!(cache_control(&resp), "no-store", "GET {path}");
    }
    // A redirect and an error page of a logged-in request, too.
    let resp = app.get("/permits/999999").await;
    assert_eq!(cache_control(&resp), "no-store", "404 logged in");

    // The stylesheet and htmx referenced by a page keep their long, immutable caching.
    let home = app.get_html("/").await;
    let mut assets = 0;
    for part in home.split("\"/assets/").skip(1) {
        let path = format!("/assets/{}", &part[..part.find('"').unwrap()]);
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        let cc = cache_control(&resp);
        assert!(
            cc.contains("immutable") && cc.contains("max-age=31536000"),
            "{path}: {cc}"
        );
        assets += 1;
    }
    assert!(assets >= 2, "the page references its CSS and htmx");
}

#[actix_web::test]
async fn operator_pages_are_never_stored() {
    let app = spawn_app().await;
    let operator = crate::operator::operator_client(&app, "kontroll@regionvastmanland.se").await;
    for path in [
        "/operator/dashboard",
        "/operator/check?regnr=ABC123",
        "/operator/search?q=a",
        "/operator/cases",
    ] {
        let resp = operator.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
        assert_eq!(cache_control(&resp), "no-store", "GET {path}");
    }
}

#[actix_web::test]
async fn over_https_the_language_cookie_is_secure() {
    let app = spawn_app_with(&[("PUBLIC_URL", "https://parkering.example.se")]).await;
    let resp = app.get("/lang/en?next=/login").await;
    assert_eq!(resp.status(), 303);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("lang=en"), "{set_cookie}");
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));

    // Over plain http (the local default) it cannot be Secure, or the browser would drop it.
    let plain = spawn_app().await;
    let resp = plain.get("/lang/en?next=/login").await;
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");
}
