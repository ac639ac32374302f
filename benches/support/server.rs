//! The real portal for a benchmark: `Application::build` on port 0 with a SQLite file in a
//! temp dir, the local mailbox (no SMTP, no SMS gateway) and the payment simulators.

use std::collections::HashMap;

use parkportal::{Application, Settings};

pub struct Server {
    pub address: String,
    _dir: tempfile::TempDir,
}

/// Starts the portal in the current actix system; `extra` settings override the defaults.
pub async fn start(extra: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db_url = dir.path().join("bench.db").to_string_lossy().into_owned();
    let vars: HashMap<String, String> = [
        ("BIND_ADDR", "127.0.0.1:0"),
        ("PUBLIC_URL", "http://127.0.0.1:0"),
        ("DATABASE_URL", db_url.as_str()),
        ("RUST_LOG", "warn"),
        ("SWISH_SIM_DELAY_MS", "300"),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let _ = parkportal::telemetry::init_with_default("warn");
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    Server { address, _dir: dir }
}
