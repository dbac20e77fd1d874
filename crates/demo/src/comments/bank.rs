//! Hand-written comment fragments, German and English.
//!
//! Written for this project (not taken from any data set). `{name}` marks a placeholder
//! filled in by `fill` (amounts, dates, minutes, names …). "Clauses" are lower-case
//! sentence parts without final punctuation, used in "Gut, aber …" contrast sentences.

/// The same list in both languages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bank {
    pub(crate) de: &'static [&'static str],
    pub(crate) en: &'static [&'static str],
}

/// Everything needed to talk about one theme, negatively or positively.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ThemeText {
    pub(crate) neg_issue: Bank,
    pub(crate) neg_detail: Bank,
    pub(crate) neg_clause: Bank,
    pub(crate) pos_issue: Bank,
    pub(crate) pos_detail: Bank,
    pub(crate) pos_clause: Bank,
}

// ---------------------------------------------------------------------------------------
// Generic pieces
// ---------------------------------------------------------------------------------------

pub(crate) const OPENER_NEG: Bank = Bank {
    de: &[
        "Leider sehr enttäuscht.",
        "Ehrlich gesagt: ärgerlich.",
        "Ich bin seit {years} Jahren Kunde und so etwas habe ich noch nicht erlebt.",
        "Was soll ich sagen …",
        "Mal wieder.",
        "Sorry, aber das geht gar nicht.",
        "Ich bin wirklich sauer.",
        "Schon das dritte Mal dieses Jahr.",
        "Tja.",
        "Vorweg: Ich bin eigentlich ein geduldiger Mensch.",
        "Enttäuschend.",
        "Nicht zu fassen.",
        "Hallo Nordwind,",
        "Kurz zusammengefasst: schlecht.",
        "Ich hätte nicht gedacht, dass ich mal so eine Bewertung schreibe.",
        "Wo fange ich an …",
    ],
    en: &[
        "Really disappointed.",
        "Honestly, not good.",
        "I've been a customer for {years} years and this is a new low.",
        "Where do I start …",
        "Frustrating experience.",
        "Sorry, but this isn't acceptable.",
        "Not impressed.",
        "Again.",
        "Hi Nordwind,",
        "Long story short: bad.",
        "I rarely leave negative feedback, but here we are.",
    ],
};

pub(crate) const CLOSER_NEG: Bank = Bank {
    de: &[
        "Ich überlege ernsthaft zu kündigen.",
        "So verliert man Kunden.",
        "Bitte dringend ändern!",
        "Sehr schade.",
        "Nie wieder.",
        "Ich erwarte eine Gutschrift.",
        "Wenn sich das nicht ändert, bin ich weg.",
        "Das muss besser werden.",
        "Mein Vertrag läuft im {month} aus – mal sehen.",
        "Ich habe keine Lust mehr, hinterherzulaufen.",
        "Schwach, Nordwind.",
        "Weiterempfehlen werde ich euch so nicht.",
        "Ich erwarte eine Rückmeldung.",
        "Bin echt bedient.",
    ],
    en: &[
        "Seriously thinking about switching providers.",
        "This is how you lose customers.",
        "Please fix this.",
        "Very disappointing.",
        "I expect a credit on my account.",
        "Not recommending you to anyone right now.",
        "Do better.",
        "My contract ends in {month} – we'll see.",
        "I'd like someone to get back to me.",
    ],
};

pub(crate) const OPENER_POS: Bank = Bank {
    de: &[
        "Alles super!",
        "Sehr zufrieden.",
        "Ich muss mal loben:",
        "Großes Lob!",
        "Endlich mal was Positives:",
        "Kurz und knapp:",
        "Bin begeistert.",
        "Positiv überrascht.",
        "Hat alles prima geklappt.",
        "Wirklich angenehm diesmal.",
        "Ich bin seit {years} Jahren Kunde und nach wie vor zufrieden.",
    ],
    en: &[
        "Great experience!",
        "Very happy.",
        "Credit where it's due:",
        "Pleasantly surprised.",
        "Quick feedback:",
        "All went smoothly.",
        "Customer for {years} years and still happy.",
    ],
};

pub(crate) const CLOSER_POS: Bank = Bank {
    de: &[
        "Weiter so!",
        "Danke!",
        "Gerne wieder.",
        "Ich empfehle euch gerne weiter.",
        "Vielen Dank an das Team.",
        "So soll es sein.",
        "Daumen hoch.",
        "Ich bleibe gerne Kunde.",
        "Danke schön!",
        "Macht weiter so.",
        "Volle Punktzahl.",
    ],
    en: &[
        "Keep it up!",
        "Thanks!",
        "Would recommend.",
        "Thank you to the team.",
        "That's how it should be.",
        "Happy to stay with you.",
        "Cheers!",
    ],
};

pub(crate) const SHORT_POS: Bank = Bank {
    de: &[
        "Top!",
        "passt",
        "Alles gut.",
        "Super",
        "Bestens",
        "Sehr gut!",
        "Nichts zu meckern.",
        "Zufrieden.",
        "Läuft.",
        "Klasse Service",
        "Danke, alles bestens",
        "Perfekt",
        "Schnell und unkompliziert.",
        "Keine Beschwerden.",
        "Alles prima",
        "top service",
        "Sehr kompetent.",
        "Hat alles geklappt",
        "Gerne wieder!",
        "ok, passt alles",
        "Bin zufrieden",
        "1A",
    ],
    en: &[
        "Great!",
        "All good.",
        "Perfect",
        "Top",
        "Very good",
        "No complaints.",
        "Quick and easy.",
        "Excellent service",
        "Happy customer.",
        "Spot on.",
        "Smooth as always.",
        "Brilliant, thanks",
    ],
};

