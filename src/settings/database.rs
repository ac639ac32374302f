//! `DATABASE_URL`: SQLite or PostgreSQL, by its shape.

use super::*;

/// Which database to use, chosen by the shape of `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL, a `sqlite://` URL, or a plain file path.
    /// Anything else with a scheme is refused rather than silently becoming a SQLite file.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty".into());
        }
        if let Some((scheme, rest)) = raw.split_once("://") {
            return match scheme.to_ascii_lowercase().as_str() {
                "postgres" | "postgresql" => {
                    Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL ({e})"))?;
                    Ok(Self::Postgres(raw.to_string()))
                }
                "sqlite" if !rest.is_empty() => Ok(Self::Sqlite(PathBuf::from(rest))),
                "sqlite" => Err("sqlite:// needs a file path".into()),
                other => Err(format!(
                    "unknown scheme '{other}://' (use a SQLite file path or postgres://…)"
                )),
            };
        }
        if raw.starts_with("postgres:") || raw.starts_with("postgresql:") {
            return Err("PostgreSQL URLs start with postgres://".into());
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// A form for logs: the PostgreSQL password is never shown.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
            Self::Postgres(url) => match Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://…".into(),
            },
        }
    }
}
