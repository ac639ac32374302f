//! Reading pages the way a browser does: the HTML parsed (`scraper`, html5ever) and elements
//! found with CSS selectors, instead of searching the markup as text. Values come back as a
//! browser would submit them (entities decoded).
//!
//! Every reader returns an `Option`, so that the load test can report what is missing; the
//! tests' favourite, [`hidden_value`], panics instead.

use scraper::{ElementRef, Html, Selector};

/// A CSS selector; a broken one is a bug in the caller.
pub fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad CSS selector {css:?}: {e}"))
}

/// A CSS attribute value in double quotes (`[name="…"]`), for building selectors.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn first<'a>(doc: &'a Html, css: &str) -> Option<ElementRef<'a>> {
    doc.select(&selector(css)).next()
}

/// The attribute `attr` of the first element matching `css`.
pub fn attr(html: &str, css: &str, attr: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    first(&doc, css)?.value().attr(attr).map(str::to_string)
}

/// The attribute `attr` of every element matching `css` that has it, in document order.
pub fn attrs(html: &str, css: &str, attr: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&selector(css))
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// The text of the first element matching `css`, trimmed.
pub fn text(html: &str, css: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    Some(
        first(&doc, css)?
            .text()
            .collect::<String>()
            .trim()
            .to_string(),
    )
}

/// The markup of every element matching `css` (each a piece to read further).
pub fn outer_html(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&selector(css)).map(|e| e.html()).collect()
}

/// The `value` of the first `<input name="{name}">` (any type).
pub fn input_value(html: &str, name: &str) -> Option<String> {
    attr(html, &format!("input[name={}]", quoted(name)), "value")
}

/// The `value` of the hidden input `name`; panics when the page has none.
pub fn hidden_value(html: &str, name: &str) -> String {
    attr(
        html,
        &format!("input[type=hidden][name={}]", quoted(name)),
        "value",
    )
    .unwrap_or_else(|| panic!("no hidden {name} in page"))
}

/// The `value` of the radio button `name` whose `<label>` reads `label` (the label names it
/// with `for`, or wraps it).
pub fn radio_value(html: &str, name: &str, label: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let radio = |e: ElementRef| {
        let v = e.value();
        (v.name() == "input" && v.attr("type") == Some("radio") && v.attr("name") == Some(name))
            .then(|| v.attr("value").unwrap_or("on").to_string())
    };
    doc.select(&selector("label"))
        .filter(|l| l.text().collect::<String>().trim() == label)
        .find_map(|l| match l.value().attr("for") {
            Some(id) => first(&doc, &format!("[id={}]", quoted(id))).and_then(radio),
            None => l.select(&selector("input")).find_map(radio),
        })
}

/// The `value` of the first `<option>` of `<select name="{select}">`.
pub fn first_option(html: &str, select: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let option = first(&doc, &format!("select[name={}] option", quoted(select)))?;
    let v = option.value();
    Some(
        v.attr("value")
            .map(str::to_string)
            .unwrap_or_else(|| option.text().collect::<String>().trim().to_string()),
    )
}

/// The `value` of the `<option>` of `<select name="{select}">` whose text is `text`.
pub fn option_value(html: &str, select: &str, text: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("select[name={}] option", quoted(select))).ok()?;
    doc.select(&sel)
        .find(|o| o.text().collect::<String>().trim() == text)
        .and_then(|o| o.value().attr("value").map(str::to_string))
}

/// What a browser sends for the first form matching `form` (e.g.
/// `form[action="/permits/confirm"]`) when it is submitted without a button's own name: every
/// named, enabled input (check boxes and radio buttons only when checked), select (its selected
/// option, else the first) and textarea, in document order; `None` when there is no such form.
pub fn form_fields(html: &str, form: &str) -> Option<Vec<(String, String)>> {
    let doc = Html::parse_document(html);
    let form = first(&doc, form)?;
    let mut fields = Vec::new();
    for control in form.select(&selector("input, select, textarea")) {
        let v = control.value();
        let Some(name) = v.attr("name") else { continue };
        if v.attr("disabled").is_some() {
            continue;
        }
        let value = match v.name() {
            "select" => {
                let options: Vec<ElementRef> = control.select(&selector("option")).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first());
                match chosen {
                    Some(o) => o
                        .value()
                        .attr("value")
                        .map(str::to_string)
                        .unwrap_or_else(|| o.text().collect::<String>().trim().to_string()),
                    None => continue,
                }
            }
            "textarea" => control.text().collect(),
            _ => {
                let kind = v.attr("type").unwrap_or("text").to_ascii_lowercase();
                match kind.as_str() {
                    "submit" | "button" | "reset" | "image" | "file" => continue,
                    "checkbox" | "radio" if v.attr("checked").is_none() => continue,
                    "checkbox" | "radio" => v.attr("value").unwrap_or("on").to_string(),
                    _ => v.attr("value").unwrap_or_default().to_string(),
                }
            }
        };
        fields.push((name.to_string(), value));
    }
    Some(fields)
}