pub(crate) const SHORT_NEG: Bank = Bank {
    de: &[
        "Katastrophe.",
        "Unterirdisch!",
        "Schlecht.",
        "Nie wieder.",
        "Frechheit!",
        "Mangelhaft.",
        "Sehr ärgerlich.",
        "Enttäuschend.",
        "Chaos.",
        "Null Service.",
        "Geht gar nicht.",
        "Schlimm.",
        "Total unzufrieden",
        "schlechter Service",
        "Einfach nur nervig.",
    ],
    en: &[
        "Terrible.",
        "Awful service.",
        "Disappointing.",
        "Never again.",
        "Useless.",
        "Not good enough.",
        "A total mess.",
        "Poor service",
    ],
};

pub(crate) const SHORT_MIXED: Bank = Bank {
    de: &[
        "Geht so.",
        "Ganz ok.",
        "Mittelmaß.",
        "Könnte besser sein.",
        "Naja.",
        "Befriedigend.",
        "Ok, mehr nicht.",
        "Durchwachsen.",
        "So lala.",
        "Nicht schlecht, nicht gut.",
        "Luft nach oben.",
    ],
    en: &[
        "It's ok.",
        "Could be better.",
        "Meh.",
        "Average.",
        "Fine, nothing special.",
        "Mixed feelings.",
        "Room for improvement.",
    ],
};

/// "{lead}, aber {negative clause}."
pub(crate) const LEAD_POS: Bank = Bank {
    de: &[
        "Gut",
        "Eigentlich zufrieden",
        "Grundsätzlich okay",
        "Im Großen und Ganzen gut",
        "Passt soweit",
        "Alles in allem in Ordnung",
        "Service war ok",
        "War ganz gut",
        "Nicht schlecht",
    ],
    en: &[
        "Good",
        "Mostly fine",
        "Generally happy",
        "Overall okay",
        "Not bad",
        "Decent enough",
    ],
};

/// "{lead}, aber {positive clause}."
pub(crate) const LEAD_NEG: Bank = Bank {
    de: &[
        "Hat lange gedauert",
        "War etwas holprig",
        "Nicht alles lief rund",
        "Lief nicht perfekt",
        "Etwas chaotisch",
        "Ging nicht so schnell wie erhofft",
        "Am Anfang war ich skeptisch",
    ],
    en: &[
        "Took a while",
        "Bit of a bumpy ride",
        "Not everything went smoothly",
        "Slower than I hoped",
        "A bit chaotic",
    ],
};

/// Placed between a positive and a negative sentence.
pub(crate) const CONTRAST: Bank = Bank {
    de: &[
        "Aber:",
        "Einziger Minuspunkt:",
        "Was nervt:",
        "Allerdings:",
        "Nur eins stört:",
        "Kritikpunkt:",
        "ABER:",
        "Leider auch:",
    ],
    en: &[
        "But:",
        "Only downside:",
        "One gripe:",
        "Downside:",
        "What bugs me:",
    ],
};

/// Placed between a negative sentence and a positive clause.
pub(crate) const CONCESSION: Bank = Bank {
    de: &["Positiv:", "Immerhin:", "Was gut war:", "Fairerweise:"],
    en: &["On the plus side,", "To be fair,", "The good part:"],
};

pub(crate) const SHOP_VISIT: Bank = Bank {
    de: &[
        "War im Shop in {city}.",
        "(Shop {city})",
        "Filiale {city}.",
        "Das war im Shop {city}.",
    ],
    en: &["This was at the {city} store.", "({city} shop)"],
};

pub(crate) const EMOJI_POS: &[&str] = &["😊", "👍", "🙂", "👌", "😀", "💪", "🙏"];
pub(crate) const EMOJI_NEG: &[&str] = &["😡", "👎", "🙄", "😤", "😠", "🤬"];
pub(crate) const EMOJI_MIXED: &[&str] = &["🤷", "😕", "😐", "🤔"];

// ---------------------------------------------------------------------------------------
// Placeholder values
// ---------------------------------------------------------------------------------------

/// (German title, English title, surname)
pub(crate) const AGENTS: &[(&str, &str, &str)] = &[
    ("Frau", "Ms", "Yilmaz"),
    ("Herr", "Mr", "Becker"),
    ("Frau", "Ms", "Nowak"),
    ("Herr", "Mr", "Hansen"),
    ("Frau", "Ms", "Petersen"),
    ("Herr", "Mr", "Öztürk"),
    ("Frau", "Ms", "Lange"),
    ("Herr", "Mr", "Jensen"),
    ("Frau", "Ms", "Schröder"),
    ("Herr", "Mr", "Brandt"),
    ("Frau", "Ms", "Kaya"),
    ("Herr", "Mr", "Wolff"),
];
pub(crate) const AGENT_FIRST_NAMES: &[&str] = &[
    "Lena", "Jonas", "Aylin", "Finn", "Mia", "Tobias", "Sven", "Nele", "Kemal", "Anja",
];
pub(crate) const CITIES: &[&str] = &[
    "Hamburg-Altona",
    "Bremen",
    "Kiel",
    "Lübeck",
    "Hannover",
    "Rostock",
    "Oldenburg",
    "Flensburg",
    "Hamburg-Wandsbek",
    "Schwerin",
];
pub(crate) const REGIONS: &[&str] = &[
    "in Ostfriesland",
    "in der Uckermark",
    "im Emsland",
    "in Dithmarschen",
    "in der Lüneburger Heide",
    "in Nordfriesland",
];
pub(crate) const PHONES: &[&str] = &[
    "iPhone 13",
    "Pixel 7",
    "Galaxy S22",
    "iPhone 15",
    "Galaxy A54",
    "Redmi Note 12",
    "iPhone SE",
    "Pixel 8a",
];
/// Technician time slots, (start hour, end hour).
pub(crate) const SLOTS: &[(u32, u32)] = &[(7, 12), (8, 12), (12, 16), (13, 18), (8, 14)];

