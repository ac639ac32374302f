//! The page-weight budgets (the walk of `cargo bench --bench page_weight`): a first visit
//! (page + CSS + htmx) at most 32 KB in at most 3 requests, a later page at most 6 KB, an HTMX
//! swap at most 2 KB, all brotli-compressed, assets cached as immutable.

use crate::kit::weight::{self as walker, Kind};

use crate::kit::spawn::spawn_app_without_smtp_with;

#[actix_web::test]
async fn pages_and_swaps_stay_within_their_weight_budgets() {
    // The simulated payer takes a second, so the payment-status box is weighed while waiting.
    let app = spawn_app_without_smtp_with(&[("SWISH_SIM_DELAY_MS", "1000")]).await;
    let report = walker::walk(&app.address).await;
    println!("{report}");

    let pages: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.kind == Kind::Page)
        .collect();
    let swaps: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.kind == Kind::Swap)
        .collect();
    assert_eq!(pages.len(), 9, "every main page was weighed");
    assert_eq!(swaps.len(), 6, "every swap was weighed");
    // A first visit really fetched the stylesheet and htmx the page names.
    for p in &pages {
        let urls: Vec<&str> = p.assets.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(urls.len(), 2, "{}: {urls:?}", p.what);
        assert!(urls.iter().any(|u| u.ends_with(".css")), "{urls:?}");
        assert!(urls.iter().any(|u| u.contains("htmx")), "{urls:?}");
        assert!(p.first_visit_bytes() > p.later_bytes());
    }
    let swap = |what: &str| {
        swaps
            .iter()
            .find(|r| r.what == what)
            .unwrap_or_else(|| panic!("no swap {what}"))
    };
    assert!(
        swap("payment status (waiting)")
            .response
            .text
            .contains("id=\"payment-poll\"")
    );
    assert!(
        swap("calendar: book a day")
            .response
            .text
            .contains("id=\"days-left\" hx-swap-oob")
    );
    assert!(
        swap("calendar: other month")
            .response
            .text
            .starts_with("<div id=\"cal-month\"")
    );

    let problems = report.problems();
    assert!(
        problems.is_empty(),
        "budgets broken:\n{}",
        problems.join("\n")
    );
}
