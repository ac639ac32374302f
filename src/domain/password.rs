//! The password rule of the user guide: at least 8 characters with an upper-case letter, a
//! lower-case letter, a digit (0–9) and one of `!@#$%^*`. Other characters are allowed too.
//! At most 128 characters, and not one of the most common passwords.

use secrecy::{ExposeSecret, SecretString};

/// A password that meets the rule. Never printed (Debug is redacted by `secrecy`).
#[derive(Debug, Clone)]
pub struct Password(SecretString);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("too short")]
    TooShort,
    #[error("too long")]
    TooLong,
    #[error("missing upper-case letter")]
    NoUpper,
    #[error("missing lower-case letter")]
    NoLower,
    #[error("missing digit")]
    NoDigit,
    #[error("missing special character")]
    NoSpecial,
    #[error("too common")]
    TooCommon,
}

pub const SPECIALS: &str = "!@#$%^*";
pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// Base words of the most common passwords (English and Swedish lists); a password whose
/// letters, stripped of leading and trailing digits and symbols, are one of these is refused.
const COMMON: &str = include_str!("common_passwords.txt");

impl Password {
    /// Checks every part of the rule; returns the first one missing.
    pub fn parse(raw: &str) -> Result<Password, PasswordError> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        if !raw.chars().any(char::is_uppercase) {
            return Err(PasswordError::NoUpper);
        }
        if !raw.chars().any(char::is_lowercase) {
            return Err(PasswordError::NoLower);
        }
        if !raw.chars().any(|c| c.is_ascii_digit()) {
            return Err(PasswordError::NoDigit);
        }
        if !raw.chars().any(|c| SPECIALS.contains(c)) {
            return Err(PasswordError::NoSpecial);
        }
        if is_common(raw) {
            return Err(PasswordError::TooCommon);
        }
        Ok(Password(SecretString::from(raw.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

fn is_common(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    // Common substitutions: P@ssw0rd, Sommar!
    let unleet: String = core
        .chars()
        .map(|c| match c {
            '@' => 'a',
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '$' | '5' => 's',
            c => c,
        })
        .collect();
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|word| word == lower || word == core || word == unleet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_guide_rule_part_by_part() {
        assert!(Password::parse("Hund7!katt").is_ok());
        assert_eq!(
            Password::parse("Hu7!kat").unwrap_err(),
            PasswordError::TooShort
        );
        assert_eq!(
            Password::parse("hund7!katt").unwrap_err(),
            PasswordError::NoUpper
        );
        assert_eq!(
            Password::parse("HUND7!KATT").unwrap_err(),
            PasswordError::NoLower
        );
        assert_eq!(
            Password::parse("Hundx!katt").unwrap_err(),
            PasswordError::NoDigit
        );
        assert_eq!(
            Password::parse("Hund7&katt").unwrap_err(),
            PasswordError::NoSpecial
        );
        assert_eq!(
            Password::parse(&format!("Aa1!{}", "x".repeat(125))).unwrap_err(),
            PasswordError::TooLong
        );
        // Other characters are allowed alongside.
        assert!(Password::parse("Åäö 7! ~Kaka").is_ok());
    }

    #[test]
    fn every_special_character_of_the_guide_counts() {
        for c in SPECIALS.chars() {
            assert!(Password::parse(&format!("Hund7{c}katt")).is_ok(), "{c}");
        }
    }

    #[test]
    fn common_passwords_are_refused_even_dressed_up() {
        for common in [
            "Password1!",
            "P@ssw0rd1!",
            "Sommar2024!",
            "Qwerty123!",
            "Welcome1!",
            "Hejsan123!",
        ] {
            assert_eq!(
                Password::parse(common).unwrap_err(),
                PasswordError::TooCommon,
                "{common}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("Hund7!katt").unwrap();
        assert!(!format!("{p:?}").contains("Hund7"));
    }

    proptest! {
        #[test]
        fn accepted_passwords_meet_every_part(s in "\\PC{0,140}") {
            if let Ok(p) = Password::parse(&s) {
                let p = p.expose();
                prop_assert!(p.chars().count() >= MIN_CHARS && p.chars().count() <= MAX_CHARS);
                prop_assert!(p.chars().any(char::is_uppercase));
                prop_assert!(p.chars().any(char::is_lowercase));
                prop_assert!(p.chars().any(|c| c.is_ascii_digit()));
                prop_assert!(p.chars().any(|c| SPECIALS.contains(c)));
            }
        }

        #[test]
        fn strong_generated_passwords_pass(a in "[A-Z]{2}", b in "[a-z]{4}", d in "[0-9]{2}", s in "[!@#$%^*]") {
            let pw = format!("{b}{a}{d}{s}x");
            prop_assert!(Password::parse(&pw).is_ok(), "{}", pw);
        }
    }
}
