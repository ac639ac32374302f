//! Logging: one line per event, filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

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
    // Another subscriber may already be installed (tests); that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
    Ok(())
}
