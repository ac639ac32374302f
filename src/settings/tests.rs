//! The settings' parsing: every variable, its default and its errors.

use super::*;
use std::collections::HashMap;

fn parse(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_match_the_contract() {
    let s = parse(&[]).unwrap();
    assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(s.database_url, DatabaseUrl::Sqlite("parkportal.db".into()));
    assert!(s.smtp_url.is_none() && s.sms_gateway.is_none());
    assert!(s.swish.is_none() && s.nexi.is_none());
    assert_eq!(
        s.mail_from.to_string(),
        "Parkeringsservice <noreply@localhost>"
    );
    assert_eq!(s.employee_email_domain, "regionvastmanland.se");
    assert!(s.check_api_keys.is_empty());
    assert_eq!(s.provider_timeout_ms, 15_000);
    assert_eq!(s.body_timeout_ms, 60_000);
    assert_eq!(s.registrations_per_client_hour, 300);
    assert_eq!(s.link_requests_per_client_hour, 300);
    assert!(!s.is_https());
}

#[test]
fn colon_port_listens_on_this_machine_and_links_follow_the_address() {
    let s = parse(&[("BIND_ADDR", ":0")]).unwrap();
    assert_eq!(s.bind_addr.to_string(), "127.0.0.1:0");
    // Demo mode stays allowed, and links point where the portal listens (port 0 is set to
    // the bound port at start).
    assert!(s.services().unwrap().demo());
    assert_eq!(s.public_url.as_str(), "http://127.0.0.1:0/");
    let s = parse(&[("BIND_ADDR", "127.0.0.1:9000")]).unwrap();
    assert_eq!(s.public_url.as_str(), "http://127.0.0.1:9000/");
    let s = parse(&[("BIND_ADDR", "0.0.0.0:9000"), ("DEMO_MODE", "on")]).unwrap();
    assert_eq!(s.public_url.as_str(), "http://127.0.0.1:9000/");
    let s = parse(&[("BIND_ADDR", "[::1]:9000")]).unwrap();
    assert_eq!(s.public_url.as_str(), "http://[::1]:9000/");
    // Set, it is taken as it is.
    let s = parse(&[
        ("BIND_ADDR", ":9000"),
        ("PUBLIC_URL", "https://p.example.se"),
    ])
    .unwrap();
    assert_eq!(s.public_url.as_str(), "https://p.example.se/");
}

#[test]
fn mistyped_database_scheme_is_refused_naming_the_variable() {
    let err = parse(&[("DATABASE_URL", "postgress://x")]).unwrap_err();
    assert_eq!(err.var, "DATABASE_URL");
    assert!(err.to_string().contains("postgress"), "{err}");
    assert!(parse(&[("DATABASE_URL", "postgres:/x")]).is_err());
}

#[test]
fn database_urls_pick_the_backend() {
    let pg = parse(&[("DATABASE_URL", "postgres://u:secret@h/db")]).unwrap();
    assert!(pg.database_url.is_postgres());
    assert!(!pg.database_url.redacted().contains("secret"));
    let sq = parse(&[("DATABASE_URL", "sqlite:///tmp/a.db")]).unwrap();
    assert_eq!(sq.database_url, DatabaseUrl::Sqlite("/tmp/a.db".into()));
}

#[test]
fn bad_values_name_their_variable() {
    for (var, value) in [
        ("BIND_ADDR", "nonsense"),
        ("PUBLIC_URL", "ftp://x"),
        ("SMTP_URL", "http://mail"),
        ("MAIL_FROM", "not an address"),
        ("SWISH_SIM_DELAY_MS", "-1"),
        ("PROVIDER_TIMEOUT_MS", "0"),
        ("PROVIDER_TIMEOUT_MS", "soon"),
        ("BODY_TIMEOUT_MS", "50"),
        ("EMPLOYEE_EMAIL_DOMAIN", "a b"),
        ("SMS_46ELKS_URL", "http://sms.local"),
        ("TRUSTED_PROXIES", "10.0.0.1, nonsense"),
        ("TRUSTED_PROXIES", "10.0.0.0/33"),
    ] {
        let err = parse(&[(var, value)]).unwrap_err();
        let line = err.to_string();
        assert!(line.contains(err.var), "{line}");
        assert!(!line.contains('\n'), "{line}");
        if var != "SMS_46ELKS_URL" {
            assert_eq!(err.var, var);
        }
    }
}

#[test]
fn https_public_url_turns_on_https_mode_and_keys_are_split() {
    let s = parse(&[
        ("PUBLIC_URL", "https://parkering.example.se"),
        (
            "CHECK_API_KEYS",
            " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,,",
        ),
        ("EMPLOYEE_EMAIL_DOMAIN", "@RegionVastmanland.SE"),
    ])
    .unwrap();
    assert!(s.is_https());
    assert_eq!(s.check_api_keys.len(), 2);
    assert_eq!(s.employee_email_domain, "regionvastmanland.se");
}

#[test]
fn demo_mode_is_allowed_on_loopback_or_when_on_and_simulates_what_is_not_configured() {
    let local = parse(&[]).unwrap();
    assert_eq!(local.demo_mode, DemoMode::Auto);
    assert!(local.demo_allowed());
    let s = local.services().unwrap();
    assert!(s.demo() && s.mailbox_page());
    assert_eq!(s.email, Service::Simulated);
    assert_eq!(s.card, Service::Simulated);
    let v6 = parse(&[("BIND_ADDR", "[::1]:8080")]).unwrap();
    assert!(v6.demo_allowed());
    let public = parse(&[("BIND_ADDR", "0.0.0.0:8080")]).unwrap();
    assert!(!public.demo_allowed());
    let err = public.services().unwrap_err();
    assert_eq!(err.var, "SMTP_URL");
    assert!(!err.to_string().contains('\n'));
    // Behind a reverse proxy the server binds loopback too: a public PUBLIC_URL or any
    // TRUSTED_PROXIES keeps demo mode off (issue #34, 1).
    for vars in [
        &[("PUBLIC_URL", "https://parkering.example.se")][..],
        &[("PUBLIC_URL", "http://10.0.0.5:8080")][..],
        &[("TRUSTED_PROXIES", "127.0.0.1")][..],
        &[
            ("BIND_ADDR", "127.0.0.1:8080"),
            ("PUBLIC_URL", "https://parkering.example.se"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ][..],
    ] {
        let s = parse(vars).unwrap();
        assert!(!s.demo_allowed(), "{vars:?}");
        let err = s.services().unwrap_err();
        assert_eq!(err.var, "SMTP_URL", "{vars:?}");
        assert!(err.to_string().contains("DEMO_MODE=on"), "{err}");
    }
    for url in [
        "http://localhost:8080",
        "http://127.0.0.2:9000",
        "http://[::1]:8080",
    ] {
        assert!(
            parse(&[("PUBLIC_URL", url)]).unwrap().demo_allowed(),
            "{url}"
        );
    }
    let on = parse(&[("BIND_ADDR", "0.0.0.0:8080"), ("DEMO_MODE", "ON")]).unwrap();
    assert!(on.demo_allowed() && on.services().unwrap().demo());
    let off = parse(&[("DEMO_MODE", "off"), ("SMTP_URL", "smtp://mail")]).unwrap();
    assert!(!off.demo_allowed());
    assert!(off.services().unwrap_err().var.contains("NEXI_API_URL"));
    assert_eq!(parse(&[("DEMO_MODE", "yes")]).unwrap_err().var, "DEMO_MODE");
}

#[test]
fn short_check_api_keys_stop_the_start() {
    let err = parse(&[("CHECK_API_KEYS", "short")]).unwrap_err();
    assert_eq!(err.var, "CHECK_API_KEYS");
    assert!(!err.to_string().contains("short"), "{err}");
    let s = parse(&[("CHECK_API_KEYS", &"å".repeat(32))]).unwrap();
    assert_eq!(s.check_api_keys.len(), 1);
    assert_eq!(s.check_api_rate_per_minute, 600);
    assert!(parse(&[("CHECK_API_RATE_PER_MINUTE", "0")]).is_err());
}

#[test]
fn a_short_metrics_token_stops_the_start_and_none_turns_metrics_off() {
    let err = parse(&[("METRICS_TOKEN", "short")]).unwrap_err();
    assert_eq!(err.var, "METRICS_TOKEN");
    assert!(!err.to_string().contains("short"), "{err}");
    assert!(
        parse(&[("METRICS_TOKEN", " ")])
            .unwrap()
            .metrics_token
            .is_none()
    );
    assert!(parse(&[]).unwrap().metrics_token.is_none());
    let s = parse(&[("METRICS_TOKEN", &"m".repeat(32))]).unwrap();
    assert!(s.metrics_token.is_some());
}

#[test]
fn trusted_proxies_are_ips_and_cidrs() {
    let s = parse(&[("TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16,fd00::/8")]).unwrap();
    assert_eq!(s.trusted_proxies.len(), 3);
    let has = |ip: &str| {
        let ip: IpAddr = ip.parse().unwrap();
        s.trusted_proxies.iter().any(|n| n.contains(ip))
    };
    assert!(has("10.0.0.1") && !has("10.0.0.2"));
    assert!(has("192.168.44.3") && has("::ffff:192.168.1.1"));
    assert!(has("fd12::1") && !has("fe80::1"));
    assert!(parse(&[]).unwrap().trusted_proxies.is_empty());
    assert!(
        IpNet::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap())
    );
}
