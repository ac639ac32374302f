//! Browser harness: headless Chromium through chromedriver on a 390×844 phone viewport.
//!
//! Each browser gets its own chromedriver process and empty profile, killed on drop.
//! `SKIP_BROWSER_TESTS=1` skips these tests where no Chromium is installed (CI installs it).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::kit::spawn::spawn_app;

/// A phone of a CSS width (844 px tall), or the office's 1280 × 800 desktop.
#[derive(Clone, Copy)]
enum Screen {
    Phone(u32),
    Desk,
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

pub fn browser_tests_skipped() -> bool {
    if std::env::var("SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("SKIP_BROWSER_TESTS=1: browser test skipped");
        return true;
    }
    // A machine with only Rust: skip, saying what to install; CI (REQUIRE_BROWSER=1) fails.
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_string());
    let found = |program: &str| {
        std::process::Command::new(program)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !(found(&chromium_binary()) && found(&driver)) {
        assert!(
            !std::env::var("REQUIRE_BROWSER").is_ok_and(|v| v == "1"),
            "REQUIRE_BROWSER=1 but Chromium or chromedriver is missing"
        );
        eprintln!(
            "browser test skipped: Chromium or chromedriver not found (apt-get install chromium chromium-driver)"
        );
        return true;
    }
    false
}

fn chromium_binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

impl Browser {
    /// JavaScript on or off (off: the flows must still work with plain forms).
    pub async fn start(javascript: bool) -> Browser {
        Browser::start_sized(javascript, 390).await
    }

    /// A phone of this CSS width (844 px tall), e.g. 320 for the reflow check of WCAG 1.4.10.
    pub async fn start_sized(javascript: bool, width: u32) -> Browser {
        Browser::launch(javascript, Screen::Phone(width)).await
    }

    /// The parking office's screen: a desktop window of 1280 × 800, no phone emulation.
    pub async fn start_desk(javascript: bool) -> Browser {
        Browser::launch(javascript, Screen::Desk).await
    }

