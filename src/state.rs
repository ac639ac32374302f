//! What every handler can reach: settings, the database pool and the actors.

use actix::Addr;
use tokio::sync::Semaphore;

use crate::actors::PermitRegistry;
use crate::db::Pool;
use crate::notify::{Mailbox, Wake};
use crate::settings::Settings;

pub struct AppState {
    pub settings: Settings,
    pub pool: Pool,
    pub mailbox: Addr<Mailbox>,
    pub permits: Addr<PermitRegistry>,
    /// Caps concurrent password hashes (each holds ~19 MiB and a CPU for ~25 ms).
    pub hashing: Semaphore,
}

impl AppState {
    /// Tells the mailbox a notification was stored (after the transaction committed).
    pub fn wake_mailbox(&self) {
        self.mailbox.do_send(Wake);
    }

    /// An absolute link for e-mails and SMS.
    pub fn link(&self, path_and_query: &str) -> String {
        let base = self.settings.public_url.as_str().trim_end_matches('/');
        format!("{base}{path_and_query}")
    }
}
