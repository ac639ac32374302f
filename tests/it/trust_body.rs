//! #13 item 14: a request body that trickles is cut off after `BODY_TIMEOUT_MS` (408), both
//! when it stops and when it keeps dripping a byte at a time.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::kit::spawn::spawn_app_with;

/// Sends a form POST to `/login` whose body is announced as 200 bytes but arrives as a few
/// bytes, then `drips` single bytes `drip` apart, then nothing. Returns the answer's status
/// line (empty if the server never answered within 10 s) and how long it took.
async fn slow_login_post(address: &str, drip: Duration, drips: usize) -> (String, Duration) {
    let host = address.trim_start_matches("http://").to_string();
    let stream = TcpStream::connect(&host).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: same-origin\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nemail=a"
    );
    write.write_all(head.as_bytes()).await.expect("head");
    let started = Instant::now();
    tokio::spawn(async move {
        for _ in 0..drips {
            tokio::time::sleep(drip).await;
            if write.write_all(b"a").await.is_err() {
                return;
            }
        }
        // Keep the connection open, sending nothing more.
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(write);
    });
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_secs(10), read.read(&mut buf))
        .await
        .unwrap_or(Ok(0))
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    let status = text.lines().next().unwrap_or_default().to_string();
    (status, started.elapsed())
}

#[actix_web::test]
async fn a_body_that_stops_is_cut_off_with_408() {
    let app = spawn_app_with(&[("BODY_TIMEOUT_MS", "1200")]).await;
    let (status, took) = slow_login_post(&app.address, Duration::from_millis(10), 0).await;
    assert!(
        status.contains(" 408 "),
        "answer to a stalled body: {status:?}"
    );
    // No pause longer than a sixth of the timeout: cut after about 200 ms, long before 10 s.
    assert!(took < Duration::from_secs(5), "cut off only after {took:?}");
}

#[actix_web::test]
async fn a_body_that_keeps_trickling_is_cut_off_at_the_deadline() {
    let app = spawn_app_with(&[("BODY_TIMEOUT_MS", "1200")]).await;
    // A byte every 50 ms never pauses long enough for the idle cut (200 ms) and would take
    // 10 s for the whole body: the total deadline (1.2 s) cuts it.
    let (status, took) = slow_login_post(&app.address, Duration::from_millis(50), 190).await;
    assert!(
        status.contains(" 408 "),
        "answer to a trickling body: {status:?}"
    );
    assert!(
        took >= Duration::from_millis(1000),
        "cut off too early: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "cut off only after {took:?}");
}

#[actix_web::test]
async fn a_whole_body_sent_in_time_is_read() {
    let app = spawn_app_with(&[("BODY_TIMEOUT_MS", "1200")]).await;
    let res = app
        .post_form(
            "/login",
            &[("email", "nobody@example.se"), ("password", "Fel1!lösen")],
        )
        .await;
    assert_ne!(res.status().as_u16(), 408);
    assert!(res.status().as_u16() < 500, "status {}", res.status());
}

/// Opens a multipart POST to `path` announcing 5 MB and sends only its first bytes (with
/// `cookie`, if any); returns the reader of the answer and the writer, kept open.
async fn stalled_upload(
    address: &str,
    path: &str,
    cookie: Option<&str>,
) -> (
    tokio::net::tcp::OwnedReadHalf,
    tokio::net::tcp::OwnedWriteHalf,
) {
    let host = address.trim_start_matches("http://").to_string();
    let stream = TcpStream::connect(&host).await.expect("connect");
    let (read, mut write) = stream.into_split();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: same-origin\r\n{cookie}\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 5000000\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n"
    );
    write.write_all(head.as_bytes()).await.expect("head");
    (read, write)
}

/// The status line of the answer, if one comes within `within`.
async fn answer(read: &mut tokio::net::tcp::OwnedReadHalf, within: Duration) -> String {
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(within, read.read(&mut buf))
        .await
        .unwrap_or(Ok(0))
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    text.lines().next().unwrap_or_default().to_string()
}

/// Issue #34, 5: who may upload is decided before the body is read. Without a session the
/// answer is the way to the login at once (not after the body's time-out); on someone else's
/// permit a 404 at once; and only a few uploads are read at once (the next is told 503 with
/// `Retry-After`), so unfinished uploads cannot fill the memory.
#[actix_web::test]
async fn uploads_are_authorised_before_their_body_is_read_and_capped_in_flight() {
    use diesel::prelude::*;
    let app = spawn_app_with(&[("BODY_TIMEOUT_MS", "60000")]).await;
    let (mut read, _w) = stalled_upload(&app.address, "/permits/1/attachment", None).await;
    let status = answer(&mut read, Duration::from_secs(3)).await;
    assert!(status.contains(" 303 "), "no session: {status:?}");

    // A logged-in customer with an application awaiting approval.
    let permit = crate::permits::bought_permit(&app, "uppladdning@regionvastmanland.se").await;
    let id: i64 = permit.rsplit('/').next().unwrap().parse().unwrap();
    diesel::update(parkportal::db::schema::permits::table.find(id))
        .set(parkportal::db::schema::permits::state.eq("awaiting_approval"))
        .execute(&mut app.conn())
        .unwrap();
    let login = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = login
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[
            ("email", "uppladdning@regionvastmanland.se"),
            ("password", crate::kit::flows::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    // Someone else's permit (none has this id): 404 before the body.
    let (mut read, _w) =
        stalled_upload(&app.address, "/permits/999999/attachment", Some(&cookie)).await;
    let status = answer(&mut read, Duration::from_secs(3)).await;
    assert!(status.contains(" 404 "), "not theirs: {status:?}");
    // Eight unfinished uploads are read; the ninth is turned away at once.
    let path = format!("/permits/{id}/attachment");
    let mut open = Vec::new();
    for _ in 0..parkportal::web::permits::UPLOADS_IN_FLIGHT {
        open.push(stalled_upload(&app.address, &path, Some(&cookie)).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut read, _w) = stalled_upload(&app.address, &path, Some(&cookie)).await;
    let status = answer(&mut read, Duration::from_secs(3)).await;
    assert!(status.contains(" 503 "), "over the cap: {status:?}");
    // Those eight are still being read (no answer yet).
    let status = answer(&mut open[0].0, Duration::from_millis(200)).await;
    assert!(status.is_empty(), "{status:?}");
    drop(open);
}
