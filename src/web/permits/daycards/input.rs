//! What the calendar form carries (read from a body or a query string, written back to an
//! address without the token) and the messages beside the calendar.

use super::*;
use crate::web::forms::CsrfForm;

/// More ticked days than this in one request is not a person using the calendar.
pub(super) const MAX_DAYS_PER_REQUEST: usize = 400;

/// What the calendar form carries: the number, the ticked days and the month shown.
#[derive(Debug, Clone, Default)]
pub struct CalendarInput {
    pub csrf: String,
    /// As typed; `None` when the form was not sent (first view).
    pub regnr: Option<String>,
    pub foreign: bool,
    pub days: BTreeSet<NaiveDate>,
    /// A ticked "day" that was not a date (a tampered form).
    pub bad_day: bool,
    pub month: Option<Month>,
    /// The days just booked (after the redirect of a booking without JavaScript).
    pub booked: BTreeSet<NaiveDate>,
    /// The session just cancelled, which "Ångra" books again (the notice's hidden fields, or
    /// the address after the redirect of a cancellation without JavaScript).
    pub undo: Option<Undo>,
}

/// A cancelled session as "Ångra" books it again: its day and its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    pub day: NaiveDate,
    pub regnr: String,
    pub foreign: bool,
}

impl Undo {
    pub fn of(s: &SessionRow) -> Undo {
        Undo {
            day: s.day,
            regnr: s.regnr.clone(),
            foreign: s.foreign_plate,
        }
    }

    /// Its fields, for an address.
    pub fn append_to(&self, q: &mut url::form_urlencoded::Serializer<'_, String>) {
        q.append_pair("undo_day", &self.day.to_string());
        q.append_pair("undo_regnr", &self.regnr);
        if self.foreign {
            q.append_pair("undo_foreign", "yes");
        }
    }
}

impl CalendarInput {
    /// Reads an `application/x-www-form-urlencoded` body or query string. Repeated `day`
    /// fields are the ticked days.
    pub fn parse(raw: &[u8]) -> CalendarInput {
        CalendarInput::from_pairs(url::form_urlencoded::parse(raw))
    }

    /// The choices from a form's name–value pairs (repeated `day` and `booked` fields).
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> CalendarInput {
        let mut input = CalendarInput::default();
        // The month a navigation button asks for wins over the month the form was showing.
        let mut go = None;
        let (mut undo_day, mut undo_regnr, mut undo_foreign) = (None, None, false);
        for (key, value) in pairs {
            let value = value.as_ref();
            match key.as_ref() {
                "csrf" => input.csrf = value.to_string(),
                "regnr" => input.regnr = Some(value.chars().take(40).collect()),
                "foreign" => input.foreign = true,
                "month" => input.month = Month::parse(value),
                "go" => go = Month::parse(value),
                "undo_day" => undo_day = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok(),
                "undo_regnr" => undo_regnr = Some(value.chars().take(40).collect()),
                "undo_foreign" => undo_foreign = true,
                "booked" => {
                    if let Ok(d) = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                        && input.booked.len() < MAX_DAYS_PER_REQUEST
                    {
                        input.booked.insert(d);
                    }
                }
                "day" => {
                    if input.days.len() >= MAX_DAYS_PER_REQUEST {
                        input.bad_day = true;
                        continue;
                    }
                    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
                        Ok(d) => {
                            input.days.insert(d);
                        }
                        Err(_) => input.bad_day = true,
                    }
                }
                _ => {}
            }
        }
        if go.is_some() {
            input.month = go;
        }
        if let (Some(day), Some(regnr)) = (undo_day, undo_regnr) {
            input.undo = Some(Undo {
                day,
                regnr,
                foreign: undo_foreign,
            });
        }
        input
    }

    /// The choices as a query string for the page (never the CSRF token: it does not
    /// belong in an address).
    pub fn to_query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(m) = &self.month {
            q.append_pair("month", &m.key());
        }
        if let Some(r) = &self.regnr {
            q.append_pair("regnr", r);
        }
        if self.foreign {
            q.append_pair("foreign", "yes");
        }
        for d in &self.days {
            q.append_pair("day", &d.to_string());
        }
        q.finish()
    }
}

/// "Dagarna har bokats. Bokade dagar: onsdag 3 december, torsdag 4 december."
pub fn booked_notice(t: &Texts, days: &BTreeSet<NaiveDate>) -> String {
    let list: Vec<String> = days.iter().map(|d| day_in_words(t, *d)).collect();
    format!(
        "{} {}: {}.",
        t.sessions_booked,
        t.booked_days,
        list.join(", ")
    )
}

/// "Dagen har avbokats och räknas tillbaka till kortet: onsdag 3 december (ABC123)."
pub fn cancelled_notice(t: &Texts, undo: &Undo) -> String {
    format!(
        "{}: {} ({}).",
        t.session_cancelled,
        day_in_words(t, undo.day),
        undo.regnr
    )
}

/// Messages beside the calendar; after a cancellation, the session "Ångra" books again.
#[derive(Debug, Clone, Default)]
pub struct CalMsg {
    pub notice: Option<String>,
    pub error: Option<String>,
    pub regnr_error: Option<&'static str>,
    pub undo: Option<Undo>,
}

/// The calendar form as a logged-in user posted it: a [`CsrfForm`] of name–value pairs (the
/// user required, the token the session's, a body that cannot be read the form's error page),
/// read as the calendar's choices.
pub struct CalendarPost(pub CalendarInput);

impl actix_web::FromRequest for CalendarPost {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let form = CsrfForm::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let pairs = form.await?.into_inner();
            Ok(CalendarPost(CalendarInput::from_pairs(pairs)))
        })
    }
}