// ---------------------------------------------------------------------------------------
// Themes
// ---------------------------------------------------------------------------------------

const BILLING_NEG_DETAIL: Bank = Bank {
    de: &[
        "Ich habe am {date} angerufen, man hat mir eine Korrektur versprochen – passiert ist nichts.",
        "Das ist jetzt der {times}. Monat in Folge.",
        "Bei {eur} im Monat erwarte ich eine korrekte Abrechnung.",
        "Die Rücklastschrift hat mich zusätzlich {fee} Gebühren gekostet.",
        "Im Kundencenter steht ein anderer Betrag als in der PDF.",
        "Niemand konnte mir erklären, wofür die Position „Servicepauschale“ ist.",
        "Widerspruch habe ich am {date} per E-Mail eingelegt, bis heute keine Antwort.",
    ],
    en: &[
        "I called on {date} and was promised a correction – nothing happened.",
        "This is the {nth} month in a row.",
        "At {eur} a month I expect the bill to be right.",
        "The online account shows a different amount than the PDF.",
        "Nobody could tell me what the 'service fee' line is for.",
        "I disputed it by email on {date}, still no answer.",
    ],
};

const BILLING_POS: (Bank, Bank, Bank) = (
    Bank {
        de: &[
            "Die Rechnung ist übersichtlich und verständlich.",
            "Die Rechnung kommt pünktlich und stimmt.",
            "Die Korrektur meiner Rechnung ging schnell und ohne Diskussion.",
            "Gutschrift wurde sofort verrechnet, danke.",
            "Endlich eine Rechnung, die man auch ohne Studium versteht.",
            "Alle Posten auf der Rechnung sind nachvollziehbar aufgeschlüsselt.",
        ],
        en: &[
            "The invoice is clear and easy to understand.",
            "Bills arrive on time and are always correct.",
            "They fixed my invoice quickly, no arguing.",
            "My credit was applied right away.",
            "Every item on the bill is clearly itemised.",
        ],
    },
    Bank {
        de: &[
            "Ich habe am {date} angerufen und zwei Tage später war alles korrigiert.",
            "Die PDF im Kundencenter ist auch gut gemacht.",
            "Die {eur} wurden mir direkt gutgeschrieben.",
        ],
        en: &[
            "Called on {date}, two days later it was sorted.",
            "The {eur} were credited straight away.",
        ],
    },
    Bank {
        de: &[
            "die Rechnung ist übersichtlich",
            "die Abrechnung stimmt immer",
            "die Gutschrift kam schnell",
            "die Rechnung kommt pünktlich",
        ],
        en: &[
            "the bill is clear",
            "billing is always accurate",
            "the credit came through quickly",
        ],
    },
);

pub(crate) const BILLING: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Auf meiner Rechnung stand ein Betrag von {eur}, den ich nicht nachvollziehen kann.",
            "Mir wurde ein Betrag doppelt abgebucht.",
            "Die Rechnung ist schon wieder falsch.",
            "Ich habe eine Drittanbieter-Abbuchung über {eur} auf der Rechnung, die ich nie bestellt habe.",
            "Trotz Kündigung der Option wird sie weiter berechnet.",
            "Die Rechnung ist völlig unverständlich, lauter Positionen ohne Erklärung.",
            "Der versprochene Rabatt taucht auf der Rechnung nicht auf.",
            "Meine Gutschrift wurde immer noch nicht verrechnet.",
            "Die Rechnung kam {days} Tage zu spät und dann gleich mit Mahngebühr.",
            "Plötzlich stehen {new} auf der Rechnung statt der vereinbarten {old}.",
        ],
        en: &[
            "There's a charge of {eur} on my bill that I can't explain.",
            "I was charged twice this month.",
            "The invoice is wrong. Again.",
            "A third-party charge of {eur} showed up that I never ordered.",
            "I cancelled that add-on months ago and I'm still being billed for it.",
            "The bill is impossible to read, lots of line items with no explanation.",
            "The promised discount is nowhere on the invoice.",
            "Suddenly the bill says {new} instead of the {old} we agreed on.",
        ],
    },
    neg_detail: BILLING_NEG_DETAIL,
    neg_clause: Bank {
        de: &[
            "die Rechnung stimmt schon wieder nicht",
            "mir wurde doppelt abgebucht",
            "auf der Rechnung tauchen Posten auf, die ich nicht kenne",
            "die Gutschrift fehlt immer noch",
            "die Abrechnung ist kaum zu verstehen",
        ],
        en: &[
            "the bill is wrong again",
            "I got charged twice",
            "there are charges on my invoice I don't recognise",
            "my credit still hasn't been applied",
        ],
    },
    pos_issue: BILLING_POS.0,
    pos_detail: BILLING_POS.1,
    pos_clause: BILLING_POS.2,
};

