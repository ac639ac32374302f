//! The words of capacity and waiting lists ("kö"), customer's and parking office's, in both
//! languages. CONTRACT.md fixes "Kapacitet", "Spara", "Fullt", "Ställ dig i kö", "Plats N i
//! kön", "Tacka ja", "Tacka nej".

use super::Lang;

pub struct QueueTexts {
    pub full: &'static str,
    pub full_body: &'static str,
    pub join: &'static str,
    pub in_line_already: &'static str,
    /// How the queue goes, with the days an offer holds (`QUEUE_OFFER_DAYS`).
    pub how_it_works: fn(i64) -> String,
    pub home_heading: &'static str,
    /// "Plats {n} i kön".
    pub place: fn(i64) -> String,
    /// "{n} står i kön".
    pub length: fn(i64) -> String,
    /// The expected wait in months, and the places freed it is counted from.
    pub wait: fn(u32, i64) -> String,
    pub wait_unknown: &'static str,
    pub leave: &'static str,
    /// The page that asks once more before a place is given up.
    pub leave_title: &'static str,
    /// "Du har plats {n} i kön till {type} i {car park}. …"
    pub leave_what: fn(i64, &str, &str) -> String,
    pub leave_confirm: &'static str,
    pub leave_stay: &'static str,
    pub joined: &'static str,
    pub left: &'static str,
    pub declined: &'static str,
    pub offer_title: &'static str,
    pub offer_intro: &'static str,
    /// "Platsen hålls åt dig till {time}."
    pub offer_until: fn(&str) -> String,
    pub offer_rules: &'static str,
    pub offer_answer: &'static str,
    pub answer_offer: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
    pub offer_accepted: &'static str,
    /// On an unpaid permit that holds a place: pay by then.
    pub pay_by: fn(&str) -> String,
    pub continue_buying: &'static str,
    pub offer_gone: &'static str,
    pub not_full: &'static str,
    pub op_capacity: &'static str,
    pub op_capacity_hint: &'static str,
    pub op_err_capacity: &'static str,
    pub op_queues: &'static str,
    pub op_queues_intro: &'static str,
    pub op_no_capacity: &'static str,
    pub op_sold: &'static str,
    pub op_held: &'static str,
    pub op_free: &'static str,
    pub op_no_limit: &'static str,
    pub op_waiting: &'static str,
    pub op_col_place: &'static str,
    pub op_col_customer: &'static str,
    pub op_col_since: &'static str,
    pub op_col_offers: &'static str,
    pub op_offered_until: &'static str,
    pub op_empty_line: &'static str,
    pub op_move_to: &'static str,
    pub op_move: &'static str,
    pub op_remove: &'static str,
    pub op_reason: &'static str,
    pub op_err_reason: &'static str,
    pub op_err_place: &'static str,
    pub op_changed: &'static str,
    pub op_full: &'static str,
    pub op_offer_history: &'static str,
    pub op_outcome: fn(crate::domain::queue::OfferStatus) -> &'static str,
}

impl Lang {
    pub fn queue(self) -> &'static QueueTexts {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }
}

