//! The settings page: personal details, e-mail, password, channels, language, my data and deleting the account, with each form's errors and what was typed.

use super::*;

pub(super) fn settings_body(
    ctx: &Ctx,
    me: &SessionUser,
    v: &SettingsView,
    flash: Option<&str>,
) -> Markup {
    let t = ctx.t();
    let e = &v.errors;
    html! {
        @if let Some(f) = flash { (notice(f)) }
        @if let Some(s) = v.section_error { (notice_error(s)) }
        @if v.section_error.is_none() {
            (error_summary(t, &[
                ("name", e.name),
                ("mobile", e.mobile),
                ("new_email", e.new_email),
                ("email_password", e.email_password),
                ("current_password", e.current_password),
                ("new_password", e.new_password),
                ("delete_password", e.delete_password),
                ("sms_code", v.sms_code_error),
            ]))
        }
        section aria-labelledby="personal-h" {
            h2 #personal-h { (t.personal_details) }
            form method="post" action="/settings" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("name", t.name, "text").value(&v.name).error(e.name).autocomplete("name")))
                (input(Field::new("mobile", t.mobile, "tel").value(&v.mobile).error(e.mobile).autocomplete("tel")))
                fieldset {
                    legend { (t.notify_legend) }
                    div.check {
                        input #notify_email type="checkbox" name="notify_email" value="yes" checked[v.notify_email];
                        label for="notify_email" { (t.notify_email) }
                    }
                    // Without an SMS gateway (outside demo mode) SMS is not offered.
                    @if ctx.services.sms.offered() {
                        div.check {
                            input #notify_sms type="checkbox" name="notify_sms" value="yes" checked[v.notify_sms];
                            label for="notify_sms" { (t.notify_sms) }
                        }
                    }
                }
                label for="language" { (t.language_label) }
                select #language name="language" {
                    option value="sv" selected[v.language == "sv"] { (t.lang_sv) }
                    option value="en" selected[v.language == "en"] { (t.lang_en) }
                }
                button type="submit" { (t.save) }
            }
        }
        @if v.sms_unconfirmed {
            section aria-labelledby="mobile-h" {
                h2 #mobile-h { (t.sec.mobile_confirm_title) }
                p { (t.sec.mobile_confirm_intro) " " strong { (v.mobile) } "." }
                form method="post" action="/settings/mobile/confirm" novalidate {
                    (csrf(&me.csrf_token))
                    (input(Field::new("sms_code", t.sec.sms_code_label, "text").error(v.sms_code_error).autocomplete("one-time-code").inputmode("numeric")))
                    button type="submit" { (t.sec.mobile_confirm_button) }
                }
                form method="post" action="/settings/mobile/code" {
                    (csrf(&me.csrf_token))
                    button.secondary.small type="submit" { (t.sec.sms_code_resend) }
                }
            }
        }
        section aria-labelledby="email-h" {
            h2 #email-h { (t.change_email_title) }
            p { (t.current_email) ": " strong { (me.user.email) } }
            form method="post" action="/settings/email" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("new_email", t.new_email, "email").value(&v.new_email).error(e.new_email).autocomplete("email")))
                (input(Field::new("email_password", t.password, "password").error(e.email_password).autocomplete("current-password")))
                button type="submit" { (t.change_email_button) }
            }
        }
        section aria-labelledby="password-h" {
            h2 #password-h { (t.change_password_title) }
            form method="post" action="/settings/password" novalidate {
                (csrf(&me.csrf_token))
                (input(Field::new("current_password", t.current_password, "password").error(e.current_password).autocomplete("current-password")))
                (input(Field::new("new_password", t.new_password, "password").error(e.new_password).autocomplete("new-password").hint(t.password_rule)))
                button type="submit" { (t.change_password_button) }
            }
        }
        section aria-labelledby="mfa-h" {
            h2 #mfa-h { (t.sec.mfa_title) }
            p { (t.sec.mfa_off_intro) }
            p { a.button.secondary href="/settings/mfa" { (t.sec.mfa_title) } }
        }
        section aria-labelledby="data-h" {
            h2 #data-h { (t.export_title) }
            p { (t.export_intro) }
            p { a.button.secondary href="/settings/export" download { (t.export_button) } }
        }
        section aria-labelledby="delete-h" {
            h2 #delete-h { (t.delete_title) }
            p { (t.delete_intro) }
            p { a.button.danger-outline href="/settings/delete" { (t.delete_button) } }
        }
    }
}

/// The settings page again (422) with the errors beside the fields and what was typed.
pub(super) fn invalid(ctx: &Ctx, me: &SessionUser, v: &SettingsView) -> HttpResponse {
    respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        settings_page(ctx, me, v, None),
    )
}

pub(super) fn settings_page(
    ctx: &Ctx,
    me: &SessionUser,
    v: &SettingsView,
    flash: Option<&str>,
) -> Markup {
    page(
        ctx,
        Some(&frame(me)),
        ctx.t().settings_title,
        settings_body(ctx, me, v, flash),
    )
}