/// Billing complaints that name the new invoice format introduced three months ago.
pub(crate) const BILLING_NEW: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Seit der Umstellung auf das neue Rechnungsformat blicke ich überhaupt nicht mehr durch.",
            "Die neue Rechnung ist ein Rückschritt – wo finde ich denn jetzt die Einzelverbindungen?",
            "Seit dem neuen Abrechnungssystem stimmt meine Rechnung nicht mehr.",
            "Mit der neuen Rechnung wurde mir plötzlich ein Monat doppelt berechnet.",
            "Seit der Umstellung im {month_past} kommt die Rechnung als unlesbare PDF.",
            "Neues Rechnungslayout, aber der Tarifname fehlt und die Beträge stimmen nicht.",
            "Die neue Rechnung zeigt {eur} an, im Kundencenter steht etwas anderes.",
        ],
        en: &[
            "Since the switch to the new invoice format I can't make sense of my bill.",
            "The new invoice is a step backwards – where are the call details now?",
            "Ever since the new billing system my invoice has been wrong.",
            "With the new invoice I was suddenly billed twice for the same month.",
            "Since the change in {month_past} the bill comes as an unreadable PDF.",
        ],
    },
    neg_detail: BILLING_NEG_DETAIL,
    neg_clause: Bank {
        de: &[
            "seit der neuen Rechnung verstehe ich gar nichts mehr",
            "die neue Rechnung ist voller Fehler",
            "seit der Umstellung stimmt die Abrechnung nicht",
        ],
        en: &[
            "since the new invoice format nothing adds up",
            "the new bill is full of mistakes",
        ],
    },
    pos_issue: BILLING_POS.0,
    pos_detail: BILLING_POS.1,
    pos_clause: BILLING_POS.2,
};

pub(crate) const WAITING: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Ich hing {min} Minuten in der Warteschleife.",
            "Über {min} Minuten Wartezeit an der Hotline, das ist einfach zu viel.",
            "Nach {min} Minuten in der Warteschleife wurde ich einfach aus der Leitung geworfen.",
            "Ich habe {times}x angerufen und jedes Mal ewig gewartet.",
            "Wartezeit laut Ansage 5 Minuten, tatsächlich waren es {min}.",
            "Der versprochene Rückruf kam nie, also wieder ab in die Warteschleife.",
            "{min} Minuten Warteschleifenmusik. Ich kann sie mitsingen.",
            "Bis man überhaupt einen Menschen erreicht, vergeht eine halbe Ewigkeit mit Warten.",
            "Hotline stundenlang belegt, ich habe {times} Anläufe gebraucht und trotzdem gewartet.",
        ],
        en: &[
            "I was on hold for {min} minutes.",
            "Waited over {min} minutes on the hotline, that's just too long.",
            "After {min} minutes on hold the call simply dropped.",
            "Called {times} times and had to wait forever every single time.",
            "The announcement said a 5 minute wait, it was {min}.",
            "They promised a callback that never came, so back in the queue I went.",
            "{min} minutes of hold music. I can sing along now.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Und das in meiner Mittagspause, die war dann weg.",
            "Am Montagmorgen scheint die Hotline komplett überlastet zu sein.",
            "Das Sprachmenü schickt einen dreimal im Kreis, bevor man überhaupt in der Warteschlange landet.",
            "Ich habe am {date} schon einmal angerufen, dasselbe Spiel.",
            "Nach dem Wochenende ist da offenbar kein Durchkommen.",
            "Die Ansage „Wir sind gleich für Sie da“ kann ich nicht mehr hören.",
        ],
        en: &[
            "On my lunch break, so that was gone.",
            "Monday mornings the hotline seems completely swamped.",
            "The phone menu sends you round in circles before you even get into the queue.",
            "I'd already called on {date}, same story.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "die Wartezeit war viel zu lang",
            "ich hing ewig in der Warteschleife",
            "man kommt kaum durch",
            "ich musste {min} Minuten warten",
        ],
        en: &[
            "the wait was far too long",
            "I was on hold forever",
            "it's almost impossible to get through",
            "I had to wait {min} minutes",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Ich bin sofort durchgekommen, keine Wartezeit.",
            "Nach nicht mal {short_min} Minuten hatte ich jemanden dran.",
            "Rückruf kam wie angekündigt innerhalb einer Stunde.",
            "Die Wartezeit war kurz, das war schon mal angenehm.",
            "Kaum gewartet – hätte ich nicht gedacht.",
        ],
        en: &[
            "Got straight through, no waiting at all.",
            "Had someone on the line in under {short_min} minutes.",
            "The callback came within the hour, as promised.",
            "Barely had to wait – didn't expect that.",
        ],
    },
    pos_detail: Bank {
        de: &[
            "Die Rückruf-Funktion ist super praktisch.",
            "Die angesagte Wartezeit hat sogar gestimmt.",
        ],
        en: &[
            "The callback option is really handy.",
            "The estimated wait time was actually accurate.",
        ],
    },
    pos_clause: Bank {
        de: &[
            "die Wartezeit war kurz",
            "ich bin schnell durchgekommen",
            "der Rückruf kam pünktlich",
        ],
        en: &["the wait was short", "I got through quickly"],
    },
};

