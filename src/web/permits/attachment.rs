//! The application form as a PDF attachment (at most 5 MB, checked to be a PDF by its structure, stored under a name the server makes).

use super::*;
use crate::domain::PermitId;
use crate::services;

pub const ATTACHMENT_MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(MultipartForm)]
pub struct AttachmentForm {
    pub(super) csrf: Text<String>,
    #[multipart(limit = "5MiB")]
    pub(super) file: MpBytes,
}

/// The application form as a PDF (at most 5 MB, checked to be a PDF by its content).
pub async fn attach(
    ctx: Ctx,
    state: Data,
    id: web::Path<PermitId>,
    form: Result<MultipartForm<AttachmentForm>, actix_web::Error>,
) -> Reply {
    let me = ctx.require_user()?;
    let form = match form {
        Ok(f) => f,
        // Not multipart at all (415), or too large or incomplete (the config's 413).
        Err(e) => return Ok(unreadable_body(&e, ErrorPage::ATTACHMENT)),
    };
    me.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let data = form.file.data;
    // The uploaded name is never kept: the file is stored and served under a name the server
    // makes, and its content must be a PDF by structure (no HTML/PDF polyglot).
    let is_pdf = data.len() <= ATTACHMENT_MAX_BYTES && crate::domain::pdf::is_pdf(&data);
    let uid = me.user.id;
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
