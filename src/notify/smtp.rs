//! Building the SMTP transport from `SMTP_URL`.

use anyhow::{Context, bail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

pub type SmtpTransport = AsyncSmtpTransport<Tokio1Executor>;

/// How `smtp://` protects what it sends (reset links, the SMTP login).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    /// STARTTLS is required: a server that does not offer it gets nothing.
    Required,
    /// STARTTLS when offered: only to this machine, or when `SMTP_URL` says
    /// `?starttls=optional` on purpose.
    Opportunistic,
}

/// `smtp://` to a host other than this machine requires STARTTLS (issue #34, 16), unless the
/// URL says `?starttls=optional`.
pub fn starttls(url: &url::Url) -> StartTls {
    let optional = url
        .query_pairs()
        .any(|(k, v)| k == "starttls" && v == "optional");
    // `smtp:` is not a scheme the URL standard knows, so its host is plain text: an address
    // is read from it here.
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if optional || loopback {
        StartTls::Opportunistic
    } else {
        StartTls::Required
    }
}

/// `smtp://host:port` uses STARTTLS, required unless the host is this machine (or the URL
/// ends `?starttls=optional`); `smtps://host:465` is TLS from the start. User and password in
/// the URL are the login.
pub fn transport(smtp_url: &SecretString) -> anyhow::Result<SmtpTransport> {
    let url = url::Url::parse(smtp_url.expose_secret()).context("SMTP_URL is not a URL")?;
    let host = url.host_str().context("SMTP_URL has no host")?.to_string();
    let builder = match url.scheme() {
        "smtp" => {
            let tls = TlsParameters::new(host.clone()).context("SMTP TLS setup")?;
            let tls = match starttls(&url) {
                StartTls::Required => Tls::Required(tls),
                StartTls::Opportunistic => Tls::Opportunistic(tls),
            };
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
                .port(url.port().unwrap_or(25))
                .tls(tls)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starttls_is_required_except_to_this_machine_or_when_said() {
        let mode = |u: &str| starttls(&url::Url::parse(u).unwrap());
        assert_eq!(mode("smtp://mail.region.se:587"), StartTls::Required);
        assert_eq!(mode("smtp://10.1.2.3:25"), StartTls::Required);
        assert_eq!(mode("smtp://127.0.0.1:2525"), StartTls::Opportunistic);
        assert_eq!(mode("smtp://localhost:25"), StartTls::Opportunistic);
        assert_eq!(mode("smtp://[::1]:25"), StartTls::Opportunistic);
        assert_eq!(
            mode("smtp://relay.intern:25?starttls=optional"),
            StartTls::Opportunistic
        );
        assert_eq!(
            mode("smtp://relay.intern:25?starttls=yes"),
            StartTls::Required
        );
    }
}
