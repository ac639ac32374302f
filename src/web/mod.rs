//! HTTP: routes, views, middleware.

pub mod account;
pub mod api;
pub mod assets;
pub mod body_timeout;
pub mod client;
pub mod compress;
pub mod csrf;
pub mod ctx;
pub mod error;
pub mod forms;
pub use crate::i18n;
pub mod layout;
pub mod metrics;
pub mod middleware;
pub mod oncall;
pub mod operator;
pub mod pages;
pub mod permits;
pub mod queue;
pub mod respond;
pub mod settings;

use actix_multipart::form::MultipartFormConfig;
use actix_web::{error::InternalError, web};
use error::ErrorPage;

use pages::{dev, home, messages, notifications, public};
use permits::payments;

/// Every route of the portal. The `/dev/mailbox` page and the payment simulators exist only in
/// demo mode, for what is simulated (`services`): the mailbox page while e-mail or SMS is
/// simulated, each simulator while its provider is.
pub fn routes(
    cfg: &mut web::ServiceConfig,
    settings: &crate::settings::Settings,
    services: crate::settings::Services,
) {
    // Asked for most by machines (monitoring, the attendants' devices), and static: first,
    // because the router tries routes in order and each dynamic one before a path is a regex
    // match (registered last, the router was 20 % of the check API's CPU).
    cfg.route("/health", web::get().to(public::health))
        .route("/health/ready", web::get().to(public::ready))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/api/v1/check", web::get().to(api::check))
        .route("/api/v1/car-parks", web::get().to(api::car_parks));
    // A body, query string or path segment an extractor cannot take: the error page in the
    // request's language and frame (drawn by `error::render_error_pages`), with the right
    // status: 400, 404 for a path, 408 for a body that stopped, 413 for one too large.
    cfg.app_data(
        web::FormConfig::default()
            .limit(64 * 1024)
            .error_handler(|err, _req| {
                let status = match &err {
                    actix_web::error::UrlencodedError::Payload(p)
                        if body_timeout::is_timeout(p) =>
                    {
                        actix_web::http::StatusCode::REQUEST_TIMEOUT
                    }
                    _ => actix_web::http::StatusCode::BAD_REQUEST,
                };
                InternalError::from_response(err, error::error_page(status, ErrorPage::FORM)).into()
            }),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _req| {
        let status = actix_web::http::StatusCode::BAD_REQUEST;
        InternalError::from_response(err, error::error_page(status, ErrorPage::ADDRESS)).into()
    }))
    .app_data(web::PathConfig::default().error_handler(|err, _req| {
        let status = actix_web::http::StatusCode::NOT_FOUND;
        InternalError::from_response(err, error::error_page(status, ErrorPage::NOT_FOUND)).into()
    }))
    .app_data(
        MultipartFormConfig::default()
            .total_limit(permits::ATTACHMENT_MAX_BYTES + 64 * 1024)
            .memory_limit(permits::ATTACHMENT_MAX_BYTES + 64 * 1024)
            .error_handler(|err, _req| {
                // Too large: 413; a missing part or a broken body: the error's own 400.
                let status = match &err {
                    actix_multipart::MultipartError::Payload(
                        actix_web::error::PayloadError::Overflow,
                    ) => actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    actix_multipart::MultipartError::Payload(p) if body_timeout::is_timeout(p) => {
                        actix_web::http::StatusCode::REQUEST_TIMEOUT
                    }
                    other => actix_web::ResponseError::status_code(other),
                };
                InternalError::from_response(err, error::error_page(status, ErrorPage::ATTACHMENT))
                    .into()
            }),
    )
    .route("/", web::get().to(home::home))
    // A customer's permits, asked for most after Hem: one scope, so the router tries their
    // dynamic paths only for a path under /permits (each is a regex match), and right after
    // Hem, so a permit page is not behind the 26 routes of the account and settings pages
    // (no other route starts with /permits).
    .configure(permits::routes)
    .route("/login", web::get().to(account::login_page))
    .route("/login", web::post().to(account::login))
    .route("/login/mfa", web::get().to(account::mfa_page))
    .route("/login/mfa", web::post().to(account::mfa_submit))
    .route("/settings/mfa", web::get().to(account::settings_mfa))
    .route(
        "/settings/mobile/confirm",
        web::post().to(settings::confirm_mobile),
    )
    .route(
        "/settings/mobile/code",
        web::post().to(settings::resend_mobile_code),
    )
    .route("/settings/mfa", web::post().to(account::settings_mfa_on))
    .route(
        "/settings/mfa/off",
        web::post().to(account::settings_mfa_off),
    )
    .route("/logout", web::post().to(account::logout))
    .route("/register", web::get().to(account::register_page))
    .route("/register", web::post().to(account::register))
    .route("/register/done", web::get().to(account::register_done))
    .route("/confirm", web::get().to(account::confirm))
    .route("/confirm/resend", web::get().to(account::resend_page))
    .route("/confirm/resend", web::post().to(account::resend))
    .route("/forgot-password", web::get().to(account::forgot_page))
    .route("/forgot-password", web::post().to(account::forgot))
    .route("/forgot-password/sent", web::get().to(account::forgot_sent))
    .route("/reset-password", web::get().to(account::reset_page))
    .route("/reset-password", web::post().to(account::reset))
    .route("/settings", web::get().to(settings::show))
    .route("/settings", web::post().to(settings::save_personal))
    .route("/settings/email", web::post().to(settings::change_email))
    .route(
        "/settings/email/confirm",
        web::get().to(settings::confirm_email),
    )
    .route(
        "/settings/password",
        web::post().to(settings::change_password),
    )
    .route(
        "/settings/email/undo",
        web::get().to(settings::undo_email_page),
    )
    .route("/settings/email/undo", web::post().to(settings::undo_email))
    .route("/settings/export", web::get().to(settings::export))
    .route("/settings/delete", web::get().to(settings::delete_check))
    .route("/settings/delete", web::post().to(settings::delete_account))
    .route(
        "/settings/payment",
        web::get().to(settings::payment_settings),
    )
    .route(
        "/settings/payment",
        web::post().to(settings::save_payment_settings),
    )
    .route("/notifications", web::get().to(notifications::list))
    .route("/messages", web::get().to(messages::list))
    .route("/messages/new", web::get().to(messages::new_form))
    .route("/messages/new", web::post().to(messages::create))
    .route("/messages/unread", web::get().to(messages::unread))
    .route("/messages/{id}", web::get().to(messages::show))
    .route("/messages/{id}", web::post().to(messages::reply))
    .route("/oncall", web::get().to(oncall::oncall_form))
    .route("/oncall", web::post().to(oncall::start))
    .route("/oncall/{id}/end", web::post().to(oncall::end))
    .route("/oncall/{id}/end", web::get().to(oncall::to_page))
    .route("/queue/join", web::post().to(queue::join))
    .route("/queue/join", web::get().to(queue::to_home))
    .route("/queue/{id}/leave", web::post().to(queue::leave))
    .route("/queue/{id}/leave", web::get().to(queue::leave_page))
    .route("/queue/offers/{id}", web::get().to(queue::offer_page))
    .route("/queue/offers/{id}/accept", web::post().to(queue::accept))
    .route("/queue/offers/{id}/accept", web::get().to(queue::to_offer))
    .route("/queue/offers/{id}/decline", web::post().to(queue::decline))
    .route("/queue/offers/{id}/decline", web::get().to(queue::to_offer))
    .route("/callbacks/swish", web::post().to(payments::swish_callback))
    .route("/callbacks/nexi", web::post().to(payments::nexi_webhook))
    .route("/villkor", web::get().to(public::terms))
    .route("/tillganglighet", web::get().to(public::accessibility))
    .route("/lang/{code}", web::get().to(public::switch_language))
    .configure(operator::routes)
    .route("/assets/{file:.+}", web::get().to(assets::serve));
    if services.mailbox_page() {
        cfg.route("/dev/mailbox", web::get().to(dev::mailbox));
    }
    // The payment simulators (demo mode) last: their dynamic paths are regexes the router
    // would otherwise try before every page of the portal.
    // Their pages are in Swedish, with the portal's stylesheet and demo banner.
    let frame = crate::payments::sim::SimFrame {
        css: assets::url("app.css"),
        banner: layout::demo_banner_of(&services, crate::i18n::Lang::Sv.texts()).into_string(),
    };
    if services.card.simulated() {
        crate::payments::card_sim::routes(cfg, frame.clone());
    }
    if services.swish.simulated() {
        crate::payments::swish_sim::routes(
            cfg,
            crate::payments::swish_sim::SimTiming {
                answer_after: std::time::Duration::from_millis(settings.swish_sim_delay_ms),
                timeout: std::time::Duration::from_millis(settings.swish_sim_timeout_ms),
            },
            frame,
        );
    }
    cfg.default_service(web::to(public::not_found));
}
