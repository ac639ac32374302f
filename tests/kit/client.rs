//! The HTTP client a test, bench or flow talks to the portal with.

/// A browser-like client for the portal at `address`: keeps cookies, says where its posts come
/// from (`Origin`), follows no redirect (so callers see each 303), decompresses nothing and
/// gives up idle connections before the server does.
pub fn client(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Origin", address.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // The server ends an idle connection after 5 s (actix's keep-alive); a client that
        // sent one again after that would meet it closed under its request (hyper's
        // "IncompleteMessage"), as a test that waits between its requests did. So the client
        // lets go first, as a browser or a proxy in front of the portal does.
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The page at `url` as text, fetched with `client` (e.g. an operator's), whatever its status.
pub async fn page_text(client: &reqwest::Client, url: String) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("request sent")
        .text()
        .await
        .expect("a body")
}
