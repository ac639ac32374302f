//! The answers handlers give, in one place: an HTML page or an htmx fragment of one, and a
//! redirect after a post (303, so the back button and a reload never post again).
//!
//! A page and its fragment come from the same URL, told apart by the `HX-Request` header, so
//! every answer says `Vary: HX-Request` (a cache must not hand the fragment to a full load or
//! the other way round); and every page is someone's own, so none is stored
//! (`Cache-Control: no-store`, which the middleware also puts on anything else but assets).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, HttpResponseBuilder};
use maud::Markup;

fn builder(status: StatusCode) -> HttpResponseBuilder {
    let mut b = HttpResponse::build(status);
    b.insert_header((header::VARY, "HX-Request"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    b
}

/// A 303 to `to`.
pub fn see_other(to: &str) -> HttpResponse {
    builder(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// A page, or the fragment of one an htmx request asked for.
pub fn html(status: StatusCode, markup: Markup) -> HttpResponse {
    builder(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_redirects_vary_on_htmx_and_are_not_stored() {
        for r in [
            html(StatusCode::OK, maud::html! { p { "x" } }),
            see_other("/permits/1"),
        ] {
            assert_eq!(r.headers().get(header::VARY).unwrap(), "HX-Request");
            assert_eq!(r.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        }
        let r = html(StatusCode::UNPROCESSABLE_ENTITY, maud::html! {});
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/html; charset=utf-8"
        );
        let r = see_other("/x");
        assert_eq!(r.headers().get(header::LOCATION).unwrap(), "/x");
    }
}
