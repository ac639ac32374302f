//! Builds the application: database, actors, HTTP server. `main` and the tests use the same path.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use anyhow::Context;

use std::time::Duration;

use actix::Actor;
use tokio::sync::Semaphore;

use crate::actors::PermitRegistry;
use crate::actors::payments::PaymentPoller;
use crate::actors::queue::QueueKeeper;
use crate::actors::reminders::Reminders;
use crate::auth::password;
use crate::db;
use crate::notify;
use crate::payments::nexi::NexiClient;
use crate::payments::swish::SwishClient;
use crate::settings::Settings;
use crate::settings::SettingsError;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::{self as routes_mod, assets, middleware};

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Opens and migrates the database, inserts demo data on first start, binds the socket
    /// (port 0 picks a free one) and prepares the server. Nothing is served until
    /// [`Application::run_until_stopped`].
    ///
    /// A `PUBLIC_URL` with port 0 takes the port that was bound, so links in e-mails from a
    /// test server point at it.
    ///
    /// Outside demo mode a start without `SMTP_URL`, or with neither Swish nor Nexi, stops
    /// here with a [`SettingsError`] before anything is opened.
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let services = settings.services()?;
        let database_url = settings.database_url.clone();
        let pool = actix_web::web::block(move || -> anyhow::Result<db::Pool> {
            let pool = db::connect_pool(&database_url)?;
            db::prepare(&pool)?;
            Ok(pool)
        })
        .await
        .context("database setup stopped")??;

        assets::init();

        let listener = TcpListener::bind(settings.bind_addr)
            .with_context(|| format!("cannot listen on {}", settings.bind_addr))?;
        let local = listener.local_addr()?;
        if settings.public_url.port() == Some(0) {
            let _ = settings.public_url.set_port(Some(local.port()));
        }
        let https = settings.is_https();
        tracing::info!(address = %local, public_url = %settings.public_url, database = %settings.database_url.redacted(), "Parkportal listening");
        if services.demo() {
            tracing::warn!(
                email = ?services.email, sms = ?services.sms, swish = ?services.swish, card = ?services.card,
                "demo mode: what is not configured is simulated; anyone who reaches this server can read /dev/mailbox"
            );
        }
        // The key the simulators ask of the portal's own clients: made anew at every start.
        let sim_secret = crate::domain::token::new_token();

        let smtp = match &settings.smtp_url {
            Some(url) => Some(notify::smtp::transport(url).map_err(|e| SettingsError {
                var: "SMTP_URL",
                message: format!("{e:#}"),
            })?),
            None => None,
        };
        let sms = settings
            .sms_gateway
            .as_ref()
            .map(|gateway| notify::sms::SmsClient::new(gateway, &settings.sms_from));
        let mailbox = notify::Mailbox::new(
            pool.clone(),
            notify::mailbox::Channels {
                smtp,
                from: settings.mail_from.clone(),
                sms,
                local_email: services.email.simulated(),
                local_sms: services.sms.simulated(),
            },
            Duration::from_millis(settings.notify_retry_base_ms),
            settings.notify_max_attempts,
        )
        .start();

        let permits = PermitRegistry::new(
            pool.clone(),
            crate::services::permits::PermitConfig {
                base_url: settings
                    .public_url
                    .as_str()
                    .trim_end_matches('/')
                    .to_string(),
                seller: settings.seller.clone(),
                hold_hours: settings.payment_hold_hours,
            },
        )
        .start();
        let queue_config = crate::services::queue::QueueConfig {
            offer_days: settings.queue_offer_days,
            hold_hours: settings.payment_hold_hours,
            base_url: settings
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_string(),
        };
        let queue = QueueKeeper::new(
            pool.clone(),
            queue_config.clone(),
            permits.clone(),
            mailbox.clone(),
        )
        .start();
        Reminders {
            pool: pool.clone(),
            base_url: settings
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_string(),
            days_before: settings.reminder_days_before,
            mailbox: mailbox.clone(),
        }
        .start();

        let provider_timeout = Duration::from_millis(settings.provider_timeout_ms);
        // The simulators' API is called on the address bound, whatever `PUBLIC_URL` says (the
        // pages the browser is sent to, and the Swish callback, stay under `PUBLIC_URL`).
        let own = url::Url::parse(&crate::settings::own_url(local)).context("own address")?;
        let swish = match &settings.swish {
            Some(real) => SwishClient::real(real, provider_timeout).map_err(|e| SettingsError {
                var: "SWISH_CERT_P12",
                message: format!("{e:#}"),
            })?,
            None => {
                SwishClient::simulator(&settings.public_url, &own, provider_timeout, &sim_secret)
            }
        };
        let nexi = match &settings.nexi {
            Some(real) => NexiClient::real(real, provider_timeout),
            None => NexiClient::simulator(&own, provider_timeout, &sim_secret),
        };
        let payments = PaymentPoller::new(
            pool.clone(),
            swish.clone(),
            nexi.clone(),
            permits.clone(),
            mailbox.clone(),
        )
        .start();

        let state = web::Data::new(AppState {
            settings,
            services,
            sim_secret: secrecy::SecretString::from(sim_secret),
            pool,
            mailbox,
            permits,
            payments,
            queue,
            queue_config,
            swish,
            nexi,
            reserved_hits: Default::default(),
            hashing: Default::default(),
            uploads: Semaphore::new(crate::web::permits::UPLOADS_IN_FLIGHT),
        });
        let app_state = state.clone();
        password::init();
        crate::telemetry::metrics();
        // Each worker has its own blocking pool (tokio's; actix-web's default is 512 threads
        // over the workers). What runs there is database work, which can use at most the
        // connection pool; so one worker gets enough threads for the whole pool, and no more
        // threads than could do anything wait and switch on two cores. Password hashing has
        // threads of its own at a lower priority (`auth::password`).
        let blocking_threads = db::pool_size(&state.settings.database_url) as usize;
        let csp = middleware::content_security_policy(state.settings.nexi.as_ref());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(crate::web::error::render_error_pages))
                .wrap(middleware::security_headers(https, &csp))
                .wrap(from_fn(middleware::no_store))
                .wrap(from_fn(crate::web::compress::compress))
                .wrap(from_fn(middleware::log_request))
                .wrap(tracing_actix_web::TracingLogger::<middleware::RequestSpan>::new())
                .app_data(app_state.clone())
                .wrap(from_fn(csrf::check_origin))
                .wrap(from_fn(crate::web::body_timeout::cut_slow_bodies))
                .configure(|cfg| routes_mod::routes(cfg, &app_state.settings, services))
        })
        .worker_max_blocking_threads(blocking_threads)
        .listen(listener)?
        .shutdown_timeout(10)
        .run();

        Ok(Self {
            port: local.port(),
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops accepting requests (as on SIGTERM).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM, then finishes the requests in flight (graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
