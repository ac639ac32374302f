//! What every handler can reach: settings and the database pool.

use crate::db::Pool;
use crate::settings::Settings;

pub struct AppState {
    pub settings: Settings,
    pub pool: Pool,
}
