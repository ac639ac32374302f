//! The words of pausing a permit and of on-call parking (issue #39, CONTRACT.md: "Pausa
//! tillståndet", "Från", "Till", "Pausa", "Avsluta pausen"; "Jag är inkallad", "Starta
//! jourparkering", "Avsluta"). Reached as `ctx.lang.pause()`.

use super::Lang;
use crate::domain::pause::PauseError;

pub struct PauseTexts {
    pub heading: &'static str,
    pub intro: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub button: &'static str,
    pub hint: &'static str,
    pub end: &'static str,
    pub paused: &'static str,
    pub coming: &'static str,
    pub done: &'static str,
    pub ended: &'static str,
    pub past: &'static str,
    pub err_not_allowed: &'static str,
    pub err_past: &'static str,
    pub err_outside: &'static str,
    pub err_length: &'static str,
    pub err_too_many: &'static str,
    pub err_overlaps: &'static str,
    pub err_none: &'static str,
    pub oncall_link: &'static str,
    pub oncall_title: &'static str,
    pub oncall_intro: &'static str,
    pub oncall_start: &'static str,
    pub oncall_end: &'static str,
    pub oncall_running: &'static str,
    pub oncall_until: &'static str,
    pub oncall_left: fn(i64, i64) -> String,
    pub oncall_used_up: &'static str,
    pub oncall_started: &'static str,
    pub oncall_ended: &'static str,
    pub oncall_err: &'static str,
    pub oncall_report: &'static str,
    pub oncall_month: &'static str,
    pub oncall_passes: &'static str,
    pub pauses_label: &'static str,
    pub err_pauses: &'static str,
}

impl Lang {
    pub fn pause(self) -> &'static PauseTexts {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }
}

impl PauseTexts {
    pub fn error(&self, e: PauseError) -> &'static str {
        match e {
            PauseError::NotAllowed => self.err_not_allowed,
            PauseError::InThePast => self.err_past,
            PauseError::OutsidePeriod => self.err_outside,
            PauseError::Length => self.err_length,
            PauseError::TooMany(_) => self.err_too_many,
            PauseError::Overlaps => self.err_overlaps,
        }
    }
}

pub const SV: PauseTexts = PauseTexts {
    heading: "Pausa tillståndet",
    intro: "Föräldraledig eller sjukskriven? Pausa i stället för att säga upp: platsen är kvar, tillståndet gäller inte under pausen och slutdatumet flyttas fram lika många dagar.",
    from: "Från",
    to: "Till",
    button: "Pausa",
    hint: "7 dagar till 12 månader, från i dag.",
    end: "Avsluta pausen",
    paused: "Pausat",
    coming: "Pausen börjar",
    done: "Tillståndet är pausat. Slutdatumet har flyttats fram.",
    ended: "Pausen är avslutad. Tillståndet gäller igen, och dagarna du inte använde har dragits av från slutdatumet.",
    past: "Tidigare pauser",
    err_not_allowed: "Den här typen av tillstånd kan inte pausas.",
    err_past: "Pausen kan börja i dag tidigast.",
    err_outside: "Pausen måste börja inom tillståndets period.",
    err_length: "En paus är 7 dagar till 12 månader. Välj ett Till-datum minst 6 dagar efter Från.",
    err_too_many: "Tillståndet har redan pausats så många gånger som går på 12 månader.",
    err_overlaps: "Tillståndet har redan en paus under den tiden.",
    err_none: "Tillståndet har ingen paus att avsluta.",
    oncall_link: "Jag är inkallad",
    oncall_title: "Jourparkering",
    oncall_intro: "Inkallad till jour eller beredskap? Starta jourparkering så gäller bilen direkt i det parkeringsområde du väljer.",
    oncall_start: "Starta jourparkering",
    oncall_end: "Avsluta",
    oncall_running: "Jourparkering pågår",
    oncall_until: "gäller till",
    oncall_left: |left, of| format!("{left} av {of} jourparkeringar kvar den här månaden."),
    oncall_used_up: "Du har använt alla jourparkeringar den här månaden. Kontakta Parkeringsservice om du behöver fler.",
    oncall_started: "Jourparkeringen har startat och gäller nu.",
    oncall_ended: "Jourparkeringen är avslutad.",
    oncall_err: "Jourparkering kan inte startas just nu. Kontakta Parkeringsservice.",
    oncall_report: "Jourparkering per anställd och månad",
    oncall_month: "Månad",
    oncall_passes: "Jourparkeringar",
    pauses_label: "Pauser per tillstånd på 12 månader (0 = får inte pausas)",
    err_pauses: "Skriv ett antal pauser från 0 till 12.",
};

pub const EN: PauseTexts = PauseTexts {
    heading: "Pause the permit",
    intro: "On parental or sick leave? Pause instead of giving the permit up: your place is kept, the permit is not valid during the pause, and its end moves later by as many days.",
    from: "From",
    to: "To",
    button: "Pause",
    hint: "7 days to 12 months, from today.",
    end: "End the pause",
    paused: "Paused",
    coming: "The pause begins",
    done: "The permit is paused. Its end date has moved later.",
    ended: "The pause has ended. The permit is valid again, and the days you did not use are taken off its end date.",
    past: "Earlier pauses",
    err_not_allowed: "This type of permit cannot be paused.",
    err_past: "A pause can begin today at the earliest.",
    err_outside: "The pause must begin within the permit's period.",
    err_length: "A pause is 7 days to 12 months. Choose a To date at least 6 days after From.",
    err_too_many: "The permit has been paused as many times as allowed in 12 months.",
    err_overlaps: "The permit already has a pause at that time.",
    err_none: "The permit has no pause to end.",
    oncall_link: "I have been called in",
    oncall_title: "On-call parking",
    oncall_intro: "Called in for on-call duty? Start on-call parking and the car is valid at once in the car park you choose.",
    oncall_start: "Start on-call parking",
    oncall_end: "End",
    oncall_running: "On-call parking running",
    oncall_until: "valid until",
    oncall_left: |left, of| format!("{left} of {of} on-call passes left this month."),
    oncall_used_up: "You have used all on-call passes this month. Contact the parking office if you need more.",
    oncall_started: "On-call parking has started and is valid now.",
    oncall_ended: "On-call parking has ended.",
    oncall_err: "On-call parking cannot be started now. Contact the parking office.",
    oncall_report: "On-call parking per employee and month",
    oncall_month: "Month",
    oncall_passes: "On-call passes",
    pauses_label: "Pauses per permit in 12 months (0 = may not be paused)",
    err_pauses: "Type a number of pauses from 0 to 12.",
};
