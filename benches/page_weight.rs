//! Page-weight report: bytes on the wire and requests for a first and a later visit of the
//! main pages, and the size of the HTMX swaps, against the budgets.
//!
//! Run: `cargo bench --bench page_weight` (release; SQLite in a temp dir; local mailbox; the
//! Swish simulator). Exits with status 1 when a budget is broken. The same walk is the test
//! `cargo test --test it weight`.

#[path = "../tests/kit/mod.rs"]
mod kit;

use kit::db::TestDb;
use kit::weight;

fn main() {
    let ok = actix_web::rt::System::new().block_on(async {
        let app =
            kit::spawn::spawn_on(TestDb::sqlite(), &[("SWISH_SIM_DELAY_MS", "500")], None).await;
        let report = weight::walk(&app.address).await;
        print!("{report}");
        report.problems().is_empty()
    });
    if !ok {
        std::process::exit(1);
    }
}
