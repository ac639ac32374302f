//! HTTP: routes, views, middleware.

pub mod assets;
pub mod ctx;
pub mod i18n;
pub mod layout;
pub mod middleware;
pub mod pages;

use actix_web::web;

use pages::public;

/// Every route of the portal.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::login_page))
        .route("/login", web::get().to(public::login_page))
        .route("/villkor", web::get().to(public::terms))
        .route("/lang/{code}", web::get().to(public::switch_language))
        .route("/health", web::get().to(public::health))
        .route("/assets/{file:.+}", web::get().to(assets::serve))
        .default_service(web::to(public::not_found));
}
