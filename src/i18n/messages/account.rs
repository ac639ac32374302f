//! The notifications about the account: registration, links, e-mail and password.

use super::{Message, compose};
use crate::i18n::Lang;

pub fn confirm_account(lang: Lang, name: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Bekräfta ditt konto i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                "Du har registrerat ett konto för parkeringstillstånd. Klicka på länken för att \
                 bekräfta registreringen, därefter kan du logga in. Länken gäller i 24 timmar."
                    .into(),
            ],
            Some(("Bekräfta kontot", link)),
        ),
        Lang::En => compose(
            lang,
            "Confirm your Parkportal account".into(),
            &[
                format!("Hello {name}!"),
                "You registered an account for parking permits. Follow the link to confirm it, \
                 then you can log in. The link is valid for 24 hours."
                    .into(),
            ],
            Some(("Confirm the account", link)),
        ),
    }
}

/// Sent to the owner when someone registers with an address that already has an account,
/// so the registration page itself reveals nothing.
pub fn already_registered(lang: Lang, name: &str, login_link: &str, reset_link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Du har redan ett konto i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                "Någon försökte registrera ett nytt konto med din e-postadress. Du har redan ett \
                 konto och kan logga in som vanligt. Har du glömt lösenordet kan du återställa det:"
                    .into(),
                reset_link.to_string(),
                "Var det inte du kan du bortse från det här meddelandet.".into(),
            ],
            Some(("Logga in", login_link)),
        ),
        Lang::En => compose(
            lang,
            "You already have a Parkportal account".into(),
            &[
                format!("Hello {name}!"),
                "Someone tried to register a new account with your e-mail address. You already \
                 have an account and can log in as usual. If you forgot your password, reset it:"
                    .into(),
                reset_link.to_string(),
                "If this was not you, you can ignore this message.".into(),
            ],
            Some(("Log in", login_link)),
        ),
    }
}

pub fn password_reset(lang: Lang, name: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Återställ ditt lösenord i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                "Klicka på länken för att välja ett nytt lösenord. Länken gäller i en timme och \
                 kan användas en gång. Har du inte bett om detta kan du bortse från meddelandet."
                    .into(),
            ],
            Some(("Välj nytt lösenord", link)),
        ),
        Lang::En => compose(
            lang,
            "Reset your Parkportal password".into(),
            &[
                format!("Hello {name}!"),
                "Follow the link to choose a new password. It is valid for one hour and works \
                 once. If you did not ask for this, you can ignore this message."
                    .into(),
            ],
            Some(("Choose a new password", link)),
        ),
    }
}

/// The subject of both messages to a new address (the confirmation link, or the note that it
/// is taken): the requester's "Notifikationer" shows the same row either way.
const NEW_EMAIL_SUBJECT_SV: &str = "Ny e-postadress i Parkportal";
const NEW_EMAIL_SUBJECT_EN: &str = "New e-mail address in Parkportal";

pub fn confirm_new_email(lang: Lang, name: &str, link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            NEW_EMAIL_SUBJECT_SV.into(),
            &[
                format!("Hej {name}!"),
                "Klicka på länken för att börja använda den här adressen i Parkportal. Länken \
                 gäller i 24 timmar."
                    .into(),
            ],
            Some(("Bekräfta e-postadressen", link)),
        ),
        Lang::En => compose(
            lang,
            NEW_EMAIL_SUBJECT_EN.into(),
            &[
                format!("Hello {name}!"),
                "Follow the link to start using this address in Parkportal. The link is valid \
                 for 24 hours."
                    .into(),
            ],
            Some(("Confirm the e-mail address", link)),
        ),
    }
}

