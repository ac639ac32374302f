//! Form building blocks: labelled inputs with their error beside them, the CSRF field,
//! notices. A form that fails is shown again with what the user typed (never a password).

use maud::{Markup, html};

use crate::i18n::Texts;

pub struct Field<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub error: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
    pub hint: Option<&'a str>,
    pub required: bool,
    /// A registration number: capitals on a phone keyboard, no spelling check or correction.
    pub plate: bool,
    /// The lowest and highest value a date or number may take (`min`, `max`).
    pub range: (Option<String>, Option<String>),
    /// The keyboard a phone shows (`inputmode`, e.g. "decimal" for an amount in kronor).
    pub inputmode: Option<&'a str>,
    /// A password field's "Visa lösenord" box (its words): shown by `reveal.js`, so never
    /// a box that does nothing without JavaScript.
    pub reveal: Option<&'a str>,
}

impl<'a> Field<'a> {
    pub fn new(id: &'a str, label: &'a str, kind: &'a str) -> Self {
        Field {
            id,
            label,
            kind,
            value: "",
            error: None,
            autocomplete: None,
            hint: None,
            required: true,
            plate: false,
            range: (None, None),
            inputmode: None,
            reveal: None,
        }
    }
    /// "Visa lösenord" under a password field (issue #35, 7).
    pub fn reveal(mut self, words: &'a str) -> Self {
        self.reveal = Some(words);
        self
    }
    pub fn value(mut self, v: &'a str) -> Self {
        self.value = v;
        self
    }
    pub fn error(mut self, e: Option<&'a str>) -> Self {
        self.error = e;
        self
    }
    pub fn autocomplete(mut self, a: &'a str) -> Self {
        self.autocomplete = Some(a);
        self
    }
    pub fn hint(mut self, h: &'a str) -> Self {
        self.hint = Some(h);
        self
    }
    /// A registration-number field (`autocapitalize="characters"`, `spellcheck="false"`,
    /// no autocomplete) with the format as its hint ("Till exempel ABC123 eller ABC12D").
    pub fn plate(mut self, t: &Texts) -> Self {
        self.plate = true;
        self.autocomplete = Some("off");
        self.hint = Some(t.regnr_hint);
        self
    }
    /// `min` and `max` (e.g. the first and last day a date may be).
    pub fn range(mut self, min: impl ToString, max: impl ToString) -> Self {
        self.range = (Some(min.to_string()), Some(max.to_string()));
        self
    }
    /// Only `min` (e.g. a start date that may not be in the past).
    pub fn min(mut self, min: impl ToString) -> Self {
        self.range.0 = Some(min.to_string());
        self
    }
    pub fn inputmode(mut self, mode: &'a str) -> Self {
        self.inputmode = Some(mode);
        self
    }
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
}

