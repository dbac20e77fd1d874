//! The fixed part of the demo: the company's touchpoints and its three surveys.

use serde_json::{Value, json};

/// The touchpoints of Nordwind Telekom's customer journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tp {
    Shop,
    Order,
    Provisioning,
    Invoice,
    Hotline,
    App,
    Chat,
    Social,
}

impl Tp {
    pub(crate) const ALL: [Tp; 8] = [
        Tp::Shop,
        Tp::Order,
        Tp::Provisioning,
        Tp::Invoice,
        Tp::Hotline,
        Tp::App,
        Tp::Chat,
        Tp::Social,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Tp::Shop => "shop",
            Tp::Order => "order",
            Tp::Provisioning => "provisioning",
            Tp::Invoice => "invoice",
            Tp::Hotline => "hotline",
            Tp::App => "app",
            Tp::Chat => "chat",
            Tp::Social => "social",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Tp::Shop => "Shop-Besuch",
            Tp::Order => "Online-Bestellung",
            Tp::Provisioning => "Anschluss & Aktivierung",
            Tp::Invoice => "Monatsrechnung",
            Tp::Hotline => "Service-Hotline",
            Tp::App => "Nordwind App",
            Tp::Chat => "Live-Chat",
            Tp::Social => "Social Media",
        }
    }

    /// The experience the touchpoint should give.
    fn promise(self) -> &'static str {
        match self {
            Tp::Shop => "Kompetente Beratung ohne Wartezeit",
            Tp::Order => "Bestellung in fünf Minuten, ohne Rückfragen",
            Tp::Provisioning => "Anschluss funktioniert am vereinbarten Tag",
            Tp::Invoice => "Verständliche Rechnung ohne Überraschungen",
            Tp::Hotline => "Anliegen im ersten Anruf gelöst",
            Tp::App => "Alles Wichtige in zwei Fingertipps",
            Tp::Chat => "Antwort innerhalb von zwei Minuten",
            Tp::Social => "Ehrliche Antworten am selben Tag",
        }
    }

    /// The touchpoint's channel (one of web, app, email, phone, store, chat, social, letter).
    fn channel(self) -> &'static str {
        match self {
            Tp::Shop => "store",
            Tp::Order => "web",
            // Order confirmation, switch-over date and access codes arrive by letter.
            Tp::Provisioning => "letter",
            Tp::Invoice => "email",
            Tp::Hotline => "phone",
            Tp::App => "app",
            Tp::Chat => "chat",
            Tp::Social => "social",
        }
    }
}

/// The three demo surveys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Rnps,
    Csat,
    Ces,
}

impl Kind {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Kind::Rnps => "rnps",
            Kind::Csat => "csat",
            Kind::Ces => "ces",
        }
    }

    /// Id of the free-text question of this survey.
    pub(crate) fn comment_question(self) -> &'static str {
        match self {
            Kind::Rnps => "why",
            Kind::Csat | Kind::Ces => "comment",
        }
    }
}

pub(crate) const ORGANISATION_NAME: &str = "Nordwind Telekom";

pub(crate) fn touchpoints() -> Vec<crate::DemoTouchpoint> {
    Tp::ALL
        .iter()
        .map(|tp| crate::DemoTouchpoint {
            key: tp.key().to_owned(),
            name: tp.name().to_owned(),
            channel: tp.channel().to_owned(),
            description: tp.promise().to_owned(),
            moment_of_truth: matches!(tp, Tp::Provisioning | Tp::Hotline),
        })
        .chain(std::iter::once(crate::DemoTouchpoint {
            key: RENEWAL.to_owned(),
            name: "Vertragsverlängerung & Kündigung".to_owned(),
            channel: "phone".to_owned(),
            description: "Faires Angebot vor Vertragsende, Kündigung ohne Hürden".to_owned(),
            moment_of_truth: true,
        }))
        .collect()
}

/// The renewal stage's touchpoint: only events happen here (offers, renewals,
/// cancellations); no survey asks about it.
pub(crate) const RENEWAL: &str = "renewal";

/// Awareness → purchase → provisioning → usage → billing → support → renewal.
pub(crate) fn journey() -> crate::DemoJourney {
    let stage = |name: &str, tps: &[Tp]| {
        (
            name.to_owned(),
            tps.iter().map(|tp| tp.key().to_owned()).collect(),
        )
    };
    crate::DemoJourney {
        name: "Mobilfunk & Festnetz".to_owned(),
        description: "Vom ersten Kontakt bis zur Vertragsverlängerung".to_owned(),
        stages: vec![
            stage("Aufmerksamkeit", &[Tp::Social]),
            stage("Kauf", &[Tp::Shop, Tp::Order]),
            stage("Bereitstellung", &[Tp::Provisioning]),
            stage("Nutzung", &[Tp::App]),
            stage("Abrechnung", &[Tp::Invoice]),
            stage("Service", &[Tp::Hotline, Tp::Chat]),
            ("Verlängerung".to_owned(), vec![RENEWAL.to_owned()]),
        ],
    }
}

fn text(de: &str, en: &str) -> Value {
    json!({ "de": de, "en": en })
}

fn option(id: &str, de: &str, en: &str) -> Value {
    json!({ "id": id, "text": text(de, en) })
}

