//! Compression of the portal's own responses, in place on the worker thread.
//!
//! actix-web's `Compress` middleware hands every body of 1 KiB or more to the blocking pool
//! (actix-http's encoder, `MAX_CHUNK_SIZE_ENCODE_IN_PLACE`; upstream PR 3153 is still open)
//! and uses brotli's 4 MiB window for a 2 KB page, so the thread hop and the window cost more
//! than the page. Our pages are whole, small bodies: they are compressed here, synchronously,
//! with settings made for a few kilobytes (see [`choose`]): a page packed per request is gzip
//! by libdeflate (about as small as brotli quality 2 on these pages, in a quarter to a third of the
//! time); a page the same for everyone ([`SharedPage`], such as the logged-out login page) is
//! packed once per worker thread at brotli quality 5 and its bytes sent again; htmx swaps
//! over 6 KB (the whole calendar after a booking) are brotli quality 4, to stay under their
//! 2 KB budget; a client that
//! takes brotli only gets quality 2. Bodies that stream (CSV reports) and bodies that are
//! compressed already (the precompressed assets set `Content-Encoding`) pass through
//! untouched.

use actix_web::Error;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Bodies up to this size are sent as they are (and empty ones, 204, 303, HEAD, always).
/// Such a body and its headers (about 650 bytes: the security headers are most of it) fit in
/// one TCP segment (MSS 1,460) packed or not, so packing saves the client no round trip and no
/// wait, while it cost the check API (answers of 45–450 bytes) 13 % of its CPU: libdeflate
/// builds its Huffman tables per body whatever the size. Measured in the throughput bench
/// (SQLite, one run each): the check API 20,286 -> 22,947 req/s (41 % -> 46.6 % of the
/// baseline).
pub const PACK_ABOVE: u64 = 600;
/// Pages are built whole in memory; anything larger is left alone rather than held twice.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// Whether the client accepts `coding` (q=0 means refused).
fn accepts(accept: &str, coding: &str) -> bool {
    accept.split(',').any(|part| {
        let mut pieces = part.split(';');
        let name = pieces.next().unwrap_or("").trim();
        let refused = pieces.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                == Some(0.0)
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

/// Picks the best encoding the client accepts, for bytes packed once (the assets).
pub fn negotiate(accept: &str) -> Encoding {
    if accepts(accept, "br") {
        Encoding::Brotli
    } else if accepts(accept, "gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// The encodings a request accepts, read before the handler runs.
#[derive(Clone, Copy)]
struct Accepted {
    br: bool,
    gzip: bool,
}

impl Accepted {
    fn of(accept: &str) -> Accepted {
        Accepted {
            br: accepts(accept, "br"),
            gzip: accepts(accept, "gzip"),
        }
    }
}

/// How a response is packed here. Bytes packed once (a [`SharedPage`]) and htmx swaps over
/// [`SWAP_BROTLI_ABOVE`] (the whole calendar after a booking, which must stay under the 2 KB
/// swap budget) get brotli's smallest bytes. Every other page and swap is packed per request,
/// and there gzip by libdeflate gives about the bytes of brotli quality 2 in a quarter to a
/// third of the time (see [`GZIP_LEVEL`]); brotli quality 2 is for a client that takes brotli
/// only.
fn choose(accepted: Accepted, shared: bool, swap: bool, len: usize) -> Encoding {
    let Accepted { br, gzip } = accepted;
    if br && (shared || (swap && len > SWAP_BROTLI_ABOVE) || !gzip) {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn compressible(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.trim_start();
            ct.starts_with("text/")
                || ct.starts_with("application/json")
                || ct.starts_with("application/javascript")
                || ct.starts_with("image/svg+xml")
        })
}

/// Small-page settings: quality 4 and a 2^18-byte window. Measured on this project's pages
/// (2 KB and 6.5 KB, on the 2-core machine): quality 5 with a 2^16 window took 3.5–5 ms a
/// page (for quality 5 and up with a window of 2^16 or less C brotli picks its small-window
/// hashers, H40–H42, which the Rust port does not have); quality 5 with 2^18 0.17–0.3 ms;
/// quality 4 0.14–0.22 ms for 889 and 1,319 bytes (quality 5: 826 and 1,234; quality 2 is no
/// smaller than gzip). Quality 4 zeroes a 512 KiB table per page instead of quality 5's 1 MiB.
/// Pages up to this size (the login page, Hem, a receipt: 2–4 KB) are compressed at quality 2,
/// brotli's two-pass fragment compressor, without the table that quality 4 zeroes per page. In
/// the throughput bench (SQLite, 2 cores, one run each): the login page 19,832 → 29,863
/// req/s, Hem 6,033 → 7,253, for about the same bytes (login 1.0 KB, Hem 1.5 KB; still
/// under half the page, as `foundation.rs` asks). Quality 1 was faster still (35,689 and
/// 8,255) but sent 5–10 % more and no longer halved the login page. Larger bodies (a permit,
/// the day card's page and calendar, 5–12 KB) keep quality 4, where the bytes matter more: at
/// quality 1 the calendar swap was 2.6 KB, over its 2 KB budget.
const FAST_BELOW: usize = 4 * 1024;

/// htmx swaps larger than this are brotli quality 4; smaller ones gzip like the pages. The
/// month of the day-card calendar (month navigation and ticking: 5.8 KB for 31 free days) is
/// 1.2 KB as gzip level 1, 1.8 KB with its headers, within the 2 KB swap budget; the whole
/// calendar after a booking (6 KB and more, with the number field, the legend and the
/// notice) or a month with days booked (each with its line and "Avbryt") would not be, and
/// stays brotli (1.0–1.3 KB).
const SWAP_BROTLI_ABOVE: usize = 6 * 1024;

pub fn brotli(data: &[u8]) -> Vec<u8> {
    brotli_at(data, if data.len() <= FAST_BELOW { 2 } else { 4 })
}

/// Whole pages (not htmx swaps) up to this size are compressed at quality 2 too: a permit page
/// or the day card's page (5–12 KB) is then about 200 bytes (10 %) larger on the wire, still
/// far under its 6 KB budget, and served 20–25 % faster (throughput bench, SQLite: the permit
/// page 2,861–3,009 → 3,622 req/s, p99 36 → 29 ms). The calendar's swaps keep quality 4: at
/// 2 they went over their 2 KB budget (2,103 and 2,163 bytes).
const PAGE_FAST_BELOW: usize = 16 * 1024;

/// [`brotli`] for a response: a whole page up to [`PAGE_FAST_BELOW`] at quality 2.
fn brotli_response(data: &[u8], swap: bool) -> Vec<u8> {
    if !swap && data.len() <= PAGE_FAST_BELOW {
        brotli_at(data, 2)
    } else {
        brotli(data)
    }
}

/// A shared page ([`SharedPage`]) is packed once, so it gets the smallest bytes of the
/// settings measured above: quality 5 with the same 2^18 window. (Quality 1 for the other
/// small pages was tried again once the login page was shared: Hem 6,957 -> 7,256 req/s,
/// +4 %, for 5-10 % more bytes; not worth it on a weak connection.)
const SHARED_QUALITY: i32 = 5;

/// Brotli at `quality` with a 2^18-byte window, the whole body handed to the encoder as one
/// input block. `brotli::BrotliCompress` reads through a 4 KiB buffer, and the encoder's second
/// write then sets up its whole ring buffer (2^18 bytes plus a 2^16 tail, allocated zeroed);
/// one write smaller than the tail gets a ring buffer of just the body (brotli's first-write
/// special case). The bytes are the same. Measured on a calendar swap (8.9 KB): quality 4
/// 84 -> 72 µs, quality 2 53 -> 43 µs.
fn brotli_at(data: &[u8], quality: i32) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: 18,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    // One byte more than the body, so the first read takes all of it.
    let mut input = vec![0; data.len() + 1];
    let mut output = [0; 4096];
    brotli::enc::BrotliCompressCustomAlloc(
        &mut &data[..],
        &mut out,
        &mut input,
        &mut output,
        &params,
        brotli::enc::StandardAlloc::default(),
    )
    .expect("compressing into a Vec cannot fail");
    out
}

/// gzip level of a per-user page (libdeflate's scale, 1–12). Measured on this project's
/// pages (the page-weight walk's bodies, 2-core machine, per page): level 1 took 11–27 µs and
/// gave 1,037–3,286 bytes; level 6 17–53 µs for 1–7 % fewer bytes; brotli quality 2 (used
/// before) 27–96 µs for 1,067–3,091 bytes, larger than level 1 on every page but the day
/// card's; brotli quality 4 59–181 µs, 5–15 % smaller. In the throughput bench (SQLite) level 1
/// instead of 6 gave Hem 16,472 → 18,864 req/s and a permit page 11,422 → 12,511; the few
/// dozen bytes more are not worth a tenth of the server.
const GZIP_LEVEL: i32 = 1;

thread_local! {
    /// One libdeflate compressor per worker thread, made once: its tables are not allocated
    /// and zeroed anew for each page.
    static DEFLATE: std::cell::RefCell<libdeflater::Compressor> = std::cell::RefCell::new(
        libdeflater::Compressor::new(
            libdeflater::CompressionLvl::new(GZIP_LEVEL).expect("a level libdeflate has"),
        ),
    );
}

/// gzip (RFC 1952) at [`GZIP_LEVEL`] with the worker's libdeflate compressor: the whole body
/// at once, which is what libdeflate is made for (no streaming state, no chunking).
///
/// libdeflate writes into a slice of its worst-case bound (a little over the body's size). The
/// worker keeps one such slice ([`SCRATCH`]) and the response gets a copy of just the packed
/// bytes (about 40 % of the body), instead of a zeroed allocation of the whole bound per page.
/// A body over [`SCRATCH_MAX`] is packed into an allocation of its own, which is the response.
pub fn gzip_reused(data: &[u8]) -> Vec<u8> {
    DEFLATE.with(|d| {
        let mut d = d.borrow_mut();
        let bound = d.gzip_compress_bound(data.len());
        SCRATCH.with_borrow_mut(|scratch| {
            let large = bound > SCRATCH_MAX;
            let mut own = Vec::new();
            let out = if large {
                own.resize(bound, 0);
                &mut own[..]
            } else {
                if scratch.len() < bound {
                    scratch.resize(bound, 0);
                }
                &mut scratch[..bound]
            };
            let n = d
                .gzip_compress(data, out)
                .expect("the bound libdeflate gives always fits");
            if large {
                // Its own slice is handed over as it is, not copied.
                own.truncate(n);
                own
            } else {
                out[..n].to_vec()
            }
        })
    })
}

/// The largest slice a worker keeps for [`gzip_reused`]; a larger body (a long report) gets
/// one of its own.
const SCRATCH_MAX: usize = 64 * 1024;

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Marks a response whose body is the same for everyone who asks the same way and holds
/// nothing of anyone's (the login page, logged out, without a query): its packed bytes are
/// kept ([`SHARED_PAGES`] per worker thread) and sent again while the page is the same, so
/// the most asked-for page of a shift change is compressed once instead of per request. The
/// cache is keyed by the page's own bytes (compared in full), so it can never send another
/// page's bytes, whatever differs between requests or instances.
#[derive(Clone, Copy, Debug)]
pub struct SharedPage;

/// How many shared pages a worker thread keeps packed (per language, banner and encoding).
const SHARED_PAGES: usize = 8;

thread_local! {
    /// The shared pages packed on this thread: (encoding, page, packed), newest last.
    static PACKED: std::cell::RefCell<Vec<(Encoding, actix_web::web::Bytes, actix_web::web::Bytes)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The packed bytes of a shared page: kept from before, or packed now and kept.
fn packed_shared(encoding: Encoding, page: &actix_web::web::Bytes) -> actix_web::web::Bytes {
    if let Some(hit) = PACKED.with(|p| {
        p.borrow()
            .iter()
            .find(|(e, body, _)| *e == encoding && body == page)
            .map(|(_, _, packed)| packed.clone())
    }) {
        return hit;
    }
    let packed = actix_web::web::Bytes::from(match encoding {
        Encoding::Brotli => brotli_at(page, SHARED_QUALITY),
        other => pack(other, page, false),
    });
    PACKED.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= SHARED_PAGES {
            p.remove(0);
        }
        p.push((encoding, page.clone(), packed.clone()));
    });
    packed
}

fn pack(encoding: Encoding, data: &[u8], swap: bool) -> Vec<u8> {
    match encoding {
        Encoding::Brotli => brotli_response(data, swap),
        Encoding::Gzip => gzip_reused(data),
        Encoding::Identity => data.to_vec(),
    }
}

pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let accepted = Accepted::of(
        req.headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let swap = req.headers().contains_key(crate::auth::session::HX_REQUEST);
    let res = next.call(req).await?.map_into_boxed_body();
    if res.headers().contains_key(header::CONTENT_ENCODING)
        || !compressible(res.headers().get(header::CONTENT_TYPE))
    {
        return Ok(res);
    }
    let mut res = res;
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let len = match res.response().body().size() {
        BodySize::Sized(n) if n > PACK_ABOVE && n <= MAX_BYTES => n as usize,
        _ => return Ok(res),
    };
    let shared = res.response().extensions().get::<SharedPage>().is_some();
    let encoding = choose(accepted, shared, swap, len);
    let Some(name) = encoding.header() else {
        return Ok(res);
    };
    let (req, resp) = res.into_parts();
    let (mut resp, body) = resp.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        // A sized body that is not plain bytes: collect it (it is small, see MAX_BYTES).
        Err(body) => actix_web::body::to_bytes(body)
            .await
            .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?,
    };
    let packed = if shared {
        packed_shared(encoding, &bytes)
    } else {
        actix_web::web::Bytes::from(pack(encoding, &bytes, swap))
    };
    resp.headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    let resp = resp.set_body(BoxBody::new(packed));
    Ok(ServiceResponse::new(req, resp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_brotli_and_honours_refusals() {
        assert_eq!(negotiate("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(negotiate("gzip"), Encoding::Gzip);
        assert_eq!(negotiate("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(negotiate(""), Encoding::Identity);
        assert_eq!(negotiate("identity"), Encoding::Identity);
    }

    #[test]
    fn a_page_or_small_swap_is_gzip_and_a_shared_page_or_whole_calendar_brotli() {
        let phone = Accepted::of("gzip, deflate, br");
        assert_eq!(choose(phone, false, false, 3_000), Encoding::Gzip);
        assert_eq!(choose(phone, false, true, 400), Encoding::Gzip);
        assert_eq!(choose(phone, true, false, 3_000), Encoding::Brotli);
        assert_eq!(choose(phone, false, true, 8_000), Encoding::Brotli);
        assert_eq!(choose(phone, false, true, 5_900), Encoding::Gzip);
        assert_eq!(
            choose(Accepted::of("br"), false, false, 3_000),
            Encoding::Brotli
        );
        assert_eq!(
            choose(Accepted::of("gzip;q=0, br"), false, false, 3_000),
            Encoding::Brotli
        );
        assert_eq!(
            choose(Accepted::of("gzip"), true, true, 8_000),
            Encoding::Gzip
        );
        assert_eq!(
            choose(Accepted::of("identity"), false, false, 3_000),
            Encoding::Identity
        );
    }

    #[test]
    fn small_page_settings_round_trip_and_shrink_a_page() {
        let page = "<!doctype html><html lang=sv><body>".to_string()
            + &"<p class=\"muted\">Parkeringstillstånd</p>".repeat(60)
            + "</body></html>";
        let br = brotli(page.as_bytes());
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, page.as_bytes());
        assert!(br.len() < page.len() / 5, "{} of {}", br.len(), page.len());

        let reused = gzip_reused(page.as_bytes());
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&reused[..]), &mut back)
            .unwrap();
        assert_eq!(back, page.as_bytes());
        assert!(
            reused.len() < page.len() / 5,
            "{} of {}",
            reused.len(),
            page.len()
        );
        // Twice on one thread: the reused compressor gives the same stream.
        assert_eq!(gzip_reused(page.as_bytes()), reused);
    }

    #[test]
    fn gzip_of_any_size_after_any_other_unpacks_to_its_body() {
        let gunzip = |packed: &[u8]| {
            let mut back = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(packed), &mut back)
                .unwrap();
            back
        };
        // Over the kept slice, then a large body that fills it, then a small one that leaves
        // the large one's bytes in it, then an empty one.
        let huge: Vec<u8> = (0..SCRATCH_MAX * 2)
            .map(|i| (i * 7919 % 251) as u8)
            .collect();
        let large = "<tr><td>ABC123</td></tr>".repeat(2_000);
        for body in [
            &huge[..],
            large.as_bytes(),
            b"<p>Hej</p>".repeat(70).as_slice(),
            b"",
        ] {
            assert_eq!(gunzip(&gzip_reused(body)), body);
        }
    }

    #[test]
    fn a_shared_page_is_packed_once_and_never_confused_with_another() {
        let a = actix_web::web::Bytes::from("<p>".repeat(200));
        let b = actix_web::web::Bytes::from("<b>".repeat(200));
        let first = packed_shared(Encoding::Brotli, &a);
        assert_eq!(first, packed_shared(Encoding::Brotli, &a));
        // The same bytes again come from the cache (the very same allocation).
        assert_eq!(first.as_ptr(), packed_shared(Encoding::Brotli, &a).as_ptr());
        let other = packed_shared(Encoding::Brotli, &b);
        assert_ne!(first, other);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &other[..], &mut back).unwrap();
        assert_eq!(back, b.as_ref());
        let gz = packed_shared(Encoding::Gzip, &a);
        assert_ne!(gz, first, "kept per encoding");
        // More pages than it keeps: the oldest goes, every answer stays right.
        for i in 0..(SHARED_PAGES + 2) {
            let page = actix_web::web::Bytes::from(format!("<i>{i}</i>").repeat(50));
            let mut back = Vec::new();
            brotli::BrotliDecompress(&mut &packed_shared(Encoding::Brotli, &page)[..], &mut back)
                .unwrap();
            assert_eq!(back, page.as_ref());
        }
    }
}