pub(crate) const STAFF: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Der Mitarbeiter war unfreundlich und sichtlich genervt.",
            "Ich wurde abgewimmelt, als wäre ich ein Störfaktor.",
            "Die Mitarbeiterin war patzig und hat mich ständig unterbrochen.",
            "Man hat mich behandelt, als hätte ich keine Ahnung.",
            "Statt mir zu helfen, wollte man mir nur einen teureren Tarif verkaufen.",
            "Das Gespräch wurde einfach beendet, ohne Lösung.",
            "Null Empathie, nur Textbausteine.",
            "Herablassender Ton, so redet man nicht mit Kunden.",
            "Der Berater war völlig desinteressiert und hat mich kaum beachtet.",
        ],
        en: &[
            "The agent was rude and clearly annoyed.",
            "I was brushed off like I was a nuisance.",
            "The person I spoke to was snappy and kept interrupting me.",
            "They treated me like I had no clue.",
            "Instead of helping, they just tried to upsell me to a pricier plan.",
            "They simply ended the conversation, no solution.",
            "Condescending tone. That's no way to talk to customers.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Mein Anliegen wurde nicht mal richtig angehört.",
            "Auf Nachfrage hieß es nur: „Da kann ich nichts machen.“",
            "Das war schon beim letzten Kontakt so.",
            "Ich bin seit {years} Jahren Kunde, so etwas habe ich nicht verdient.",
            "Eine Entschuldigung gab es nicht.",
        ],
        en: &[
            "They didn't even listen to what I needed.",
            "All I got was: 'Nothing I can do.'",
            "Same thing happened the last time I got in touch.",
            "{years} years as a customer and this is how I'm treated.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "der Mitarbeiter war ziemlich unfreundlich",
            "ich wurde abgewimmelt",
            "der Ton war herablassend",
            "man wollte mir nur etwas verkaufen",
        ],
        en: &[
            "the agent was pretty rude",
            "I got brushed off",
            "the tone was condescending",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Super freundliche Beratung, {agent} hat sich richtig Zeit genommen.",
            "Der Mitarbeiter war sehr geduldig und hat alles verständlich erklärt.",
            "Sehr freundlich und kompetent, so wünscht man sich das.",
            "{agent} war klasse – freundlich, schnell, hilfsbereit.",
            "Endlich mal jemand, der zuhört.",
            "Die Kollegin war total nett und hat wie versprochen zurückgerufen.",
            "Kompetent, freundlich und ohne Verkaufsdruck.",
            "Ein großes Dankeschön: {agent} war echt freundlich und hilfsbereit.",
        ],
        en: &[
            "Really friendly service, {agent} took the time to sort everything out.",
            "The agent was patient and explained everything clearly.",
            "Friendly and knowledgeable, exactly how it should be.",
            "{agent} was great – friendly, quick, helpful.",
            "Finally someone who actually listens.",
            "No sales pressure, just honest advice.",
        ],
    },
    pos_detail: Bank {
        de: &[
            "Hat mir sogar noch einen Tipp zum Sparen gegeben.",
            "Und das kurz vor Feierabend.",
            "Meine Mutter war dabei und hat auch alles verstanden.",
        ],
        en: &[
            "Switched to English for me without any fuss.",
            "Even gave me a tip on how to save money.",
            "And that was right before closing time.",
        ],
    },
    pos_clause: Bank {
        de: &[
            "der Mitarbeiter war sehr freundlich",
            "die Beratung war kompetent",
            "{agent} war total nett",
            "man hat sich Zeit für mich genommen",
        ],
        en: &[
            "the agent was really friendly",
            "the advice was spot on",
            "{agent} was lovely",
        ],
    },
};

pub(crate) const RESOLUTION: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Mein Problem ist immer noch nicht gelöst.",
            "Ich musste {times} Mal nachfragen, jedes Mal eine andere Auskunft.",
            "Ticket wurde geschlossen, obwohl nichts behoben ist.",
            "Man hat mich von Abteilung zu Abteilung weitergereicht.",
            "Der Fehler besteht seit {weeks} Wochen und niemand fühlt sich zuständig.",
            "Versprochener Rückruf? Fehlanzeige.",
            "Jeder erzählt etwas anderes, keiner kümmert sich wirklich.",
        ],
        en: &[
            "My problem still isn't fixed.",
            "I had to ask {times} times and got a different answer every time.",
            "The ticket was closed even though nothing was fixed.",
            "I got passed from department to department.",
            "The fault has been there for {weeks} weeks and nobody takes ownership.",
            "Promised callback? Never happened.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Jedes Mal muss ich alles von vorne erklären.",
            "Ich habe am {date} eine schriftliche Bestätigung bekommen, passiert ist nichts.",
            "Im Chat sagt man A, an der Hotline B.",
            "Ich habe inzwischen {hours} Stunden mit dem Thema verbracht.",
        ],
        en: &[
            "Every time I have to explain everything from scratch.",
            "Got written confirmation on {date}, nothing happened.",
            "Chat tells you one thing, the hotline another.",
            "I've spent {hours} hours on this by now.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "mein Problem ist immer noch nicht gelöst",
            "ich musste mehrfach nachhaken",
            "keiner fühlt sich zuständig",
        ],
        en: &[
            "my issue still isn't solved",
            "I had to chase it several times",
            "nobody takes ownership",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Mein Problem wurde beim ersten Kontakt gelöst.",
            "Anliegen sofort erledigt, ohne Weiterleiten.",
            "Schnelle Lösung, genau so muss das laufen.",
            "Es wurde sich gekümmert und am nächsten Tag lief alles wieder.",
            "Unkompliziert geholfen, keine Rückfragen nötig.",
        ],
        en: &[
            "My issue was solved on the first contact.",
            "Sorted straight away, no transfers.",
            "Quick fix, that's how it should work.",
            "They followed up and everything was working again the next day.",
        ],
    },
    pos_detail: Bank {
        de: &[
            "Ich habe sogar eine Bestätigung per E-Mail bekommen.",
            "Hat keine {short_min} Minuten gedauert.",
        ],
        en: &[
            "Even got a confirmation email.",
            "Took less than {short_min} minutes.",
        ],
    },
    pos_clause: Bank {
        de: &[
            "das Problem wurde schnell gelöst",
            "mir wurde sofort geholfen",
            "alles wurde beim ersten Kontakt geklärt",
        ],
        en: &[
            "the problem was solved quickly",
            "they helped me right away",
        ],
    },
};

