//! The words of a customer's steps through an order (issue #35): the review as a saved draft,
//! the payment page of an unpaid permit, the application just sent, the offer being answered.
//! Reached as `ctx.lang.flow()`.

use super::Lang;

pub struct FlowTexts {
    pub already_ordered: &'static str,
    pub show_order: &'static str,
    pub applied_heading: &'static str,
    pub applied_next: &'static str,
    pub attach_optional: &'static str,
    pub not_approved_yet: &'static str,
    pub not_approved_yet_why: &'static str,
    pub offer_buy_title: &'static str,
    pub reserved_before: &'static str,
    pub reserved_until: &'static str,
    pub offer_answered: &'static str,
    pub offer_finish: &'static str,
    pub mail_sent_to: &'static str,
    pub mail_sent_then: &'static str,
    pub mail_not_come: &'static str,
    pub send_again: &'static str,
    pub show_password: &'static str,
    pub need_org: &'static str,
    pub need_role: &'static str,
    pub need_reason: &'static str,
    pub paused_until: &'static str,
    pub buy_again: &'static str,
    /// After paying a day card: its days, and where to book them.
    pub days_to_book: fn(i32) -> String,
}

impl Lang {
    pub fn flow(self) -> &'static FlowTexts {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }
}

pub const SV: FlowTexts = FlowTexts {
    already_ordered: "Du har redan bekräftat den här beställningen.",
    show_order: "Visa beställningen",
    applied_heading: "Ansökan skickad",
    applied_next: "Parkeringsservice går igenom din ansökan och du får besked via e-post. Godkänns den betalar du här, och tillståndet gäller sedan från",
    attach_optional: "Frivilligt – ansökan är komplett utan bilaga. Har du ett intyg eller den ifyllda blanketten kan du bifoga den som PDF.",
    not_approved_yet: "Inte godkänd än",
    not_approved_yet_why: "Tillståndet gäller när ansökan är godkänd och betald.",
    offer_buy_title: "Köp din reserverade plats",
    reserved_before: "Din plats i",
    reserved_until: "är reserverad till",
    offer_answered: "Du har tackat ja. Slutför köpet innan platsen går vidare:",
    offer_finish: "Slutför köpet",
    mail_sent_to: "Vi har skickat ett e-postmeddelande till",
    mail_sent_then: "Klicka på länken i meddelandet för att bekräfta registreringen, därefter kan du logga in.",
    mail_not_come: "Har inget meddelande kommit inom några minuter? Titta i skräpposten, eller skicka det igen.",
    send_again: "Skicka igen",
    show_password: "Visa lösenord",
    need_org: "Skriv namnet på din skola eller arbetsgivare.",
    need_role: "Skriv din utbildning eller befattning.",
    need_reason: "Skriv varför du behöver parkera vid sjukhuset.",
    paused_until: "Pausat t.o.m.",
    buy_again: "Köp igen",
    days_to_book: |n| match n {
        1 => "Du har 1 dag att boka – boka den nedan.".into(),
        n => format!("Du har {n} dagar att boka – boka dem nedan."),
    },
};

pub const EN: FlowTexts = FlowTexts {
    already_ordered: "You have already confirmed this order.",
    show_order: "Show the order",
    applied_heading: "Application sent",
    applied_next: "The parking office reviews your application and tells you by e-mail. If it is approved you pay here, and the permit is then valid from",
    attach_optional: "Optional – the application is complete without an attachment. If you have a certificate or the filled-in form, you can attach it as a PDF.",
    not_approved_yet: "Not approved yet",
    not_approved_yet_why: "The permit is valid once the application is approved and paid.",
    offer_buy_title: "Buy your reserved place",
    reserved_before: "Your place in",
    reserved_until: "is reserved until",
    offer_answered: "You have accepted. Finish the purchase before the place goes on:",
    offer_finish: "Finish the purchase",
    mail_sent_to: "We have sent an e-mail to",
    mail_sent_then: "Click the link in the message to confirm the registration; then you can log in.",
    mail_not_come: "No message within a few minutes? Look in the spam folder, or send it again.",
    send_again: "Send again",
    show_password: "Show password",
    need_org: "Write the name of your school or employer.",
    need_role: "Write your programme or role.",
    need_reason: "Write why you need to park at the hospital.",
    paused_until: "Paused until",
    buy_again: "Buy again",
    days_to_book: |n| match n {
        1 => "You have 1 day to book – book it below.".into(),
        n => format!("You have {n} days to book – book them below."),
    },
};
