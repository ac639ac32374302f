//! The two answers most handlers give: a page, or a redirect after a post (303, so the back
//! button and a reload never post again).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use maud::Markup;

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

pub fn html(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}
