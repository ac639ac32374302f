//! Every word on the screen, in Swedish (the seed guide's words, CONTRACT.md) and English.
//!
//! One struct with a field per text: a text missing in one language does not compile.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }

    /// The other language, offered by the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }
}

pub struct Texts {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub switch_language: &'static str,
    pub main_navigation: &'static str,
    // Top bar (CONTRACT.md)
    pub nav_home: &'static str,
    pub nav_buy: &'static str,
    pub nav_messages: &'static str,
    pub nav_notifications: &'static str,
    pub nav_settings: &'static str,
    pub nav_payment_settings: &'static str,
    pub nav_logout: &'static str,
    // Login page
    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub login_button: &'static str,
    pub register_link: &'static str,
    pub forgot_link: &'static str,
    // Terms
    pub terms_title: &'static str,
    pub terms_body: &'static [&'static str],
    pub terms_link: &'static str,
    // Errors
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub back_home: &'static str,
    pub footer_org: &'static str,
}

pub static SV: Texts = Texts {
    app_name: "Parkportal",
    skip_to_content: "Hoppa till innehållet",
    switch_language: "In English",
    main_navigation: "Huvudmeny",
    nav_home: "Hem",
    nav_buy: "Köp nytt parkeringstillstånd",
    nav_messages: "Meddelanden",
    nav_notifications: "Notifikationer",
    nav_settings: "Inställningar",
    nav_payment_settings: "Betalinställningar",
    nav_logout: "Logga ut",
    login_title: "Logga in",
    login_intro: "Parkeringstillstånd för sjukhusens parkeringar i Region Västmanland.",
    email: "E-postadress",
    password: "Lösenord",
    login_button: "Logga in",
    register_link: "Registrera ny användare",
    forgot_link: "Glömt lösenord",
    terms_title: "Villkor för parkeringstillstånd",
    terms_body: &[
        "Ett parkeringstillstånd gäller för det fordon vars registreringsnummer står på \
         tillståndet, på det parkeringsområde och under den period som tillståndet anger.",
        "Tillståndet betalas i förskott med Swish eller kort. Kvitto finns under tillståndet.",
        "Anställda använder sin e-postadress i Region Västmanland. Studenter och timanställda \
         ansöker som Extern betalande och tillståndet gäller först när Parkeringsservice har \
         godkänt ansökan och betalningen är gjord.",
        "Dina personuppgifter används för att hantera dina tillstånd och betalningar. Du kan \
         ladda ner dina uppgifter och ta bort ditt konto under Inställningar; bokföringsuppgifter \
         sparas så länge lagen kräver.",
    ],
    terms_link: "Läs villkoren",
    not_found_title: "Sidan finns inte",
    not_found_body: "Sidan du söker finns inte eller så saknar du behörighet till den.",
    error_title: "Något gick fel",
    error_body: "Ett tekniskt fel inträffade. Inget har sparats halvvägs – försök igen om en stund.",
    back_home: "Till startsidan",
    footer_org: "Parkeringsservice, Region Västmanland",
};

pub static EN: Texts = Texts {
    app_name: "Parkportal",
    skip_to_content: "Skip to content",
    switch_language: "På svenska",
    main_navigation: "Main menu",
    nav_home: "Home",
    nav_buy: "Buy a new parking permit",
    nav_messages: "Messages",
    nav_notifications: "Notifications",
    nav_settings: "Settings",
    nav_payment_settings: "Payment settings",
    nav_logout: "Log out",
    login_title: "Log in",
    login_intro: "Parking permits for the hospital car parks of Region Västmanland.",
    email: "E-mail address",
    password: "Password",
    login_button: "Log in",
    register_link: "Register a new user",
    forgot_link: "Forgot password",
    terms_title: "Terms for parking permits",
    terms_body: &[
        "A parking permit is valid for the vehicle whose registration number is on the permit, \
         in the car park and for the period the permit states.",
        "Permits are paid in advance by Swish or card. The receipt is found on the permit.",
        "Employees use their Region Västmanland e-mail address. Students and hourly staff apply \
         as external payers; the permit is valid once the parking office has approved the \
         application and it has been paid.",
        "Your personal data is used to handle your permits and payments. You can download your \
         data and delete your account under Settings; bookkeeping records are kept as long as \
         the law requires.",
    ],
    terms_link: "Read the terms",
    not_found_title: "Page not found",
    not_found_body: "The page does not exist or you do not have access to it.",
    error_title: "Something went wrong",
    error_body: "A technical error occurred. Nothing was half-saved – please try again shortly.",
    back_home: "Go to the start page",
    footer_org: "Parking office, Region Västmanland",
};
