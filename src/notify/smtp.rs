//! Building the SMTP transport from `SMTP_URL`.

use anyhow::{Context, bail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

pub type SmtpTransport = AsyncSmtpTransport<Tokio1Executor>;

/// `smtp://host:port` uses STARTTLS when the server offers it; `smtps://host:465` is TLS from
/// the start. User and password in the URL are the login.
pub fn transport(smtp_url: &SecretString) -> anyhow::Result<SmtpTransport> {
    let url = url::Url::parse(smtp_url.expose_secret()).context("SMTP_URL is not a URL")?;
    let host = url.host_str().context("SMTP_URL has no host")?.to_string();
    let builder = match url.scheme() {
        "smtp" => {
            let tls = TlsParameters::new(host.clone()).context("SMTP TLS setup")?;
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
                .port(url.port().unwrap_or(25))
                .tls(Tls::Opportunistic(tls))
        }
        "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
            .context("SMTP TLS setup")?
            .port(url.port().unwrap_or(465)),
        other => bail!("SMTP_URL scheme {other} is not smtp or smtps"),
    };
    let builder = builder.timeout(Some(Duration::from_secs(20)));
    let builder = if url.username().is_empty() {
        builder
    } else {
        let user = percent_decode(url.username());
        let pass = SecretString::from(percent_decode(url.password().unwrap_or("")));
        builder.credentials(Credentials::new(user, pass.expose_secret().to_string()))
    };
    Ok(builder.build())
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