pub const SV: QueueTexts = QueueTexts {
    full: "Fullt",
    full_body: "Alla platser av den här typen i det här parkeringsområdet är tagna. Ställ dig i kö, så erbjuder vi dig en plats när någon blir ledig, eller välj ett annat parkeringsområde.",
    join: "Ställ dig i kö",
    in_line_already: "Du står redan i kön.",
    how_it_works: |days| {
        let days = if days == 1 {
            "1 dag".to_string()
        } else {
            format!("{days} dagar")
        };
        format!(
            "Kön går i turordning efter när du ställde dig i den. När en plats blir ledig får den som står först ett erbjudande med e-post eller sms och har {days} på sig att svara."
        )
    },
    home_heading: "Dina köer",
    place: |n| format!("Plats {n} i kön"),
    length: |n| match n {
        1 => "1 person står i kön".to_string(),
        n => format!("{n} personer står i kön"),
    },
    wait: |months, freed| {
        format!(
            "Uppskattad väntetid: cirka {months} mån. Det bygger på att {freed} platser blivit lediga de senaste 12 månaderna."
        )
    },
    wait_unknown: "Väntetiden går inte att uppskatta ännu: ingen plats har blivit ledig de senaste 12 månaderna.",
    leave: "Lämna kön",
    leave_title: "Lämna kön?",
    leave_what: |n, t, park| {
        format!(
            "Du har plats {n} i kön till {t} i {park}. Lämnar du kön förlorar du platsen. Ställer du dig i kön igen hamnar du sist."
        )
    },
    leave_confirm: "Ja, lämna kön",
    leave_stay: "Nej, stanna kvar i kön",
    joined: "Du står nu i kön. Vi hör av oss när en plats blir ledig.",
    left: "Du har lämnat kön.",
    declined: "Du har tackat nej. Platsen går till nästa i kön.",
    offer_title: "Erbjudande om plats",
    offer_intro: "En plats har blivit ledig för dig:",
    offer_until: |at| format!("Platsen hålls åt dig till {at}."),
    offer_rules: "Tackar du ja går du vidare till köpet med platsen hållen åt dig; betala inom den tid som står på tillståndet. Tackar du nej, eller svarar inte i tid, lämnar du kön och platsen går till nästa i kön.",
    offer_answer: "Ditt svar",
    answer_offer: "Svara på erbjudandet",
    accept: "Tacka ja",
    decline: "Tacka nej",
    offer_accepted: "Du har tackat ja. Platsen hålls åt dig medan du köper.",
    pay_by: |at| {
        format!(
            "Platsen hålls åt dig till {at}. Betala senast då, annars går den vidare till nästa i kön."
        )
    },
    continue_buying: "Fortsätt till köpet",
    offer_gone: "Erbjudandet gäller inte längre.",
    not_full: "Det finns lediga platser: du kan köpa direkt.",
    op_capacity: "Kapacitet",
    op_capacity_hint: "Antal platser. Tomt = ingen gräns.",
    op_err_capacity: "Ange antalet platser som ett heltal, 0–100000, eller lämna tomt för ingen gräns.",
    op_queues: "Köer",
    op_queues_intro: "Platser per parkeringsområde och typ: sålda (betalda), hållna (obetalda och erbjudna) och lediga. Kön går i turordning; flytta eller ta bort någon bara med en orsak, som kunden får veta.",
    op_no_capacity: "Ingen kapacitet är satt. Sätt den under Katalog.",
    op_sold: "Sålda",
    op_held: "Hållna",
    op_free: "Lediga",
    op_no_limit: "ingen gräns",
    op_waiting: "I kö",
    op_col_place: "Plats",
    op_col_customer: "Kund",
    op_col_since: "I kön sedan",
    op_col_offers: "Erbjudande",
    op_offered_until: "Erbjuden plats till",
    op_empty_line: "Ingen står i kön.",
    op_move_to: "Flytta till plats",
    op_move: "Flytta",
    op_remove: "Ta bort ur kön",
    op_reason: "Orsak",
    op_err_reason: "Skriv en orsak (högst 200 tecken); kunden får se den.",
    op_err_place: "Ange en plats i kön som ett heltal, 1 eller mer.",
    op_changed: "Kön är ändrad och kunden har fått veta det.",
    op_full: "Parkeringsområdet är fullt för den här typen. Höj kapaciteten under Katalog eller avslå.",
    op_offer_history: "Erbjudanden",
    op_outcome: |s| {
        use crate::domain::queue::OfferStatus::*;
        match s {
            Open => "väntar på svar",
            Accepted => "tackat ja, köper",
            Used => "köpt",
            Declined => "tackat nej",
            Expired => "gick ut",
            Withdrawn => "återkallat",
        }
    },
};

