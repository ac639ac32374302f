//! The accessibility statement ("Tillgänglighetsredogörelse", DOS-lagen) in DIGG's form, one
//! document per language: sections of a heading (none for the first), paragraphs (one that
//! starts with "- " is an item of a list) and a link after them. Kept apart from the page
//! texts (`sv.rs`, `en.rs`) because it is a document of its own, reviewed and dated as one.

/// One section of the statement: heading, paragraphs, link (address, text).
pub type Section = (
    &'static str,
    &'static [&'static str],
    Option<(&'static str, &'static str)>,
);

pub const SV: &[Section] = &[
    (
        "",
        &[
            "Region Västmanland står bakom Parkportal. Vi vill att så många som möjligt ska \
             kunna använda webbplatsen. Den här redogörelsen beskriver hur Parkportal uppfyller \
             lagen (2018:1937) om tillgänglighet till digital offentlig service, vilka kända \
             brister som finns och hur du kan rapportera brister till oss så att vi kan åtgärda \
             dem.",
        ],
        None,
    ),
    (
        "Hur tillgänglig är webbplatsen?",
        &[
            "Parkportal är delvis förenlig med lagen om tillgänglighet till digital offentlig \
             service, på grund av de brister som beskrivs nedan. Alla sidor fungerar med \
             tangentbord, med skärmläsare, med förstoring till 400 procent (320 pixlar breda) \
             och utan JavaScript.",
        ],
        None,
    ),
    (
        "Vad kan du göra om du inte kan använda delar av webbplatsen?",
        &[
            "Om du behöver hjälp med något som inte fungerar för dig kan Parkeringsservice \
             hjälpa dig att köpa, ändra eller avsluta ett parkeringstillstånd.",
        ],
        None,
    ),
    (
        "Rapportera brister i webbplatsens tillgänglighet",
        &[
            "Vi strävar hela tiden efter att förbättra webbplatsens tillgänglighet. Om du \
             upptäcker problem som inte beskrivs på den här sidan, eller om du anser att vi \
             inte uppfyller lagens krav, meddela oss så att vi får veta att problemet finns.",
            "Logga in och skriv till Parkeringsservice under Meddelanden, gärna med ämnet \
             Tillgänglighet. Kan du inte logga in, kontakta Region Västmanland via \
             regionvastmanland.se.",
        ],
        Some(("/messages", "Skriv till Parkeringsservice")),
    ),
    (
        "Tillsyn",
        &[
            "Myndigheten för digital förvaltning (Digg) har ansvaret för tillsyn över lagen om \
             tillgänglighet till digital offentlig service. Om du inte är nöjd med hur vi \
             hanterar dina synpunkter kan du kontakta Digg och påtala det.",
        ],
        Some(("https://www.digg.se/tdosanmalan", "Anmäl till Digg")),
    ),
    (
        "Teknisk information om webbplatsens tillgänglighet",
        &[
            "Parkportal är delvis förenlig med lagen om tillgänglighet till digital offentlig \
             service, på grund av de brister som beskrivs nedan.",
        ],
        None,
    ),
    (
        "Innehåll som inte är tillgängligt",
        &[
            "Bristande förenlighet med lagkraven:",
            "- När Kontroll svarar stannar fokus i fältet för registreringsnumret, så att nästa \
             nummer kan skrivas direkt; svaret läses upp men fokus flyttas inte dit \
             (WCAG 2.4.3).",
            "- Bilagor (PDF) som kunder laddar upp till en ansökan granskas inte för \
             tillgänglighet.",
            "Vi arbetar med att åtgärda bristerna under 2027.",
        ],
        None,
    ),
    (
        "Hur vi testat webbplatsen",
        &[
            "Vi har gjort en självskattning (intern testning): automatiska tester med axe av \
             varje sida i Chromium, tester med enbart tangentbord och med och utan JavaScript, \
             och kontroll av att sidorna inte rullar i sidled vid 320 pixlars bredd.",
            "Senaste bedömningen gjordes den 4 december 2026. Redogörelsen uppdaterades senast \
             den 4 december 2026.",
        ],
        None,
    ),
];

pub const EN: &[Section] = &[
    (
        "",
        &[
            "Region Västmanland is responsible for Parkportal. We want as many people as \
             possible to be able to use it. This statement describes how Parkportal meets the \
             Swedish Act on accessibility to digital public services (2018:1937), the known \
             gaps, and how you can report problems to us so that we can fix them.",
        ],
        None,
    ),
    (
        "How accessible is the site?",
        &[
            "Parkportal is partially compliant with the Act on accessibility to digital public \
             services, due to the gaps described below. Every page works with a keyboard, \
             with a screen reader, zoomed to 400 per cent (320 pixels wide) and without \
             JavaScript.",
        ],
        None,
    ),
    (
        "What can you do if you cannot use parts of the site?",
        &[
            "If something does not work for you, the parking office can help you buy, change \
             or end a parking permit.",
        ],
        None,
    ),
    (
        "Report accessibility problems",
        &[
            "We keep working to improve the site's accessibility. If you find a problem that \
             is not described on this page, or think that we do not meet the law's \
             requirements, tell us so that we know about it.",
            "Log in and write to the parking office under Messages, preferably with the \
             subject Accessibility. If you cannot log in, contact Region Västmanland through \
             regionvastmanland.se.",
        ],
        Some(("/messages", "Write to the parking office")),
    ),
    (
        "Enforcement",
        &[
            "The Agency for Digital Government (Digg) is responsible for enforcing the Act on \
             accessibility to digital public services. If you are not satisfied with how we \
             handle your comments, you can contact Digg.",
        ],
        Some(("https://www.digg.se/tdosanmalan", "Report to Digg")),
    ),
    (
        "Technical information about the site's accessibility",
        &[
            "Parkportal is partially compliant with the Act on accessibility to digital public \
             services, due to the gaps described below.",
        ],
        None,
    ),
    (
        "Content that is not accessible",
        &[
            "Non-compliance with the requirements:",
            "- When Kontroll answers, focus stays in the registration number field so that the \
             next number can be typed at once; the answer is announced but focus does not \
             move to it (WCAG 2.4.3).",
            "- Attachments (PDF) that customers upload with an application are not checked \
             for accessibility.",
            "We are working to fix these gaps during 2027.",
        ],
        None,
    ),
    (
        "How we tested the site",
        &[
            "We made a self-assessment (internal testing): automated axe tests of every page \
             in Chromium, keyboard-only tests with and without JavaScript, and checks that no \
             page scrolls sideways at 320 pixels wide.",
            "The latest assessment was made on 4 December 2026. The statement was last updated \
             on 4 December 2026.",
        ],
        None,
    ),
];
