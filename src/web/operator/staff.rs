//! Personal (admins only): the operator accounts and inviting new ones.

use super::*;
use crate::web::forms::CsrfForm;

pub(super) fn require_admin(op: &OperatorCtx) -> Result<(), AppError> {
    if op.me.user.role == "admin" {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub(super) async fn staff_page(
    op: &OperatorCtx,
    state: &AppState,
    form: &InviteForm,
    error: Option<&str>,
    done: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    use crate::db::schema::users;
    let t = op.ctx.t();
    let staff: Vec<(String, String, String)> = db::run(&state.pool, |c| {
        Ok(users::table
            .filter(users::role.ne("customer"))
            .filter(users::deleted_at.is_null())
            .order(users::id.asc())
            .select((users::name, users::email, users::role))
            .load(c)?)
    })
    .await?;
    let body = html! {
        @if done { (notice(t.op_invited)) }
        @if let Some(e) = error { (notice_error(e)) }
        table.list {
            thead { tr { th scope="col" { (t.name) } th scope="col" { (t.email) } th scope="col" { (t.op_role) } } }
            tbody { @for (n, e, r) in &staff { tr { td { (n) } td { (e) } td { (r) } } } }
        }
        h2 { (t.op_invite) }
        p { (t.op_invite_intro) }
        form method="post" action="/operator/staff" novalidate {
            (csrf(&op.me.csrf_token))
            (input(Field::new("email", t.email, "email").value(&form.email).autocomplete("off")))
            (input(Field::new("name", t.name, "text").value(&form.name).autocomplete("off")))
            fieldset {
                legend { (t.op_role) }
                div.check {
                    input #role-operator type="radio" name="role" value="operator" checked[form.role != "admin"];
                    label for="role-operator" { (t.op_role_operator) }
                }
                div.check {
                    input #role-admin type="radio" name="role" value="admin" checked[form.role == "admin"];
                    label for="role-admin" { (t.op_role_admin) }
                }
            }
            button type="submit" { (t.op_invite) }
        }
    };
    Ok(respond(
        status,
        operator_page(&op.ctx, &op.me.csrf_token, t.op_staff, body),
    ))
}

pub async fn staff(
    op: OperatorCtx,
    state: Data,
    q: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    require_admin(&op)?;
    let done = q.m.as_deref() == Some("invited");
    staff_page(
        &op,
        &state,
        &InviteForm::default(),
        None,
        done,
        StatusCode::OK,
    )
    .await
}

/// An admin invites an operator (or admin): the account is made (or an existing one given the
/// role) and a link to choose a password is e-mailed; it is the reset-password link, valid
/// for 7 days, so the one password page serves both.
pub async fn invite(
    op: OperatorCtx,
    state: Data,
    form: CsrfForm<InviteForm>,
) -> Result<HttpResponse, AppError> {
    require_admin(&op)?;
    let t = op.ctx.t();
    let email = crate::domain::Email::parse(&form.email);
    let name = crate::domain::Name::parse(&form.name);
    let role = if form.role == "admin" {
        "admin"
    } else {
        "operator"
    };
    let (Ok(email), Ok(name)) = (email, name) else {
        return staff_page(
            &op,
            &state,
            &form,
            Some(t.op_invite_invalid),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let opid = op.me.user.id;
    let employee = email.is_in_domain(&state.settings.employee_email_domain);
    let base = state.link("");
    db::run(&state.pool, move |c| {
        db::write_tx(c, |c| {
            use crate::db::accounts::{self, NewUser, TokenPurpose};
            use crate::db::schema::users;
            let now = clock::now();
            let user = match accounts::user_by_email(c, email.as_str())? {
                Some(u) => {
                    diesel::update(users::table.find(u.id))
                        .set(users::role.eq(role))
                        .execute(c)?;
                    u
                }
                None => accounts::insert_user(
                    c,
                    &NewUser {
                        email: email.as_str(),
                        // Not a hash: no password matches until the invitee chooses one.
                        password_hash: "!invited",
                        name: name.as_str(),
                        mobile: "",
                        is_employee: employee,
                        role,
                        language: "sv",
                        created_at: now,
                    },
                )?,
            };
            let token = crate::domain::token::new_token();
            accounts::insert_token(
                c,
                &token,
                user.id,
                TokenPurpose::Reset,
                None,
                now,
                chrono::Duration::days(7),
            )?;
            let link = format!("{base}/reset-password?token={token}");
            let lang = crate::i18n::Lang::parse(&user.language).unwrap_or_default();
            let message = crate::i18n::messages::operator_invite(lang, name.as_str(), &link);
            crate::notify::queue_email(
                c,
                Some(user.id),
                email.as_str(),
                "operator_invite",
                message,
                now,
            )?;
            audit::record(
                c,
                Some(opid),
                "user.invite",
                &format!("user:{}", user.id),
                Some(&user.role),
                Some(role),
                now,
            )?;
            Ok(())
        })
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/operator/staff?m=invited"))
}

crate::csrf_forms!(InviteForm);