/// To the OLD address when a change is asked for, with the link that stops or undoes it.
pub fn email_change_requested(lang: Lang, name: &str, new_email: &str, undo_link: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Ändring av e-postadress i Parkportal".into(),
            &[
                format!("Hej {name}!"),
                format!(
                    "Någon har bett om att byta e-postadressen för ditt konto till {new_email}. \
                     Bytet görs först när länken till den nya adressen har klickats."
                ),
                "Var det inte du? Använd länken nedan: bytet stoppas eller ångras, kontot får \
                 tillbaka den här adressen och alla inloggningar avslutas. Välj sedan ett nytt \
                 lösenord med \"Glömt lösenord\". Länken gäller i 7 dagar."
                    .into(),
            ],
            Some(("Ångra bytet av e-postadress", undo_link)),
        ),
        Lang::En => compose(
            lang,
            "E-mail address change in Parkportal".into(),
            &[
                format!("Hello {name}!"),
                format!(
                    "Someone asked to change your account's e-mail address to {new_email}. The \
                     change happens only when the link sent to the new address is followed."
                ),
                "Was it not you? Use the link below: the change is stopped or undone, the \
                 account gets this address back and every session is ended. Then choose a new \
                 password with \"Forgot password\". The link is valid for 7 days."
                    .into(),
            ],
            Some(("Undo the e-mail address change", undo_link)),
        ),
    }
}

/// To an address that already has an account (or is a deleted account's placeholder) when
/// someone asks to move another account to it: says nothing about that other account, and
/// asks for nothing. Same subject as the confirmation, and kept with the requester's
/// notifications like it, so nothing the requester sees tells the two apart.
pub fn email_change_taken(lang: Lang) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            NEW_EMAIL_SUBJECT_SV.into(),
            &[
                "Hej!".into(),
                "Någon har bett om att få använda den här e-postadressen för ett konto i \
                 Parkportal, men adressen hör redan till ett konto. Inget har ändrats. Var det du \
                 kan du logga in med den här adressen; annars behöver du inte göra något."
                    .into(),
            ],
            None,
        ),
        Lang::En => compose(
            lang,
            NEW_EMAIL_SUBJECT_EN.into(),
            &[
                "Hello!".into(),
                "Someone asked to use this e-mail address for an account in Parkportal, but the \
                 address already belongs to an account. Nothing has changed. If it was you, you \
                 can log in with this address; otherwise there is nothing to do."
                    .into(),
            ],
            None,
        ),
    }
}

pub fn password_changed(lang: Lang, name: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Ditt lösenord har ändrats".into(),
            &[
                format!("Hej {name}!"),
                "Lösenordet för ditt konto i Parkportal har ändrats. Var det inte du, använd \
                 Glömt lösenord på inloggningssidan och kontakta Parkeringsservice."
                    .into(),
            ],
            None,
        ),
        Lang::En => compose(
            lang,
            "Your password was changed".into(),
            &[
                format!("Hello {name}!"),
                "The password of your Parkportal account was changed. If this was not you, use \
                 Forgot password on the login page and contact the parking office."
                    .into(),
            ],
            None,
        ),
    }
}

/// An admin reset the second factor (issue #34): the person is told, so a reset they did not
/// ask for is noticed.
pub fn second_factor_reset(lang: Lang, name: &str, by: &str) -> Message {
    match lang {
        Lang::Sv => compose(
            lang,
            "Din tvåstegsverifiering har återställts".into(),
            &[
                format!("Hej {name}!"),
                format!(
                    "{by} har återställt tvåstegsverifieringen för ditt konto i Parkportal. Du \
                     ställer in den igen med din autentiseringsapp nästa gång du loggar in. Om du \
                     inte bad om detta, kontakta Parkeringsservice direkt."
                ),
            ],
            None,
        ),
        Lang::En => compose(
            lang,
            "Your two-step verification has been reset".into(),
            &[
                format!("Hello {name}!"),
                format!(
                    "{by} has reset the two-step verification of your Parkportal account. You set \
                     it up again with your authenticator app the next time you log in. If you did \
                     not ask for this, contact the parking office at once."
                ),
            ],
            None,
        ),
    }
}
