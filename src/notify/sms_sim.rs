//! A 46elks gateway simulator: a small HTTP server of its own (port 0 picks a free port) that
//! answers `POST /a1/sms` the way 46elks does, so the real [`super::sms::SmsClient`] talks HTTP
//! to it. Tests start it and point `SMS_46ELKS_URL` at [`SmsSim::url`].
//!
//! It is not mounted in the portal: with no gateway configured, SMS go to the local mailbox
//! page (`/dev/mailbox`), as CONTRACT.md says.
//!
//! Like 46elks it checks HTTP Basic auth (401), the form fields (400 "Missing key …"), that
//! `to` is an E.164 number (403 "Invalid to number") and that `from` is 1–11 letters/digits
//! starting with a letter or an E.164 number (403 "Invalid from field"); errors are plain text.
//! An accepted SMS is kept (read them with [`SmsSim::messages`]) and answered with 46elks's
//! JSON receipt. [`SmsSim::set_mode`] switches it to failing (any status, or a 200 that is not
//! JSON) and back.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;

/// One SMS the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSms {
    pub id: String,
    pub from: String,
    pub to: String,
    pub message: String,
    pub parts: u32,
    /// The Basic auth user it came with.
    pub api_user: String,
}

/// How the simulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimMode {
    /// Like 46elks on a good day.
    Up,
    /// Every request gets this HTTP status (e.g. 503) and nothing is kept.
    Failing(u16),
    /// 200 with an HTML page instead of the JSON receipt; nothing is kept.
    Garbage,
}

struct SimState {
    user: String,
    password: String,
    mode: Mutex<SimMode>,
    sent: Mutex<Vec<SimSms>>,
    requests: Mutex<usize>,
}

pub struct SmsSim {
    port: u16,
    state: Arc<SimState>,
    handle: ServerHandle,
}

impl SmsSim {
    /// Starts the simulator on 127.0.0.1, port 0, accepting the given API user and password.
    /// Call inside an actix (or Tokio) runtime.
    pub fn start(user: &str, password: &str) -> std::io::Result<SmsSim> {
        let state = Arc::new(SimState {
            user: user.to_string(),
            password: password.to_string(),
            mode: Mutex::new(SimMode::Up),
            sent: Mutex::default(),
            requests: Mutex::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024))
                .route("/a1/sms", web::post().to(send_sms))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(SmsSim {
            port,
            state,
            handle,
        })
    }

    /// The base URL to use as `SMS_46ELKS_URL`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set_mode(&self, mode: SimMode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// Every SMS accepted so far, oldest first.
    pub fn messages(&self) -> Vec<SimSms> {
        self.state.sent.lock().unwrap().clone()
    }

    /// The accepted SMS to one number.
    pub fn to(&self, number: &str) -> Vec<SimSms> {
        self.messages()
            .into_iter()
            .filter(|m| m.to == number)
            .collect()
    }

    /// How many requests reached `/a1/sms`, answered or refused.
    pub fn requests(&self) -> usize {
        *self.state.requests.lock().unwrap()
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

fn text(status: u16, body: &str) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("text/plain; charset=utf-8")
    .body(body.to_string())
}

/// `+` and 8–15 digits, the first not 0.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

fn valid_from(s: &str) -> bool {
    let alnum = (1..=11).contains(&s.chars().count())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.starts_with(|c: char| c.is_ascii_alphabetic());
    alnum || is_e164(s)
}

/// Message parts as an operator counts them: GSM 7-bit text 160 (153 per part when split),
/// anything else UCS-2, 70 (67).
fn parts(message: &str) -> u32 {
    const GSM: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const GSM_EXT: &str = "^{}\\[~]|€\u{c}";
    let (gsm, units) = message.chars().fold((true, 0usize), |(gsm, n), c| {
        if GSM.contains(c) {
            (gsm, n + 1)
        } else if GSM_EXT.contains(c) {
            (gsm, n + 2)
        } else {
            (false, n + 1)
        }
    });
    let (single, multi, len) = if gsm {
        (160, 153, units)
    } else {
        (70, 67, message.encode_utf16().count())
    };
    if len <= single {
        1
    } else {
        len.div_ceil(multi) as u32
    }
}

/// Basic auth user and password, if the header is there and readable.
fn basic_auth(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine;
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

async fn send_sms(req: HttpRequest, body: web::Bytes, sim: web::Data<SimState>) -> HttpResponse {
    *sim.requests.lock().unwrap() += 1;
    match *sim.mode.lock().unwrap() {
        SimMode::Up => {}
        SimMode::Failing(status) => return text(status, "Service temporarily unavailable"),
        SimMode::Garbage => {
            return HttpResponse::Ok()
                .content_type("text/html")
                .body("<html><body>Maintenance</body></html>");
        }
    }
    let authorized = basic_auth(&req);
    if authorized
        .as_ref()
        .is_none_or(|(u, p)| *u != sim.user || *p != sim.password)
    {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"46elks\""))
            .content_type("text/plain; charset=utf-8")
            .body("Authorization failed");
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (Some(from), Some(to), Some(message)) = (field("from"), field("to"), field("message"))
    else {
        let missing = ["from", "to", "message"]
            .into_iter()
            .find(|k| field(k).is_none())
            .unwrap_or("message");
        return text(400, &format!("Missing key {missing}"));
    };
    if !is_e164(&to) {
        return text(403, "Invalid to number");
    }
    if !valid_from(&from) {
        return text(403, "Invalid from field");
    }
    if message.is_empty() {
        return text(400, "Missing key message");
    }
    let parts = parts(&message);
    if parts > 10 {
        return text(403, "Message too long");
    }
    let id = format!("s{}", uuid::Uuid::new_v4().simple());
    let created = chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    let answer = json!({
        "status": "created",
        "direction": "outgoing",
        "from": from,
        "created": created,
        "parts": parts,
        "to": to,
        "cost": 3500 * parts,
        "message": message,
        "id": id,
    });
    sim.sent.lock().unwrap().push(SimSms {
        id,
        from,
        to,
        message,
        parts,
        api_user: authorized.map(|(u, _)| u).unwrap_or_default(),
    });
    HttpResponse::Ok().json(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_senders_and_parts_are_judged_like_46elks() {
        assert!(is_e164("+46701234567"));
        for bad in [
            "0701234567",
            "+4670123456789012",
            "+0701234567",
            "+46 70 123",
            "",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
        assert!(valid_from("Parkering") && valid_from("+46701234567"));
        assert!(!valid_from("Parkeringsservice") && !valid_from("Park ering"));
        assert!(!valid_from("1Parkering"));
        assert_eq!(parts(&"a".repeat(160)), 1);
        assert_eq!(parts(&"a".repeat(161)), 2);
        assert_eq!(parts("Hej Åsa, ditt tillstånd"), 1);
        assert_eq!(parts(&"ü".repeat(160)), 1, "ü is in the GSM alphabet");
        assert_eq!(parts(&"ő".repeat(71)), 2, "ő is not: UCS-2");
    }
}