pub(crate) const ACTIVATION: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Die Freischaltung meines Anschlusses hat {weeks} Wochen gedauert.",
            "Der Router kam erst {days} Tage nach dem Schalttermin.",
            "Bis heute kein Internet, obwohl der Anschluss angeblich aktiv ist.",
            "Die SIM-Karte wurde erst nach {days} Tagen aktiviert.",
            "Die Zugangsdaten kamen per Brief – {days} Tage nach dem Router.",
            "Die Rufnummernmitnahme ist schiefgelaufen, ich war {days} Tage nicht erreichbar.",
            "Der Schalttermin wurde zweimal verschoben, ohne Begründung.",
            "Die Einrichtung war kompliziert, die Anleitung hilft kein bisschen.",
        ],
        en: &[
            "Activating my line took {weeks} weeks.",
            "The router arrived {days} days after the switch-over date.",
            "Still no internet, although the line is supposedly active.",
            "My SIM was only activated after {days} days.",
            "Number porting went wrong, I was unreachable for {days} days.",
            "Setup was complicated and the instructions didn't help at all.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Ich arbeite im Homeoffice und musste so lange über den Handy-Hotspot arbeiten.",
            "Bestellt habe ich am {date}.",
            "Den Status konnte ich nirgends online verfolgen.",
            "Die Hotline wusste auch nicht mehr als ich.",
            "Für die Ausfallzeit hätte ich gern eine Gutschrift.",
        ],
        en: &[
            "I work from home and had to use my phone hotspot the whole time.",
            "I ordered on {date}.",
            "There was no way to track the status online.",
            "For the downtime I'd like a credit.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "die Freischaltung hat ewig gedauert",
            "der Router kam viel zu spät",
            "die Einrichtung war umständlich",
        ],
        en: &[
            "activation took ages",
            "the router arrived way too late",
            "setup was a hassle",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Anschluss lief pünktlich zum Schalttermin, Router einstecken, fertig.",
            "Die Freischaltung ging schneller als gedacht.",
            "SIM eingelegt, nach {short_min} Minuten aktiv – super.",
            "Einrichtung war kinderleicht, die Anleitung ist gut gemacht.",
            "Die Rufnummernmitnahme hat reibungslos geklappt.",
            "Per SMS wurde ich über jeden Schritt informiert, das war top.",
        ],
        en: &[
            "Line went live right on the switch-over date, plugged in the router, done.",
            "Activation was faster than expected.",
            "Popped in the SIM and it was active within {short_min} minutes.",
            "Setup was a breeze, the guide is well made.",
            "Number porting went without a hitch.",
        ],
    },
    pos_detail: Bank {
        de: &[
            "Der Router war zwei Tage vorher da.",
            "Bestellt am {date}, ein paar Tage später lief alles.",
        ],
        en: &[
            "The router arrived two days early.",
            "Ordered on {date}, up and running a few days later.",
        ],
    },
    pos_clause: Bank {
        de: &[
            "die Freischaltung ging schnell",
            "die Einrichtung war einfach",
            "alles lief zum vereinbarten Termin",
        ],
        en: &["activation was quick", "setup was easy"],
    },
};

/// Negative sentences always name the technician and a delay (see the crate docs).
pub(crate) const TECHNICIAN: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Der Techniker ist zum vereinbarten Termin einfach nicht erschienen.",
            "Der Techniker-Termin wurde {times} Mal verschoben.",
            "Ich habe mir einen Tag Urlaub genommen, der Techniker kam nicht.",
            "Zeitfenster {slot}, der Techniker kam erst um {late}.",
            "Der Techniker-Termin wurde am Vorabend per SMS abgesagt.",
            "Drei Wochen auf einen Techniker warten – im Jahr {year}?",
            "Der Techniker war da, konnte aber nichts machen, weil der Verteiler nicht geschaltet war – neuer Termin in {weeks} Wochen.",
            "Niemand hat mir Bescheid gesagt, dass der Techniker später kommt.",
        ],
        en: &[
            "The technician simply didn't show up for the appointment.",
            "The engineer appointment was rescheduled {times} times.",
            "I took a day off work and the technician never came.",
            "Time slot {slot}, the engineer turned up at {late}.",
            "The technician appointment was cancelled by text the evening before.",
            "Waiting three weeks for a technician – in {year}?",
            "Nobody told me the technician would be late.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Die Hotline konnte mir nicht sagen, wann er kommt.",
            "Bis dahin sitze ich ohne Internet da.",
            "Ich habe {hours} Stunden umsonst zu Hause gewartet.",
            "Entschädigung für den verlorenen Urlaubstag? Fehlanzeige.",
        ],
        en: &[
            "The hotline couldn't tell me when he'd come.",
            "Until then I'm stuck without internet.",
            "I waited at home for {hours} hours for nothing.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "der Techniker kam viel zu spät",
            "der Techniker-Termin wurde verschoben",
            "ich habe umsonst auf den Techniker gewartet",
        ],
        en: &[
            "the technician was hours late",
            "the engineer appointment got rescheduled",
            "I waited in vain for the technician",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Der Techniker war pünktlich, freundlich und in einer Stunde fertig.",
            "Der Techniker kam sogar etwas früher und hat alles sauber verlegt.",
            "Sehr kompetenter Techniker, hat mir noch das WLAN eingerichtet.",
            "Termin wurde eingehalten, der Techniker hat alles erklärt.",
        ],
        en: &[
            "The technician was on time, friendly and done within an hour.",
            "The engineer even came a bit early and left everything tidy.",
            "Very competent technician, even set up my Wi-Fi.",
        ],
    },
    pos_detail: Bank {
        de: &[
            "Vorher kam eine SMS mit der genauen Uhrzeit.",
            "Das Zeitfenster {slot} wurde eingehalten.",
        ],
        en: &[
            "Got a text with the exact arrival time beforehand.",
            "The {slot} slot was kept.",
        ],
    },
    pos_clause: Bank {
        de: &["der Techniker war pünktlich", "der Techniker war super"],
        en: &["the technician was on time", "the engineer was great"],
    },
};

