//! The kit's HTML reader (`kit::html`) on a page whose answers are known.

use crate::kit::html::*;

const PAGE: &str = r#"<!DOCTYPE html><html><body>
    <form method="post" action="/permits/confirm">
      <input type="hidden" name="csrf" value="c&amp;1">
      <input id="type-3" type="radio" name="type" value="3"><label for="type-3">Dagkort</label>
      <input id="type-4" type="radio" name="type" value="4" checked><label for="type-4">Månad</label>
      <label><input type="radio" name="package" value="9"> 1 månad</label>
      <input type="checkbox" name="day" value="2025-01-02">
      <select name="car_park"><option value="7">P7</option><option value="8">P8</option></select>
      <textarea name="note">hej</textarea>
      <button type="submit" name="go">Bekräfta</button>
    </form>
    <p id="days-left"> 4 </p>
    <a href="/assets/a.css">a</a><script src="/assets/htmx.js"></script>
</body></html>"#;

#[test]
fn the_reader_finds_what_a_browser_would_send() {
    assert_eq!(hidden_value(PAGE, "csrf"), "c&1");
    assert_eq!(input_value(PAGE, "day").as_deref(), Some("2025-01-02"));
    assert_eq!(radio_value(PAGE, "type", "Dagkort").as_deref(), Some("3"));
    assert_eq!(
        radio_value(PAGE, "package", "1 månad").as_deref(),
        Some("9")
    );
    assert_eq!(radio_value(PAGE, "type", "Årskort"), None);
    assert_eq!(first_option(PAGE, "car_park").as_deref(), Some("7"));
    assert_eq!(text(PAGE, "#days-left").as_deref(), Some("4"));
    assert_eq!(
        attrs(PAGE, "[href^='/assets/'], [src^='/assets/']", "href").len(),
        1
    );
    let fields = form_fields(PAGE, "form[action='/permits/confirm']").unwrap();
    let want: Vec<(String, String)> = [
        ("csrf", "c&1"),
        ("type", "4"),
        ("car_park", "7"),
        ("note", "hej"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(fields, want);
    assert_eq!(form_fields(PAGE, "form[action='/nowhere']"), None);
}