pub const EN: QueueTexts = QueueTexts {
    full: "Full",
    full_body: "Every place of this type in this car park is taken. Join the queue, and we will offer you a place when one becomes free, or choose another car park.",
    join: "Join the queue",
    in_line_already: "You are already in the queue.",
    how_it_works: |days| {
        let days = if days == 1 {
            "1 day".to_string()
        } else {
            format!("{days} days")
        };
        format!(
            "The queue goes in the order people joined it. When a place becomes free, the first in line gets an offer by e-mail or text message and has {days} to answer."
        )
    },
    home_heading: "Your queues",
    place: |n| format!("Place {n} in the queue"),
    length: |n| match n {
        1 => "1 person in the queue".to_string(),
        n => format!("{n} people in the queue"),
    },
    wait: |months, freed| {
        format!(
            "Expected wait: about {months} months. This is based on {freed} places that became free in the last 12 months."
        )
    },
    wait_unknown: "The wait cannot be estimated yet: no place has become free in the last 12 months.",
    leave: "Leave the queue",
    leave_title: "Leave the queue?",
    leave_what: |n, t, park| {
        format!(
            "You have place {n} in the queue for {t} in {park}. If you leave, you lose the place. If you join again, you are last in line."
        )
    },
    leave_confirm: "Yes, leave the queue",
    leave_stay: "No, stay in the queue",
    joined: "You are now in the queue. We will be in touch when a place becomes free.",
    left: "You have left the queue.",
    declined: "You have declined. The place goes to the next in the queue.",
    offer_title: "Offer of a place",
    offer_intro: "A place has become free for you:",
    offer_until: |at| format!("The place is held for you until {at}."),
    offer_rules: "If you accept, you go on to buy with the place held for you; pay within the time shown on the permit. If you decline, or do not answer in time, you leave the queue and the place goes to the next in line.",
    offer_answer: "Your answer",
    answer_offer: "Answer the offer",
    accept: "Accept",
    decline: "Decline",
    offer_accepted: "You have accepted. The place is held for you while you buy.",
    pay_by: |at| {
        format!(
            "The place is held for you until {at}. Pay by then, or it goes to the next in the queue."
        )
    },
    continue_buying: "Continue to buy",
    offer_gone: "The offer is no longer open.",
    not_full: "There are free places: you can buy straight away.",
    op_capacity: "Capacity",
    op_capacity_hint: "Number of places. Empty = no limit.",
    op_err_capacity: "Give the number of places as a whole number, 0–100000, or leave it empty for no limit.",
    op_queues: "Queues",
    op_queues_intro: "Places per car park and type: sold (paid), held (unpaid and offered) and free. The queue goes in order; move or remove someone only with a reason, which the customer is told.",
    op_no_capacity: "No capacity is set. Set it under Catalogue.",
    op_sold: "Sold",
    op_held: "Held",
    op_free: "Free",
    op_no_limit: "no limit",
    op_waiting: "Queueing",
    op_col_place: "Place",
    op_col_customer: "Customer",
    op_col_since: "In the queue since",
    op_col_offers: "Offer",
    op_offered_until: "Offered a place until",
    op_empty_line: "Nobody is in the queue.",
    op_move_to: "Move to place",
    op_move: "Move",
    op_remove: "Remove from the queue",
    op_reason: "Reason",
    op_err_reason: "Write a reason (at most 200 characters); the customer will see it.",
    op_err_place: "Give a place in the queue as a whole number, 1 or more.",
    op_changed: "The queue is changed and the customer has been told.",
    op_full: "The car park is full for this type. Raise the capacity under Catalogue or reject.",
    op_offer_history: "Offers",
    op_outcome: |s| {
        use crate::domain::queue::OfferStatus::*;
        match s {
            Open => "awaiting an answer",
            Accepted => "accepted, buying",
            Used => "bought",
            Declined => "declined",
            Expired => "lapsed",
            Withdrawn => "withdrawn",
        }
    },
};
