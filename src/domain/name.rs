//! A person's name as typed, trimmed, 1–100 characters, no control characters.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("empty")]
    Empty,
    #[error("too long")]
    TooLong,
    #[error("invalid characters")]
    Invalid,
    /// A web address in a name ("://" or "www."): the region would mail it to any address
    /// a registrant types (issue #34, 13).
    #[error("a web address")]
    Link,
}

impl Name {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Name, NameError> {
        let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(NameError::Empty);
        }
        if collapsed.chars().count() > Self::MAX_CHARS {
            return Err(NameError::TooLong);
        }
        if collapsed
            .chars()
            .any(|c| crate::domain::text::is_hidden_control(c) || "<>".contains(c))
        {
            return Err(NameError::Invalid);
        }
        let lower = collapsed.to_lowercase();
        if lower.contains("://") || lower.contains("www.") {
            return Err(NameError::Link);
        }
        Ok(Name(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_collapses_spaces() {
        assert_eq!(Name::parse("  Åsa   Öberg ").unwrap().as_str(), "Åsa Öberg");
        assert_eq!(Name::parse("   "), Err(NameError::Empty));
        assert_eq!(Name::parse(&"x".repeat(101)), Err(NameError::TooLong));
        assert_eq!(Name::parse("<script>"), Err(NameError::Invalid));
        for link in [
            "Vinn https://evil.example",
            "Anna WWW.evil.example",
            "x://y",
        ] {
            assert_eq!(Name::parse(link), Err(NameError::Link), "{link}");
        }
        assert!(Name::parse("Anna-Karin Www Östberg").is_ok());
    }

    proptest! {
        #[test]
        fn a_parsed_name_is_within_bounds(s in "\\PC{0,120}") {
            if let Ok(n) = Name::parse(&s) {
                prop_assert!(!n.as_str().is_empty());
                prop_assert!(n.as_str().chars().count() <= Name::MAX_CHARS);
                prop_assert_eq!(n.as_str().trim(), n.as_str());
            }
        }
    }
}