/// A label, the input, an optional hint and the error, tied together for screen readers.
pub fn input(f: Field) -> Markup {
    let hint_id = format!("{}-hint", f.id);
    let error_id = format!("{}-error", f.id);
    let described: Vec<&str> = [
        f.hint.map(|_| hint_id.as_str()),
        f.error.map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described = described.join(" ");
    html! {
        label for=(f.id) { (f.label) }
        input id=(f.id) name=(f.id) type=(f.kind) value=(f.value)
            autocomplete=[f.autocomplete]
            autocapitalize=[f.plate.then_some("characters")]
            spellcheck=[f.plate.then_some("false")]
            autocorrect=[f.plate.then_some("off")]
            inputmode=[f.inputmode]
            required[f.required]
            min=[f.range.0.as_deref()]
            max=[f.range.1.as_deref()]
            aria-invalid=[f.error.map(|_| "true")]
            aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
        @if let Some(h) = f.hint { p.hint id=(hint_id) { (h) } }
        @if let Some(e) = f.error { p.field-error id=(error_id) { (e) } }
        @if let Some(words) = f.reveal {
            div.check.reveal hidden {
                input id={ (f.id) "-show" } type="checkbox" data-reveal=(f.id);
                label for={ (f.id) "-show" } { (words) }
            }
            script src=(crate::web::assets::url("reveal.js")) defer {}
        }
    }
}

pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A green confirmation or a red error at the top of a form; announced by screen readers.
pub fn notice(text: &str) -> Markup {
    html! { div.notice role="status" { (text) } }
}

pub fn notice_error(text: &str) -> Markup {
    html! { div.notice.error role="alert" { (text) } }
}

/// What an action did, where the user acted (a calendar booking, a new number): announced,
/// and the focus moved to it (`autofocus`, which htmx also honours in content it swaps in),
/// so a keyboard or screen-reader user lands on what happened rather than on the top of the
/// page or nowhere.
pub fn outcome(text: &str, error: bool) -> Markup {
    html! {
        div.notice.error[error] role=(if error { "alert" } else { "status" }) tabindex="-1" autofocus {
            (text)
        }
    }
}

/// The id the page frame looks for to put "Fel: " before the page's title.
pub const ERROR_SUMMARY_ID: &str = "error-summary";

/// The error summary of a refused form (GOV.UK's pattern): a box at the top with a heading and
/// one link per wrong field (to the field's `id`, in the form's order), announced and focused
/// when the page loads or is swapped in (`autofocus`; htmx focuses it after a swap too); the
/// frame then puts "Fel: " before the page's `<title>`. `fields` are (field id, its error);
/// the ones without an error are left out, and with none the summary is not drawn.
pub fn error_summary<S: AsRef<str>>(t: &Texts, fields: &[(S, Option<&str>)]) -> Markup {
    let wrong: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|(id, e)| e.map(|e| (id.as_ref(), e)))
        .collect();
    html! {
        @if !wrong.is_empty() {
            div.error-summary #(ERROR_SUMMARY_ID) role="alert" tabindex="-1" autofocus
                aria-labelledby="error-summary-h" {
                h2 #error-summary-h { (t.err_summary_title) }
                p { (t.err_summary) }
                ul {
                    @for (id, e) in &wrong {
                        li { a href={ "#" (id) } { (e) } }
                    }
                }
            }
        }
    }
}

/// A logged-in user's form, read only once the user is known (else: login and back) and
/// its CSRF token is the session's (else: 403). A handler that takes it cannot forget the
/// check. It derefs to the form.
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> actix_web::FromRequest for CsrfForm<T>
where
    T: serde::de::DeserializeOwned + 'static,
{
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    /// Reads the body once as name–value pairs (through the app's `FormConfig`: its size
    /// limit and error page), checks the pair `csrf` against the session, then reads the
    /// form itself from the same pairs — so a form struct has no `csrf` field to forget.
    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let ctx = super::ctx::Ctx::from_request(req, payload);
        let pairs = actix_web::web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            let me = ctx.require_user()?;
            let pairs = pairs.await?.into_inner();
            let token = pairs
                .iter()
                .find(|(name, _)| name == "csrf")
                .map_or("", |(_, value)| value.as_str());
            me.check_csrf(token).map_err(super::error::AppError::from)?;
            let form = serde_urlencoded::to_string(&pairs)
                .map_err(|e| e.to_string())
                .and_then(|body| serde_urlencoded::from_str(&body).map_err(|e| e.to_string()))
                .map_err(|e| {
                    tracing::debug!(error = %e, "form fields unreadable");
                    actix_web::error::InternalError::from_response(
                        e,
                        super::error::error_page(
                            actix_web::http::StatusCode::BAD_REQUEST,
                            super::error::ErrorPage::FORM,
                        ),
                    )
                })?;
            Ok(CsrfForm(form))
        })
    }
}

/// A field of a form read as raw pairs (`CsrfForm<Vec<(String, String)>>`: rows whose fields
/// are named per row, such as `price-3`), or empty.
pub fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A form with nothing but its CSRF token (a button that asks for one action).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {}