    async fn launch(javascript: bool, screen: Screen) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_string()),
        )
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver must be installed (apt-get install chromium chromium-driver)");
        let profile = tempfile::tempdir().unwrap();
        let mut caps = Capabilities::new();
        let mut options = json!({
            "binary": chromium_binary(),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.path().display()),
                // Page scripts off, as for a user who switched JavaScript off.
                if javascript { "--blink-settings=scriptEnabled=true" } else { "--blink-settings=scriptEnabled=false" },
            ],
        });
        match screen {
            Screen::Phone(width) => {
                options["mobileEmulation"] = json!({
                    "deviceMetrics": {"width": width, "height": 844, "pixelRatio": 3.0},
                    "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"
                });
            }
            Screen::Desk => {
                // The viewport itself 1280 × 800 (a window of that size has less inside).
                options["mobileEmulation"] = json!({
                    "deviceMetrics": {"width": 1280, "height": 800, "pixelRatio": 1.0,
                                      "mobile": false, "touch": false}
                });
            }
        }
        caps.insert("goog:chromeOptions".into(), options);
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("chromedriver did not start: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Console messages at level WARNING or SEVERE since the last call (CSP violations,
    /// script errors and failed loads are SEVERE), except the browser's note about a page
    /// answered with 422 (a form shown again with its errors, as intended).
    pub async fn console_errors(&self) -> Vec<String> {
        let logs = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("chromedriver log endpoint");
        logs.as_array()
            .into_iter()
            .flatten()
            .filter(|e| matches!(e["level"].as_str(), Some("SEVERE") | Some("WARNING")))
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .filter(|m| !m.contains("responded with a status of 422"))
            .collect()
    }

    /// The input whose `<label>` has exactly this text (or contains it, for checkboxes): the
    /// one its `for` names, or the one it holds.
    pub async fn input_by_label(&self, label: &str) -> fantoccini::elements::Element {
        let xpath = format!(
            "//label[normalize-space()='{label}' or contains(normalize-space(), '{label}')]"
        );
        let label_el = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no label {label}: {e}"));
        match label_el.attr("for").await.unwrap() {
            Some(id) => self.client.find(Locator::Id(&id)).await.unwrap(),
            None => label_el
                .find(Locator::Css("input"))
                .await
                .unwrap_or_else(|e| panic!("label {label} has no for and holds no input: {e}")),
        }
    }

    pub async fn fill(&self, label: &str, value: &str) {
        let input = self.input_by_label(label).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    /// Clicks the `<button>` or `<a>` with exactly this visible text and waits for the next page.
    pub async fn click(&self, text: &str) {
        let xpath =
            format!("(//button[normalize-space()='{text}'] | //a[normalize-space()='{text}'])[1]");
        let el = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button or link {text}: {e}"));
        // Behind the phone's "Meny": open it first, as a user would.
        if !el.is_displayed().await.unwrap_or(true)
            && let Ok(menu) = self
                .client
                .find(Locator::XPath("//header//details[not(@open)]/summary"))
                .await
        {
            menu.send_keys("\u{E007}").await.unwrap();
        }
        // Enter activates links and buttons like a keyboard user would.
        el.send_keys("\u{E007}").await.unwrap();
    }

    /// Waits until the page says `text` (an answer may come on a page with the same heading).
    pub async fn wait_for_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.page_text().await.contains(text) {
            assert!(Instant::now() < deadline, "{text:?} never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's `<h1>` reads `text`.
    pub async fn wait_for_heading(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(h1) = self.client.find(Locator::Css("h1")).await
                && h1.text().await.is_ok_and(|t| t == text)
            {
                return;
            }
            if Instant::now() > deadline {
                let src = self.client.source().await.unwrap_or_default();
                panic!("heading {text:?} never came; page: {src}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the page when `SCREENSHOT_DIR` is set (to look at the phone layout).
    pub async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
        }
    }

    /// Selects a radio button or ticks a checkbox by its label, as a keyboard user does.
    pub async fn choose(&self, label: &str) {
        self.input_by_label(label)
            .await
            .send_keys(" ")
            .await
            .unwrap();
    }

    /// Logs in through the login page.
    pub async fn login(&self, app_url: &str, email: &str, password: &str) {
        self.goto(app_url).await;
        self.fill("E-postadress", email).await;
        self.fill("Lösenord", password).await;
        self.click("Logga in").await;
        self.wait_for_heading("Mina parkeringstillstånd").await;
    }

    /// Logs a member of staff in on the login page with a fresh "Engångskod", from `path`
    /// (which the login comes back to) to the page headed `heading`.
    pub async fn login_staff(
        &self,
        app: &crate::kit::spawn::TestApp,
        email: &str,
        path: &str,
        heading: &str,
    ) {
        self.goto(&app.url(path)).await;
        self.wait_for_heading("Logga in").await;
        self.fill("E-postadress", email).await;
        self.fill("Lösenord", crate::kit::flows::PASSWORD).await;
        self.click("Logga in").await;
        self.wait_for_heading("Tvåstegsverifiering").await;
        let code = crate::kit::mfa::fresh_code(&mut app.conn(), email).await;
        self.fill("Engångskod", &code).await;
        self.click("Verifiera").await;
        self.wait_for_heading(heading).await;
    }

    /// The page's width in CSS pixels (its `scrollWidth`).
    pub async fn page_width(&self) -> u64 {
        self.client
            .execute("return document.documentElement.scrollWidth", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap()
    }

    /// Nothing on the page is wider than `width` (WCAG 1.4.10); `page` names it on failure.
    pub async fn assert_fits(&self, width: u32, page: &str) {
        let wide = self.page_width().await;
        assert!(
            wide <= u64::from(width),
            "{page}: {wide} px wide at {width} px"
        );
    }

    /// The visible text of the page; retried while a navigation replaces the page.
    pub async fn page_text(&self) -> String {
        for _ in 0..50 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && let Ok(text) = body.text().await
            {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page never settled")
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Chromedriver's log endpoint (not part of W3C WebDriver, so fantoccini has no method for it).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

#[actix_web::test]
async fn front_page_loads_on_a_phone_without_console_errors() {
    if browser_tests_skipped() {
        return;
    }
    let app = spawn_app().await;
    let browser = Browser::start(true).await;
    browser.goto(&app.url("/")).await;
    assert_eq!(browser.text("h1").await, "Logga in");
    // htmx loaded (deferred) and configured without eval.
    let loaded: Value = browser
        .client
        .execute(
            "return typeof htmx !== 'undefined' && htmx.config.allowEval === false",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, Value::Bool(true));
    let width: Value = browser
        .client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(390));
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    // The check itself is live: an error logged now is seen.
    browser
        .client
        .execute("console.error('harness self-check')", vec![])
        .await
        .unwrap();
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().any(|e| e.contains("harness self-check")),
        "{errors:?}"
    );
    browser.close().await;
}
