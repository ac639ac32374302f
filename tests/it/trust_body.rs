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
