//! A vehicle registration number ("registreringsnummer"), normalised: upper case, without
//! spaces or dashes. Swedish plates are checked by their rules; a foreign plate is accepted
//! when the user says it is one.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegNumber {
    value: String,
    foreign: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegNumberError {
    #[error("empty")]
    Empty,
    #[error("not a Swedish registration number")]
    NotSwedish,
    #[error("not a registration number")]
    Invalid,
}

/// Letters never used on ordinary Swedish plates.
const EXCLUDED: &[char] = &['I', 'Q', 'V', 'Å', 'Ä', 'Ö'];

fn ordinary_letter(c: char) -> bool {
    c.is_ascii_uppercase() && !EXCLUDED.contains(&c)
}

/// `ABC123` or `ABC12A` (the last letter is never O, so it cannot be read as a zero).
fn is_ordinary(s: &[char]) -> bool {
    s.len() == 6
        && s[..3].iter().all(|&c| ordinary_letter(c))
        && s[3..5].iter().all(|c| c.is_ascii_digit())
        && (s[5].is_ascii_digit() || (ordinary_letter(s[5]) && s[5] != 'O'))
}

/// Personal plates: 2–7 characters of A–Ö and digits.
fn is_personal(s: &[char]) -> bool {
    (2..=7).contains(&s.len())
        && s.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || "ÅÄÖ".contains(c))
}

fn is_foreign(s: &[char]) -> bool {
    (1..=10).contains(&s.len())
        && s.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || "ÅÄÖÆØÜ".contains(c))
}

/// Upper case, spaces and dashes removed.
pub fn normalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '–' | '‐'))
        .flat_map(char::to_uppercase)
        .collect()
}

impl RegNumber {
    pub fn parse(raw: &str, foreign: bool) -> Result<RegNumber, RegNumberError> {
        let value = normalise(raw);
        if value.is_empty() {
            return Err(RegNumberError::Empty);
        }
        let chars: Vec<char> = value.chars().collect();
        let ok = if foreign {
            is_foreign(&chars)
        } else {
            is_ordinary(&chars) || is_personal(&chars)
        };
        match (ok, foreign) {
            (true, _) => Ok(RegNumber { value, foreign }),
            (false, false) if is_foreign(&chars) => Err(RegNumberError::NotSwedish),
            (false, _) => Err(RegNumberError::Invalid),
        }
    }

    /// A number to look up (the check): a Swedish plate, or else any plate of letters and
    /// digits (at most 10) taken as foreign, both normalised the same way as when stored.
    pub fn for_lookup(raw: &str) -> Result<RegNumber, RegNumberError> {
        RegNumber::parse(raw, false).or_else(|e| match e {
            RegNumberError::Empty => Err(e),
            _ => RegNumber::parse(raw, true),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn is_foreign(&self) -> bool {
        self.foreign
    }
}

impl fmt::Display for RegNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_and_personal_plates() {
        for ok in [
            "ABC123", "abc 123", "ABC-12A", "xyz 99k", "ÅSA1", "MAMMA", "GO", "ÖRN2000",
        ] {
            assert!(RegNumber::parse(ok, false).is_ok(), "{ok}");
        }
        assert_eq!(
            RegNumber::parse(" abc-123 ", false).unwrap().as_str(),
            "ABC123"
        );
    }

    #[test]
    fn what_is_not_a_swedish_plate() {
        assert_eq!(RegNumber::parse("", false), Err(RegNumberError::Empty));
        assert_eq!(RegNumber::parse("  - ", false), Err(RegNumberError::Empty));
        for bad in ["A", "ABCDEFGH", "AB!123", "<script>", "AB'1"] {
            assert!(RegNumber::parse(bad, false).is_err(), "{bad}");
        }
        // Looks like a foreign plate: says so, so the form can suggest the box.
        assert_eq!(
            RegNumber::parse("AB12345678", false),
            Err(RegNumberError::NotSwedish)
        );
        assert!(RegNumber::parse("AB12345678", true).unwrap().is_foreign());
        assert!(RegNumber::parse("B-MW 1234", true).is_ok());
    }

    #[test]
    fn look_up_takes_swedish_and_foreign_plates() {
        assert_eq!(RegNumber::for_lookup("abc-123").unwrap().as_str(), "ABC123");
        assert_eq!(
            RegNumber::for_lookup(" abc 123").unwrap().as_str(),
            "ABC123"
        );
        assert_eq!(
            RegNumber::for_lookup("b-mw 1234").unwrap().as_str(),
            "BMW1234"
        );
        assert_eq!(RegNumber::for_lookup(" - "), Err(RegNumberError::Empty));
        assert!(RegNumber::for_lookup("<script>").is_err());
        assert!(RegNumber::for_lookup("ABCDEFGHIJK").is_err());
    }

    proptest! {
        #[test]
        fn every_ordinary_plate_is_accepted(
            l in "[A-HJ-PR-UW-Z]{3}", d in "[0-9]{2}", last in "[0-9A-HJ-NPR-UW-Z]"
        ) {
            let plate = format!("{l}{d}{last}");
            let parsed = RegNumber::parse(&plate.to_lowercase(), false).unwrap();
            prop_assert_eq!(parsed.as_str(), plate.as_str());
        }

        #[test]
        fn parsing_is_idempotent_and_never_panics(s in "\\PC{0,20}", foreign in any::<bool>()) {
            if let Ok(r) = RegNumber::parse(&s, foreign) {
                prop_assert_eq!(RegNumber::parse(r.as_str(), foreign).unwrap(), r.clone());
                prop_assert!(!r.as_str().contains(' ') && !r.as_str().contains('-'));
                prop_assert_eq!(r.as_str().to_uppercase(), r.as_str());
            }
        }
    }
}
