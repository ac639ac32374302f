//! Free text a person writes (a case's subject, a message): trimmed, not empty, not too long,
//! without control characters other than line breaks and tabs.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("empty")]
    Empty,
    #[error("longer than {0} characters")]
    TooLong(usize),
}

impl Text {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Text, TextError> {
        let cleaned: String = raw
            .replace("\r\n", "\n")
            .chars()
            .filter(|c| !is_hidden_control(*c) || matches!(c, '\n' | '\t'))
            .collect();
        let trimmed = cleaned.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed.chars().count() > max_chars {
            return Err(TextError::TooLong(max_chars));
        }
        Ok(Text(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a character changes how text around it is shown: C0/C1 controls, and the bidi
/// embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F).
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// A name (a file name, a person's name) as it may be shown anywhere: without control and
/// bidi characters, so "…\u{202E}fdp.ath" cannot show as "…ath.pdf".
pub fn display_safe(raw: &str) -> String {
    // Nearly always there is nothing to take out: then one copy, not a push per character.
    if !raw.chars().any(is_hidden_control) {
        return raw.to_owned();
    }
    raw.chars().filter(|c| !is_hidden_control(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_safe_strips_controls_and_bidi() {
        assert_eq!(display_safe("ans\u{202E}fdp.ath"), "ansfdp.ath");
        assert_eq!(display_safe("a\u{2066}b\u{2069}c\u{200F}d\u{200E}"), "abcd");
        assert_eq!(display_safe("x\u{0}y\u{9f}z\n"), "xyz");
        assert_eq!(display_safe("Åsa Öberg"), "Åsa Öberg");
    }
    use proptest::prelude::*;

    #[test]
    fn trims_and_refuses_empty_or_long() {
        assert_eq!(Text::parse("  Hej \r\n", 10).unwrap().as_str(), "Hej");
        assert_eq!(Text::parse(" \n\t ", 10), Err(TextError::Empty));
        assert_eq!(Text::parse("abcdefghijk", 10), Err(TextError::TooLong(10)));
        assert_eq!(
            Text::parse("åäöåäöåäöå", 10).unwrap().as_str(),
            "åäöåäöåäöå"
        );
        assert_eq!(Text::parse("a\u{0}b\u{7}", 10).unwrap().as_str(), "ab");
    }

    proptest! {
        #[test]
        fn accepted_text_is_within_bounds(raw in ".{0,80}", max in 1usize..60) {
            if let Ok(t) = Text::parse(&raw, max) {
                prop_assert!(!t.as_str().is_empty());
                prop_assert!(t.as_str().chars().count() <= max);
                prop_assert!(!t.as_str().chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            }
        }
    }
}
