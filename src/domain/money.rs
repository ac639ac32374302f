//! Money in integer öre, and VAT computed in one place.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(i64);

impl Money {
    pub fn from_ore(ore: i64) -> Money {
        Money(ore)
    }

    pub fn ore(self) -> i64 {
        self.0
    }

    pub fn times(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }

    /// The VAT contained in a price that includes VAT at `basis_points` (2500 = 25 %),
    /// rounded to the nearest öre (half away from zero).
    pub fn vat_included(self, basis_points: i64) -> Money {
        let denominator = 10_000 + basis_points;
        let numerator = self.0 * basis_points;
        let rounded = (2 * numerator + denominator) / (2 * denominator);
        Money(rounded)
    }

    /// Swedish form: `3 850 kr`, `40,50 kr` (non-breaking spaces).
    /// Parses kronor as a person types them: "350", "350,50", "1 200.5", "350 kr".
    /// Negative amounts, more than two decimals and nonsense are refused.
    pub fn parse_sek(raw: &str) -> Option<Money> {
        let cleaned: String = raw
            .trim()
            .trim_end_matches("kr")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
            .collect();
        let cleaned = cleaned.replace(',', ".");
        let (whole, frac) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || whole.len() > 12 {
            return None;
        }
        if frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let kr: i64 = whole.parse().ok()?;
        let ore: i64 = format!("{frac:0<2}").parse().ok()?;
        kr.checked_mul(100)?.checked_add(ore).map(Money::from_ore)
    }

    /// The amount as typed in a field labelled in kronor: [`Money::sek`] without " kr"
    /// ("3 850", "1 000,50").
    pub fn sek_typed(self) -> String {
        let sek = self.sek();
        sek.trim_end_matches("\u{a0}kr").to_string()
    }

    pub fn sek(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (kr, ore) = (abs / 100, abs % 100);
        let digits = kr.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push('\u{a0}');
            }
            grouped.push(c);
        }
        if ore == 0 {
            format!("{sign}{grouped}\u{a0}kr")
        } else {
            format!("{sign}{grouped},{ore:02}\u{a0}kr")
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sek())
    }
}

/// A VAT rate (basis points) in per cent as written on a page or typed in a field: 2500
/// "25", 1250 "12,5", 725 "7,25".
pub fn vat_percent(basis_points: i32) -> String {
    let (whole, part) = (basis_points / 100, basis_points % 100);
    match part {
        0 => whole.to_string(),
        p if p % 10 == 0 => format!("{whole},{}", p / 10),
        p => format!("{whole},{p:02}"),
    }
}

/// A VAT rate typed in per cent ("25", "12,5", "6 %"), 0–100 with at most two decimals, as
/// basis points.
pub fn parse_vat_percent(raw: &str) -> Option<i32> {
    let raw = raw.trim().trim_end_matches('%').trim().replace(',', ".");
    let (whole, part) = raw.split_once('.').unwrap_or((&raw, ""));
    if whole.is_empty()
        || part.len() > 2
        || !(whole.chars().chain(part.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let part: i32 = format!("{part:0<2}").parse().ok()?;
    Some(whole * 100 + part).filter(|bp| (0..=10_000).contains(bp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_typed_kronor() {
        assert_eq!(Money::parse_sek("350"), Some(Money::from_ore(35_000)));
        assert_eq!(Money::parse_sek(" 350,5 kr"), Some(Money::from_ore(35_050)));
        assert_eq!(Money::parse_sek("1 200.05"), Some(Money::from_ore(120_005)));
        for bad in ["", "-5", "1,234", "abc", "1.2.3", "kr", "5e3"] {
            assert_eq!(Money::parse_sek(bad), None, "{bad}");
        }
    }

    #[test]
    fn vat_rates_read_as_typed_and_back() {
        for (typed, bp) in [
            ("25", 2500),
            ("12,5", 1250),
            ("6 %", 600),
            ("0", 0),
            ("7.25", 725),
        ] {
            assert_eq!(parse_vat_percent(typed), Some(bp), "{typed}");
        }
        for bad in ["", "tjugo", "101", "-5", "12,345", "1e2", ",5"] {
            assert_eq!(parse_vat_percent(bad), None, "{bad}");
        }
        for bp in [0, 600, 1250, 2500, 725, 10_000] {
            assert_eq!(parse_vat_percent(&vat_percent(bp)), Some(bp));
        }
    }

    #[test]
    fn swedish_format() {
        assert_eq!(Money::from_ore(385_000).sek(), "3\u{a0}850\u{a0}kr");
        assert_eq!(Money::from_ore(4_050).sek(), "40,50\u{a0}kr");
        assert_eq!(Money::from_ore(5).sek(), "0,05\u{a0}kr");
        assert_eq!(
            Money::from_ore(123_456_700).sek(),
            "1\u{a0}234\u{a0}567\u{a0}kr"
        );
    }

    #[test]
    fn vat_of_a_price_including_25_percent() {
        assert_eq!(Money::from_ore(35_000).vat_included(2500).ore(), 7_000);
        assert_eq!(Money::from_ore(4_000).vat_included(2500).ore(), 800);
        // 1 öre: 0.2 öre VAT rounds to 0; 3 öre: 0.6 rounds to 1.
        assert_eq!(Money::from_ore(1).vat_included(2500).ore(), 0);
        assert_eq!(Money::from_ore(3).vat_included(2500).ore(), 1);
        assert_eq!(Money::from_ore(1_000).vat_included(0).ore(), 0);
    }

    proptest! {
        /// What a field is filled with reads back as the same amount.
        #[test]
        fn a_typed_amount_reads_back(ore in 0i64..10_000_000_000) {
            let typed = Money::from_ore(ore).sek_typed();
            prop_assert!(!typed.contains("kr"));
            prop_assert_eq!(Money::parse_sek(&typed), Some(Money::from_ore(ore)));
        }

        #[test]
        fn vat_is_within_half_an_ore_of_exact(ore in 0i64..100_000_000) {
            let vat = Money::from_ore(ore).vat_included(2500).ore() as f64;
            let exact = ore as f64 * 0.2;
            prop_assert!((vat - exact).abs() <= 0.5 + 1e-9);
        }
    }
}
