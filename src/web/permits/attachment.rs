//! The application form as a PDF attachment (at most 5 MB, checked to be a PDF by its structure, stored under a name the server makes).

use super::*;
use crate::domain::PermitId;
use crate::services;
use crate::web::ctx::UserCtx;

pub const ATTACHMENT_MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(MultipartForm)]
pub struct AttachmentForm {
    pub(super) csrf: Text<String>,
    #[multipart(limit = "5MiB")]
    pub(super) file: MpBytes,
}

/// Uploads read at once, over all users: each holds up to 5 MB in memory while it arrives.
pub const UPLOADS_IN_FLIGHT: usize = 8;

/// The application form as a PDF (at most 5 MB, checked to be a PDF by its content). Who may
/// send it is decided before a byte of the body is read (issue #34, 5): a logged-in buyer, for
/// their own application awaiting approval; and only [`UPLOADS_IN_FLIGHT`] bodies are read at
/// once (the next is told to try again in a moment).
pub async fn attach(
    UserCtx { ctx, ref me }: UserCtx,
    state: Data,
    id: web::Path<PermitId>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Reply {
    use actix_web::FromRequest;
    let id = id.into_inner();
    let uid = me.user.id;
    let may_attach = db::query(&state.pool, move |c| db_permits::owned(c, id, uid))
        .await?
        .ok_or(AppError::NotFound)?;
    if !may(PermitAction::Attach, may_attach.kind, may_attach.state) {
        let m = PageMessages {
            attach_error: Some(ctx.t().err_pdf),
            ..Default::default()
        };
        return refused(&ctx, &state, me, id, m).await;
    }
    let Ok(_reading) = state.uploads.try_acquire() else {
        return Err(AppError::Busy);
    };
    let mut payload = payload.into_inner();
    let form = match MultipartForm::<AttachmentForm>::from_request(&req, &mut payload).await {
        Ok(f) => f,
        // Not multipart at all (415), or too large or incomplete (the config's 413).
        Err(e) => return Ok(unreadable_body(&e, ErrorPage::ATTACHMENT)),
    };
    me.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let data = form.file.data;
    // The uploaded name is never kept: the file is stored and served under a name the server
    // makes, and its content must be a PDF by structure (no HTML/PDF polyglot).
    let is_pdf = data.len() <= ATTACHMENT_MAX_BYTES && crate::domain::pdf::is_pdf(&data);
    // A PDF that would run something or carry other files is refused, with its own reason.
    if is_pdf && crate::domain::pdf::has_active_content(&data) {
        let m = PageMessages {
            attach_error: Some(ctx.t().sec.err_pdf_active),
            ..Default::default()
        };
        return refused(&ctx, &state, me, id, m).await;
    }
    let stored = if is_pdf {
        db::query(&state.pool, move |c| {
            services::permits::attach(c, uid, id, &data, clock::now())
        })
        .await?
        .ok_or(AppError::NotFound)?
    } else {
        false
    };
    if stored {
        return Ok(see_other(&format!("/permits/{id}?m=attached")));
    }
    let m = PageMessages {
        attach_error: Some(ctx.t().err_pdf),
        ..Default::default()
    };
    refused(&ctx, &state, me, id, m).await
}