pub(crate) const APP: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Die App stürzt bei jedem Login ab.",
            "Seit dem Update auf Version {ver} stürzt die App ständig ab.",
            "Die App hängt beim Laden der Rechnung und schließt sich dann.",
            "Login klappt nur jedes dritte Mal, dann Absturz.",
            "Der Datenverbrauch wird in der App seit Tagen nicht aktualisiert.",
            "Die neue App ist langsam und unübersichtlich, die alte war besser.",
            "Face-ID-Login funktioniert nicht mehr, die App friert ein.",
            "Tarifwechsel in der App bricht jedes Mal mit einem Fehler ab.",
        ],
        en: &[
            "The app crashes every time I log in.",
            "Since updating to version {ver} the app keeps crashing.",
            "The app freezes while loading my bill and then closes.",
            "Login works maybe one time in three, then it crashes.",
            "Data usage in the app hasn't updated for days.",
            "The new app is slow and confusing, the old one was better.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Mein Handy ist ein {phone}, also nichts Exotisches.",
            "Neu installiert habe ich sie schon {times} Mal.",
            "Ich wollte doch nur kurz meine Rechnung ansehen.",
            "Im Browser geht es, aber dafür habe ich ja die App.",
        ],
        en: &[
            "My phone is a {phone}, nothing exotic.",
            "Reinstalled it {times} times already.",
            "I only wanted to check my bill.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "die App stürzt ständig ab",
            "die App ist sehr langsam",
            "der Login in der App klappt nicht",
        ],
        en: &[
            "the app keeps crashing",
            "the app is painfully slow",
            "app login doesn't work",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Die neue App ist richtig gut geworden.",
            "Seit Version {ver} läuft die App stabil und schnell.",
            "In der App sehe ich Verbrauch und Rechnung auf einen Blick.",
            "Tarif in der App gewechselt, hat keine 2 Minuten gedauert.",
            "Die App ist übersichtlich, alles da, was ich brauche.",
            "Die Abstürze sind endlich weg, danke!",
        ],
        en: &[
            "The new app is really good now.",
            "Since version {ver} the app is fast and stable.",
            "I can see usage and bills at a glance in the app.",
            "Changed my plan in the app in under 2 minutes.",
            "The crashes are finally gone, thanks!",
        ],
    },
    pos_detail: Bank {
        de: &[
            "Der Dark Mode ist auch nett.",
            "Die Push-Nachricht bei 80 % Datenvolumen finde ich praktisch.",
        ],
        en: &[
            "Dark mode is a nice touch.",
            "The push alert at 80 % data usage is handy.",
        ],
    },
    pos_clause: Bank {
        de: &[
            "die App läuft inzwischen stabil",
            "die App ist übersichtlich",
        ],
        en: &["the app works well now", "the app is easy to use"],
    },
};

pub(crate) const PRICE: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Viel zu teuer für das, was man bekommt.",
            "Preiserhöhung um {inc} € im Monat, ohne dass sich irgendwas verbessert hat.",
            "Neukunden bekommen den gleichen Tarif für die Hälfte – und ich als Bestandskunde?",
            "Nach der Aktionszeit zahle ich jetzt {new} statt {old}.",
            "Bei der Konkurrenz bekomme ich doppelt so viel Datenvolumen fürs gleiche Geld.",
            "Die Bereitstellungsgebühr von {setup_fee} ist eine Frechheit.",
        ],
        en: &[
            "Far too expensive for what you get.",
            "The price went up by €{inc} a month and nothing got better.",
            "New customers get the same plan for half the price – what about loyal ones?",
            "After the promo period I'm now paying {new} instead of {old}.",
            "The competition gives you twice the data for the same money.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Ich bin seit {years} Jahren treuer Kunde.",
            "Das Angebot der Konkurrenz liegt schon auf meinem Tisch.",
            "Auf meine Bitte um ein besseres Angebot kam nie eine Antwort.",
        ],
        en: &[
            "I've been a loyal customer for {years} years.",
            "I've already got a competitor's offer on the table.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "der Preis ist einfach zu hoch",
            "die Preiserhöhung ärgert mich",
            "Bestandskunden werden benachteiligt",
        ],
        en: &["the price is just too high", "the price increase annoys me"],
    },
    pos_issue: Bank {
        de: &[
            "Preis-Leistung stimmt.",
            "Faire Preise, keine versteckten Kosten.",
            "Beim Verlängern gab es ein wirklich gutes Angebot.",
            "Für {eur} im Monat kann man nicht meckern.",
        ],
        en: &[
            "Good value for money.",
            "Fair prices, no hidden costs.",
            "Got a genuinely good deal when I renewed.",
        ],
    },
    pos_detail: Bank {
        de: &["Bin über ein Vergleichsportal gewechselt und bereue es nicht."],
        en: &["Switched via a comparison site and don't regret it."],
    },
    pos_clause: Bank {
        de: &["der Preis ist fair", "das Preis-Leistungs-Verhältnis passt"],
        en: &["the price is fair", "it's good value"],
    },
};

