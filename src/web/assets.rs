//! Static assets embedded in the binary, served under content-hashed URLs.
//!
//! A hashed URL never changes content, so it is cached for a year as `immutable`. Each asset is
//! compressed once (brotli and gzip at their best settings) instead of on every request.

use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.LICENSE"]
struct Embedded;

struct Asset {
    content_type: String,
    identity: Vec<u8>,
    gzip: Vec<u8>,
    brotli: Vec<u8>,
}

struct Assets {
    /// "/assets/app.1a2b3c4d5e.css" → asset
    by_url: HashMap<String, Asset>,
    /// "app.css" → "/assets/app.1a2b3c4d5e.css"
    url_of: HashMap<String, String>,
}

static ASSETS: OnceLock<Assets> = OnceLock::new();

fn assets() -> &'static Assets {
    ASSETS.get_or_init(load)
}

/// htmx without eval, without injected scripts and without its injected indicator style,
/// so the Content-Security-Policy needs neither `unsafe-eval` nor `unsafe-inline`; with no
/// history cache (issue #34, 14: pages with plates and CSRF tokens are never kept in
/// `sessionStorage`; "Back" asks the server again); a 422 (a
/// form shown again with its errors) is swapped in like a success, and a 503 (the database
/// away: "try again in a minute") in place of the page's content. Appended to the served
/// htmx file rather than written on every page as `<meta name="htmx-config">` (560 bytes of
/// `&quot;`-escaped JSON a page): the deferred script runs before `DOMContentLoaded`, when
/// htmx reads its configuration and starts.
const HTMX_CONFIG: &str = r#"
Object.assign(htmx.config,{historyCacheSize:0,allowEval:false,allowScriptTags:false,includeIndicatorStyles:false,selfRequestsOnly:true,responseHandling:[{code:"204",swap:false},{code:"[23]..",swap:true},{code:"422",swap:true},{code:"503",swap:true,error:true},{code:"[45]..",swap:false,error:true}]});
"#;
const HTMX: &str = "vendor/htmx.min.js";

/// Loads and compresses every asset. Called once at start so the first visitor does not pay.
pub fn init() {
    assets();
}

fn load() -> Assets {
    let mut by_url = HashMap::new();
    let mut url_of = HashMap::new();
    for name in Embedded::iter() {
        let Some(file) = Embedded::get(&name) else {
            continue;
        };
        let mut identity = file.data.into_owned();
        if name == HTMX {
            identity.extend_from_slice(HTMX_CONFIG.as_bytes());
        }
        let hash = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(&identity)[..5]);
        let url = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("/assets/{stem}.{hash}.{ext}"),
            None => format!("/assets/{name}.{hash}"),
        };
        let content_type = file.metadata.mimetype().to_string();
        let asset = Asset {
            gzip: gzip(&identity),
            brotli: brotli(&identity),
            identity,
            content_type,
        };
        url_of.insert(name.to_string(), url.clone());
        by_url.insert(url, asset);
    }
    Assets { by_url, url_of }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)
        .expect("compressing into a Vec cannot fail");
    out
}

/// The hashed URL of an embedded file, e.g. `url("app.css")`.
///
/// # Panics
/// When the file is not embedded: a programming error caught by every page test.
pub fn url(name: &str) -> &'static str {
    assets()
        .url_of
        .get(name)
        .unwrap_or_else(|| panic!("asset {name} is not embedded"))
}

pub async fn serve(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    let url = format!("/assets/{}", file.into_inner());
    let Some(asset) = assets().by_url.get(&url) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Not found");
    };
    let accept = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, encoding) = match crate::web::compress::negotiate(accept) {
        crate::web::compress::Encoding::Brotli => (&asset.brotli, Some("br")),
        crate::web::compress::Encoding::Gzip => (&asset.gzip, Some("gzip")),
        crate::web::compress::Encoding::Identity => (&asset.identity, None),
    };
    let mut resp = HttpResponse::Ok();
    resp.insert_header((header::CONTENT_TYPE, asset.content_type.as_str()))
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .insert_header((header::VARY, "Accept-Encoding"));
    if let Some(enc) = encoding {
        // Set explicitly, so `compress::compress` leaves the body as it is.
        resp.insert_header((header::CONTENT_ENCODING, enc));
    }
    resp.body(body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_hashed_url_and_smaller_compressed_forms() {
        let css = url("app.css");
        assert!(
            css.starts_with("/assets/app.") && css.ends_with(".css"),
            "{css}"
        );
        let htmx = &assets().by_url[url("vendor/htmx.min.js")];
        assert!(htmx.brotli.len() < htmx.gzip.len());
        assert!(htmx.gzip.len() < htmx.identity.len() / 2);
        assert!(!assets().url_of.keys().any(|k| k.ends_with(".LICENSE")));
    }
}
