//! The second factor (RFC 6238 TOTP: SHA-1, 6 digits, 30 s steps, one step of clock skew
//! either way) and its single-use recovery codes. Pure: the secret, the codes and the time come
//! in; what is accepted comes out. A code is accepted once: the step it matched must be later
//! than the last step accepted for the account, which the caller stores in the same statement
//! that accepts it.

use rand::RngCore;
use totp_rs::{Algorithm, Secret, Totp};

/// The issuer shown in the authenticator app.
pub const ISSUER: &str = "Parkportal";
/// How many recovery codes an account gets when the second factor is turned on.
pub const RECOVERY_CODES: usize = 10;

/// A new secret of 160 random bits, as base32 text (what the user types into an app).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes.to_vec()).to_base32()
}

fn totp(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', ""))
        .build()
        .ok()
}

/// The `otpauth://totp/…?secret=…` link an authenticator app reads (also as the QR code).
pub fn otpauth_url(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account)?.to_url().ok()
}

/// The code for `unix_seconds` (tests and the enrolment's example use it).
pub fn code_at(secret_b32: &str, unix_seconds: u64) -> Option<String> {
    Some(totp(secret_b32, "")?.generate(unix_seconds).to_string())
}

/// The time step a typed code matches at `unix_seconds` (spaces ignored), if it is later than
/// `last_step` (a code works once); `None` otherwise.
pub fn accept(
    secret_b32: &str,
    typed: &str,
    unix_seconds: u64,
    last_step: Option<i64>,
) -> Option<i64> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = i64::try_from(totp(secret_b32, "")?.check(&code, unix_seconds)?).ok()?;
    match last_step {
        Some(last) if step <= last => None,
        _ => Some(step),
    }
}

/// Ten new recovery codes, each `xxxxx-xxxxx` of lower-case letters and digits (no 0/o, 1/l).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rng.fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// A typed recovery code as stored (its hash): case, spaces and dashes do not matter.
pub fn recovery_hash(typed: &str) -> Option<String> {
    let norm: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (norm.len() == 10).then(|| super::token::hash_token(&format!("recovery:{norm}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", 8-digit codes; the
    /// 6-digit codes are their last six digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(&secret, t).unwrap(), code, "at {t}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_within_one_step_of_skew() {
        let s = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&s, now).unwrap();
        let step = accept(&s, &code, now, None).unwrap();
        assert_eq!(step, (now / 30) as i64);
        assert_eq!(accept(&s, &code, now, Some(step)), None, "used once");
        assert_eq!(accept(&s, &code, now + 30, None), Some(step), "a step late");
        assert_eq!(accept(&s, &code, now + 90, None), None, "too late");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(accept(&s, &spaced, now, None), Some(step));
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(accept(&s, bad, now, None), None, "{bad}");
        }
        let url = otpauth_url(&s, "olle@example.se").unwrap();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains(&format!("secret={s}")), "{url}");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_typed_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let set: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(set.len(), RECOVERY_CODES);
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
        assert_eq!(recovery_hash("short"), None);
    }
}
