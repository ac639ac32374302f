//! What every handler can reach: settings, the database pool and the actors.

use actix::Addr;
use tokio::sync::Semaphore;

use crate::actors::PermitRegistry;
use crate::actors::payments::{PaymentPoller, PollNow};
use crate::actors::queue::{QueueKeeper, QueueNow};
use crate::db::Pool;
use crate::notify::{Mailbox, Wake};
use crate::payments::swish::SwishClient;
use crate::settings::{Services, Settings};

pub struct AppState {
    pub settings: Settings,
    /// What is real, simulated (demo mode) or not offered, decided at start.
    pub services: Services,
    /// The random key made at start that the payment simulators ask of the portal's own
    /// clients (`SwishClient`/`NexiClient` in simulator mode send it).
    pub sim_secret: secrecy::SecretString,
    pub pool: Pool,
    pub mailbox: Addr<Mailbox>,
    pub permits: Addr<PermitRegistry>,
    pub payments: Addr<PaymentPoller>,
    /// The queue keeper (offers, holds).
    pub queue: Addr<QueueKeeper>,
    /// The queue's settings, as the keeper has them (for the office's changes to a line).
    pub queue_config: crate::services::queue::QueueConfig,
    /// The real Swish API or the built-in simulator.
    pub swish: SwishClient,
    /// The real Nexi Checkout API or the built-in card simulator.
    pub nexi: crate::payments::nexi::NexiClient,
    /// The check API's hits reserved from the database and not yet used
    /// (`db::limits::hit_chunked`).
    pub reserved_hits: std::sync::Arc<crate::db::limits::Reserved>,
    /// What password hashing may use at once (logins, and sign-ups on their own budget).
    pub hashing: crate::auth::password::Budget,
    /// Caps the attachment uploads read at once (each up to 5 MB in memory).
    pub uploads: Semaphore,
}

impl AppState {
    /// Tells the mailbox a notification was stored (after the transaction committed).
    pub fn wake_mailbox(&self) {
        self.mailbox.do_send(Wake);
    }

    /// Tells the payment poller to ask the providers now.
    pub fn poll_payments(&self) {
        self.payments.do_send(PollNow);
    }

    /// Tells the queue keeper a place may have freed (offers are made at once).
    pub fn queue_now(&self) {
        self.queue.do_send(QueueNow);
    }

    /// An absolute link for e-mails and SMS.
    pub fn link(&self, path_and_query: &str) -> String {
        let base = self.settings.public_url.as_str().trim_end_matches('/');
        format!("{base}{path_and_query}")
    }
}
