//! Personal (admins only): the operator accounts and inviting new ones.

use super::*;
use crate::domain::role::Role;

/// The invite form's value for a "Kontrollant": an operator with Kontroll alone.
const ATTENDANT: &str = "attendant";
use crate::services;
use crate::web::forms::CsrfForm;

pub(super) fn require_admin(op: &OperatorCtx) -> Result<(), AppError> {
    if op.me.user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    name: String,
    role: String,
}

/// What is wrong with an invitation, field by field.
#[derive(Default, Clone, Copy)]
pub(super) struct InviteErrors {
    email: Option<&'static str>,
    name: Option<&'static str>,
}

pub(super) async fn staff_page(
    op: &OperatorCtx,
    state: &AppState,
    form: &InviteForm,
    errors: InviteErrors,
    done: bool,
    status: StatusCode,
) -> Reply {
    staff_page_with(op, state, form, errors, (done, false), status).await
}

pub(super) async fn staff_page_with(
    op: &OperatorCtx,
    state: &AppState,
    form: &InviteForm,
    errors: InviteErrors,
    (done, reset): (bool, bool),
    status: StatusCode,
) -> Reply {
    let t = op.ctx.t();
    let staff = db::query(&state.pool, crate::db::users::staff).await?;
    let o = op.ctx.lang.office();
    let body = html! {
        @if done { (notice(t.op_invited)) }
        (error_summary(t, &[("email", errors.email), ("name", errors.name)]))
        @if reset { (notice(t.sec.mfa_reset_done)) }
        table.list {
            thead { tr { th scope="col" { (t.name) } th scope="col" { (t.email) } th scope="col" { (t.op_role) } th scope="col" { (t.sec.mfa_title) } } }
            tbody { @for s in &staff { tr {
                td data-label=(t.name) { (s.name) }
                td data-label=(t.email) { (s.email) }
                td data-label=(t.op_role) { @if s.check_only { (o.role_attendant) } @else { (labels::role(t, s.role)) } }
                td data-label=(t.sec.mfa_title) {
                    (if s.second_factor { t.sec.mfa_state_on } else { t.sec.mfa_state_off })
                    // Another's only: an admin who lost their own phone uses the command line.
                    @if s.second_factor && s.id != op.me.user.id {
                        form.inline method="post" action={ "/operator/staff/" (s.id) "/mfa-reset" } {
                            (csrf(&op.me.csrf_token))
                            button.small.secondary type="submit" aria-label={ (t.sec.mfa_reset) ", " (s.name) } { (t.sec.mfa_reset) }
                        }
                    }
                }
            } } }
        }
        h2 { (t.op_invite) }
        p { (t.op_invite_intro) }
        form method="post" action="/operator/staff" novalidate {
            (csrf(&op.me.csrf_token))
            (input(Field::new("email", t.email, "email").value(&form.email).error(errors.email).autocomplete("off")))
            (input(Field::new("name", t.name, "text").value(&form.name).error(errors.name).autocomplete("off")))
            fieldset {
                legend { (t.op_role) }
                div.check {
                    input #role-operator type="radio" name="role" value="operator" checked[form.role != "admin" && form.role != ATTENDANT];
                    label for="role-operator" { (t.op_role_operator) }
                }
                div.check {
                    input #role-attendant type="radio" name="role" value=(ATTENDANT) checked[form.role == ATTENDANT] aria-describedby="role-attendant-hint";
                    label for="role-attendant" { (o.role_attendant) }
                    p.hint #role-attendant-hint { (o.role_attendant_hint) }
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

pub async fn staff(op: OperatorCtx, state: Data, q: web::Query<Flash>) -> Reply {
    require_admin(&op)?;
    let done = q.m.as_deref() == Some("invited");
    let reset = q.m.as_deref() == Some("mfa_reset");
    staff_page_with(
        &op,
        &state,
        &InviteForm::default(),
        InviteErrors::default(),
        (done, reset),
        StatusCode::OK,
    )
    .await
}

/// An admin resets another staff member's second factor (a lost phone): the secret and the
/// recovery codes go, their sessions end, the reset is audited and they are told by e-mail.
/// They set it up again at their next login.
pub async fn mfa_reset(
    op: OperatorCtx,
    state: Data,
    id: web::Path<crate::domain::UserId>,
    _csrf: CsrfForm<crate::web::forms::CsrfOnly>,
) -> Reply {
    require_admin(&op)?;
    let id = id.into_inner();
    if id == op.me.user.id {
        return Err(AppError::NotFound);
    }
    let (by, by_name) = (op.me.user.id, op.me.user.name.clone());
    let found = db::query(&state.pool, move |c| {
        services::staff::reset_second_factor(c, by, &by_name, id, clock::now())
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    state.wake_mailbox();
    Ok(see_other("/operator/staff?m=mfa_reset"))
}

/// An admin invites an operator (or admin): the account is made (or an existing one given the
/// role) and a link to choose a password is e-mailed; it is the reset-password link, valid
/// for 7 days, so the one password page serves both.
pub async fn invite(op: OperatorCtx, state: Data, form: CsrfForm<InviteForm>) -> Reply {
    require_admin(&op)?;
    let t = op.ctx.t();
    let email = crate::domain::Email::parse(&form.email);
    let name = crate::domain::Name::parse(&form.name);
    let role = if form.role == Role::Admin.as_str() {
        Role::Admin
    } else {
        Role::Operator
    };
    let check_only = form.role == ATTENDANT;
    let (email, name) = match (email, name) {
        (Ok(email), Ok(name)) => (email, name),
        (email, name) => {
            let errors = InviteErrors {
                email: email.err().map(|e| crate::web::account::email_error(t, e)),
                name: name.err().map(|e| crate::web::account::name_error(t, e)),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return staff_page(&op, &state, &form, errors, false, status).await;
        }
    };
    let email_in_domain = email.is_in_domain(&state.settings.employee_email_domain);
    let invite = services::staff::Invite {
        email,
        name,
        role,
        check_only,
        is_employee: email_in_domain,
        link_base: state.link(""),
    };
    let opid = op.me.user.id;
    db::query(&state.pool, move |c| {
        services::staff::invite(c, opid, &invite, clock::now())
    })
    .await?;
    state.wake_mailbox();
    Ok(see_other("/operator/staff?m=invited"))
}