pub(crate) const NETWORK: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Abends bricht das Internet regelmäßig ein, statt {booked} Mbit/s kommen nur {mbit} an.",
            "Ständige Verbindungsabbrüche, mehrmals am Tag.",
            "Im Haus kaum Handyempfang, in der Bahn sowieso nicht.",
            "Seit {weeks} Wochen instabiles Internet, Videokonferenzen sind unmöglich.",
            "Auf dem Land {region} hat man mit Nordwind quasi kein Netz.",
            "Der Speedtest zeigt {mbit} Mbit/s – gebucht sind {booked}.",
        ],
        en: &[
            "Internet slows to a crawl every evening, I get {mbit} Mbit/s instead of {booked}.",
            "Constant dropouts, several times a day.",
            "Barely any mobile signal indoors, let alone on the train.",
            "Unstable connection for {weeks} weeks, video calls are impossible.",
            "Speed test shows {mbit} Mbit/s – I'm paying for {booked}.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Die Störungsmeldung läuft seit dem {date}.",
            "Der Router wurde schon getauscht, hat nichts gebracht.",
            "Ich arbeite im Homeoffice und bin darauf angewiesen.",
        ],
        en: &[
            "Fault reported on {date}.",
            "The router has already been replaced, didn't help.",
            "I work from home and depend on it.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "das Internet ist abends langsam",
            "die Verbindung bricht ständig ab",
            "der Empfang ist schlecht",
        ],
        en: &[
            "the internet is slow in the evenings",
            "the connection keeps dropping",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Internet läuft stabil, auch abends volle Geschwindigkeit.",
            "Netz ist super, selbst im Urlaub an der Ostsee.",
            "Seit dem Glasfaseranschluss keine Probleme mehr.",
            "Zuverlässige Verbindung, Homeoffice ohne Aussetzer.",
        ],
        en: &[
            "Stable internet, full speed even in the evenings.",
            "Great coverage, even on holiday on the Baltic coast.",
            "No problems at all since switching to fibre.",
        ],
    },
    pos_detail: Bank {
        de: &["Der Speedtest zeigt fast die vollen {booked} Mbit/s."],
        en: &["Speed tests show nearly the full {booked} Mbit/s."],
    },
    pos_clause: Bank {
        de: &["das Netz ist stabil", "das Internet ist schnell"],
        en: &["the network is reliable", "the internet is fast"],
    },
};

pub(crate) const ORDERING: ThemeText = ThemeText {
    neg_issue: Bank {
        de: &[
            "Die Online-Bestellung ist im letzten Schritt {times} Mal abgebrochen.",
            "Eine Bestellbestätigung kam nie, ich wusste nicht, ob die Bestellung durch ist.",
            "Das Bestellformular hat meine Adresse nicht akzeptiert.",
            "Im Warenkorb stand ein anderer Preis als auf der Produktseite.",
            "Die Verfügbarkeitsprüfung sagt erst ja, dann nein.",
            "Viel zu viele Pflichtfelder und dann ein Fehler bei der Bankverbindung.",
        ],
        en: &[
            "The online order failed at the last step {times} times.",
            "Never got an order confirmation, no idea if it went through.",
            "The order form wouldn't accept my address.",
            "The basket showed a different price than the product page.",
        ],
    },
    neg_detail: Bank {
        de: &[
            "Am Ende habe ich im Shop bestellt.",
            "Ich habe es am Handy und am Laptop versucht.",
        ],
        en: &[
            "Ended up ordering in the shop.",
            "Tried on my phone and on my laptop.",
        ],
    },
    neg_clause: Bank {
        de: &[
            "die Bestellung online war umständlich",
            "die Bestätigung kam nicht",
        ],
        en: &[
            "ordering online was a pain",
            "the confirmation never arrived",
        ],
    },
    pos_issue: Bank {
        de: &[
            "Die Bestellung online war in {short_min} Minuten erledigt.",
            "Klarer Bestellprozess, alles verständlich erklärt.",
            "Bestätigung kam sofort, Lieferung am nächsten Tag.",
            "Die Verfügbarkeit an meiner Adresse wurde direkt geprüft, sehr praktisch.",
        ],
        en: &[
            "Ordering online took {short_min} minutes.",
            "Clear checkout, everything well explained.",
            "Confirmation came instantly, delivery the next day.",
        ],
    },
    pos_detail: Bank {
        de: &["Der Tarifberater auf der Website hat mir geholfen."],
        en: &["The plan finder on the website helped."],
    },
    pos_clause: Bank {
        de: &["die Bestellung war einfach", "die Lieferung kam schnell"],
        en: &["ordering was easy", "delivery was quick"],
    },
};
