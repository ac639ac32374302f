//! Every text of the portal, in Swedish (the seed guide's words, CONTRACT.md) and English:
//! the words on screen ([`Texts`]: one struct with a field per text, [`SV`] and [`EN`], so a
//! text missing in one language does not compile) and the notifications ([`messages`]).
//! Below the web layer: the actors, notifications and cases use it too.

use serde::{Deserialize, Serialize};

mod domain;
mod en;
pub mod flow;
pub mod messages;
pub mod office;
pub mod pause;
pub mod queue;
pub mod security;
mod statement;
mod sv;
mod texts;

pub use domain::{
    day_in_words, days_error, labels, not_valid, order_error, refusal, regnr_error, status,
};
pub use en::EN;
pub use sv::SV;
pub use texts::Texts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }

    /// The other language, offered by the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }
}

impl Texts {
    /// The language of these texts.
    pub fn lang(&self) -> Lang {
        if std::ptr::eq(self, &EN) {
            Lang::En
        } else {
            Lang::Sv
        }
    }

    /// Why the table of permit actions refused, in these texts' language.
    pub fn refusal(&self, r: &crate::domain::permit_actions::Refusal) -> &'static str {
        refusal(self.lang(), r)
    }

    /// A permit's status, in these texts' language.
    pub fn status(&self, s: crate::domain::permit::Status) -> &'static str {
        status(self.lang(), s)
    }
}
