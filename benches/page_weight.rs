//! Page-weight report: bytes on the wire and requests for a first and a later visit of the
//! main pages, and the size of the HTMX swaps, against the budgets.
//!
//! Run: `cargo bench --bench page_weight` (release; SQLite in a temp dir; local mailbox; the
//! Swish simulator). Exits with status 1 when a budget is broken. The same walk is the test
//! `cargo test --test it weight`. With `PAGE_WEIGHT_DUMP=<dir>` each page and swap is also
//! written there as it was sent, uncompressed (`<what>.html`), to read what makes a page heavy.

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
        if let Ok(dir) = std::env::var("PAGE_WEIGHT_DUMP") {
            std::fs::create_dir_all(&dir).unwrap();
            for row in &report.rows {
                let name: String = row
                    .what
                    .chars()
                    .map(|c| if c.is_alphanumeric() { c } else { '_' })
                    .collect();
                std::fs::write(format!("{dir}/{name}.html"), &row.response.text).unwrap();
            }
        }
        report.problems().is_empty()
    });
    if !ok {
        std::process::exit(1);
    }
}
