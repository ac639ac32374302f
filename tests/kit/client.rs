//! The HTTP client a test, bench or flow talks to the portal with.

/// A browser-like client for the portal at `address`: keeps cookies, says where its posts come
/// from (`Origin`), follows no redirect (so callers see each 303) and decompresses nothing.
pub fn client(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Origin", address.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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
