//! A request body that trickles is cut off: the whole body must arrive within
//! `BODY_TIMEOUT_MS`, with no pause longer than a sixth of it. actix-web limits the time to the
//! request head (`client_request_timeout`) but not the body, so a slow sender could hold a
//! connection and an extractor forever; this wraps the payload stream once, for every route.

use std::time::Duration;

use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use futures_util::StreamExt;
use tokio::time::Instant;

use crate::state::AppState;

pub async fn cut_slow_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let total = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| Duration::from_millis(s.settings.body_timeout_ms));
    if let Some(total) = total
        && has_body(&req)
    {
        let payload = req.take_payload();
        req.set_payload(with_deadline(payload, total));
    }
    next.call(req).await
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

fn with_deadline(payload: Payload, total: Duration) -> Payload {
    let deadline = Instant::now() + total;
    let idle = total / 6;
    // Fused: multipart polls again after the end.
    let stream = futures_util::stream::unfold(Some(payload), move |state| async move {
        let mut payload = state?;
        let wait = idle.min(deadline.saturating_duration_since(Instant::now()));
        match tokio::time::timeout(wait, payload.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((Err(timed_out()), None)),
        }
    });
    let boxed: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<actix_web::web::Bytes, PayloadError>>>,
    > = Box::pin(stream.fuse());
    Payload::from(boxed)
}

fn timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "request body too slow",
    ))
}

/// Whether an extractor failed because the body was cut off here (answered 408, not 400).
pub fn is_timeout(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}
