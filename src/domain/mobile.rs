//! A Swedish mobile number, typed as 07X… or +467X… (spaces and dashes allowed),
//! kept in E.164 form (+467XXXXXXXX).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a Swedish mobile number")]
pub struct MobileNumberError;

impl MobileNumber {
    pub fn parse(raw: &str) -> Result<MobileNumber, MobileNumberError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '\u{a0}'))
            .collect();
        let national = if let Some(rest) = compact.strip_prefix("+46") {
            rest
        } else if let Some(rest) = compact.strip_prefix("0046") {
            rest
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest
        } else {
            return Err(MobileNumberError);
        };
        // After +46 some people keep the trunk zero: +46 070…
        let national = national.strip_prefix('0').unwrap_or(national);
        if national.len() == 9
            && national.starts_with('7')
            && national.chars().all(|c| c.is_ascii_digit())
        {
            Ok(MobileNumber(format!("+46{national}")))
        } else {
            Err(MobileNumberError)
        }
    }

    /// E.164, e.g. `+46701234567`.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// Swedish national form, e.g. `0701234567` (what Swish users type).
    pub fn national(&self) -> String {
        format!("0{}", &self.0[3..])
    }

    /// As Swedes write it, e.g. `070-123 45 67`.
    pub fn spaced(&self) -> String {
        let n = &self.0[3..];
        format!("0{}-{} {} {}", &n[..2], &n[2..5], &n[5..7], &n[7..])
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn written_as_swedes_write_it() {
        let n = MobileNumber::parse("+46701234567").unwrap();
        assert_eq!(n.spaced(), "070-123 45 67");
        assert_eq!(n.national(), "0701234567");
    }

    #[test]
    fn national_and_international_forms_normalise_to_e164() {
        for typed in [
            "0701234567",
            "070-123 45 67",
            "+46701234567",
            "+46 70 123 45 67",
            "0046701234567",
            "+460701234567",
        ] {
            assert_eq!(
                MobileNumber::parse(typed).unwrap().e164(),
                "+46701234567",
                "{typed}"
            );
        }
        assert_eq!(
            MobileNumber::parse("0701234567").unwrap().national(),
            "0701234567"
        );
    }

    #[test]
    fn landlines_and_junk_are_refused() {
        for bad in [
            "",
            "021123456",
            "08-123 456 78",
            "070123456",
            "07012345678",
            "+4521234567",
            "07O1234567",
            "abc",
        ] {
            assert!(MobileNumber::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_nine_digits_after_07_are_accepted(d in "[0-9]{8}") {
            let n = MobileNumber::parse(&format!("07{d}")).unwrap();
            prop_assert_eq!(n.e164(), format!("+467{d}"));
            prop_assert_eq!(MobileNumber::parse(n.e164()).unwrap(), n.clone());
            prop_assert_eq!(MobileNumber::parse(&n.national()).unwrap(), n);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = MobileNumber::parse(&s);
        }
    }
}
