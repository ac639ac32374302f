//! Logging: one line per event, filtered by `RUST_LOG` (default `info`); `LOG_FORMAT=json`
//! writes each as one JSON object (for a log collector), `text` (the default) as words. No
//! colour codes unless the output is a terminal.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// The latency histogram of every request, by route (seconds).
pub const REQUEST_SECONDS: &str = "http_request_duration_seconds";
/// Requests by route, method and status.
pub const REQUESTS: &str = "http_requests_total";
/// The histogram's buckets: a page takes milliseconds; argon2-bound logins up to a second.
const BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The process's metrics recorder (installed the first time this is called) and the handle
/// `/metrics` renders. One per process: every server in it (tests start many) counts into it.
/// A thread drains the histograms' samples every 5 s, whether or not anyone scrapes.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), &BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows no requests");
        }
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
        handle
    })
}

/// Installs the global subscriber. A bad `RUST_LOG` is a settings error like any other.
pub fn init() -> Result<(), crate::settings::SettingsError> {
    init_with_default("info")
}

/// Like [`init`], with another level when `RUST_LOG` is unset (tests use `warn`).
pub fn init_with_default(default: &str) -> Result<(), crate::settings::SettingsError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(raw) if !raw.trim().is_empty() => {
            EnvFilter::try_new(raw.trim()).map_err(|e| crate::settings::SettingsError {
                var: "RUST_LOG",
                message: e.to_string(),
            })?
        }
        _ => EnvFilter::new(default),
    };
    let json = json_format(std::env::var("LOG_FORMAT").ok().as_deref())?;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(terminal && !json);
    // Another subscriber may already be installed (tests); that is fine.
    let _ = if json {
        fmt.json().try_init()
    } else {
        fmt.try_init()
    };
    Ok(())
}

/// `LOG_FORMAT`: unset or `text` for lines of words, `json` for JSON objects.
fn json_format(raw: Option<&str>) -> Result<bool, crate::settings::SettingsError> {
    match raw.map(str::trim) {
        None | Some("") | Some("text") => Ok(false),
        Some("json") => Ok(true),
        Some(_) => Err(crate::settings::SettingsError {
            var: "LOG_FORMAT",
            message: "must be text or json".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_format_is_text_or_json() {
        assert!(!super::json_format(None).unwrap());
        assert!(!super::json_format(Some("text")).unwrap());
        assert!(super::json_format(Some(" json ")).unwrap());
        let e = super::json_format(Some("xml")).unwrap_err();
        assert_eq!(e.var, "LOG_FORMAT");
    }
}