/// Option ids of the relationship survey's "main reason" question.
pub(crate) const REASONS: [&str; 7] = [
    "network",
    "price",
    "service",
    "billing",
    "app",
    "installation",
    "other",
];

/// Option ids of the CSAT survey's "what should we improve" question.
pub(crate) const IMPROVE: [&str; 7] = [
    "waiting_time",
    "friendliness",
    "expertise",
    "solution",
    "billing",
    "app",
    "price",
];

fn rnps() -> crate::DemoSurvey {
    let definition = json!({
        "name": "Relationship NPS",
        "languages": ["de", "en"],
        "questions": [
            {
                "id": "nps", "type": "nps", "required": true,
                "text": text(
                    "Wie wahrscheinlich ist es, dass Sie Nordwind Telekom Freunden oder Kollegen weiterempfehlen?",
                    "How likely are you to recommend Nordwind Telekom to a friend or colleague?"),
            },
            {
                "id": "reason", "type": "single_choice",
                "text": text(
                    "Was ist der wichtigste Grund für Ihre Bewertung?",
                    "What is the main reason for your score?"),
                "options": [
                    option("network", "Netzqualität und Geschwindigkeit", "Network quality and speed"),
                    option("price", "Preis-Leistungs-Verhältnis", "Value for money"),
                    option("service", "Kundenservice", "Customer service"),
                    option("billing", "Rechnung", "Billing"),
                    option("app", "App und Online-Kundencenter", "App and online account"),
                    option("installation", "Anschluss und Einrichtung", "Connection and setup"),
                    option("other", "Sonstiges", "Something else"),
                ],
            },
            {
                "id": "why", "type": "text",
                "text": text("Warum haben Sie diese Bewertung gegeben?", "Why did you give this score?"),
            },
        ],
    });
    crate::DemoSurvey {
        key: Kind::Rnps.key().to_owned(),
        touchpoint_key: None,
        definition,
    }
}

fn csat() -> crate::DemoSurvey {
    let definition = json!({
        "name": "Post-contact CSAT",
        "languages": ["de", "en"],
        "questions": [
            {
                "id": "csat", "type": "csat", "required": true,
                "text": text(
                    "Wie zufrieden waren Sie mit Ihrem letzten Kontakt mit uns?",
                    "How satisfied were you with your recent contact with us?"),
            },
            {
                "id": "resolved", "type": "rating", "min": 1, "max": 10,
                "text": text(
                    "Wie gut wurde Ihr Anliegen gelöst? (1 = gar nicht, 10 = vollständig)",
                    "How well was your request resolved? (1 = not at all, 10 = completely)"),
            },
            {
                "id": "improve", "type": "multi_choice",
                "text": text("Was sollten wir verbessern?", "What should we improve?"),
                "options": [
                    option("waiting_time", "Wartezeit", "Waiting time"),
                    option("friendliness", "Freundlichkeit", "Friendliness"),
                    option("expertise", "Fachkompetenz", "Expertise"),
                    option("solution", "Lösung meines Anliegens", "Solving my issue"),
                    option("billing", "Verständliche Rechnung", "Clear invoices"),
                    option("app", "Stabilität der App", "App stability"),
                    option("price", "Preise", "Prices"),
                ],
            },
            {
                "id": "comment", "type": "text",
                "text": text(
                    "Möchten Sie uns noch etwas mitteilen?",
                    "Is there anything else you would like to tell us?"),
            },
        ],
    });
    crate::DemoSurvey {
        key: Kind::Csat.key().to_owned(),
        touchpoint_key: None,
        definition,
    }
}

/// Option ids of the CES survey's "how was it set up" question.
pub(crate) const SETUP_SELF: &str = "self";
pub(crate) const SETUP_TECHNICIAN: &str = "technician";
pub(crate) const SETUP_SIM: &str = "sim";

fn ces() -> crate::DemoSurvey {
    let definition = json!({
        "name": "CES after provisioning",
        "languages": ["de", "en"],
        "questions": [
            {
                "id": "ces", "type": "ces", "required": true,
                "text": text(
                    "Wie einfach war es, Ihren Anschluss in Betrieb zu nehmen? (1 = sehr schwierig, 7 = sehr einfach)",
                    "How easy was it to get your connection up and running? (1 = very difficult, 7 = very easy)"),
            },
            {
                "id": "setup", "type": "single_choice",
                "text": text("Wie wurde Ihr Anschluss eingerichtet?", "How was your connection set up?"),
                "options": [
                    option(SETUP_SELF, "Selbst eingerichtet (Router)", "I set it up myself (router)"),
                    option(SETUP_TECHNICIAN, "Mit Techniker-Termin", "With a technician appointment"),
                    option(SETUP_SIM, "Nur SIM- oder Tarifaktivierung", "SIM or plan activation only"),
                ],
            },
            {
                "id": "comment", "type": "text",
                "text": text(
                    "Was hätte es Ihnen leichter gemacht?",
                    "What would have made it easier for you?"),
            },
        ],
    });
    crate::DemoSurvey {
        key: Kind::Ces.key().to_owned(),
        touchpoint_key: Some(Tp::Provisioning.key().to_owned()),
        definition,
    }
}

pub(crate) fn surveys() -> Vec<crate::DemoSurvey> {
    vec![rnps(), csat(), ces()]
}
