//! The customer base: the 7,043 IBM Telco customers as Nordwind Telekom's customers, their
//! life with the company (when they signed, when churners cancelled), one year of
//! interaction events along the journey, and which demo responses they gave.
//!
//! Everything the file does not have is synthetic and deterministic from the seed: names,
//! e-mail addresses (`.example` domain), language, consent flags and the region (northern
//! German states; the data has no location). Contract, tenure, services, charges and churn
//! are the file's.

use serde_json::{Map, Value, json};

use crate::calendar::{DAY_MS, HOUR_MS};
use crate::rng::Rng;
use crate::telco::{self, Contract, Internet, TelcoCustomer};
use crate::{DemoAttribute, DemoCustomer, DemoEvent, DemoResponse};

/// An average month (365.25 / 12 days).
pub(crate) const MONTH_MS: i64 = 2_629_800_000;
const MINUTE_MS: i64 = 60_000;

/// Salts so that each part of the generator draws from its own streams.
const PROFILE_SALT: u64 = 0xC0FF_EE00_0000_0001;
const LIFE_SALT: u64 = 0xC0FF_EE00_0000_0002;
const EVENT_SALT: u64 = 0xC0FF_EE00_0000_0003;
const LINK_SALT: u64 = 0xC0FF_EE00_0000_0004;

/// Share of the demo responses that name a customer.
const LINKED_SHARE: f64 = 0.5;

/// The attributes the demo declares: (key, label, type).
pub(crate) const ATTRIBUTES: [(&str, &str, &str); 12] = [
    ("contract", "Vertragsart", "string"),
    ("tenure_months", "Kunde seit (Monate)", "number"),
    ("monthly_charges", "Monatsbetrag", "number"),
    ("total_charges", "Umsatz gesamt", "number"),
    ("value_tier", "Kundenwert", "string"),
    ("internet_service", "Internet", "string"),
    ("phone_service", "Telefonie", "boolean"),
    ("payment_method", "Zahlungsart", "string"),
    ("paperless_billing", "Online-Rechnung", "boolean"),
    ("senior_citizen", "Senior", "boolean"),
    ("region", "Region", "string"),
    ("churned", "Gekündigt", "boolean"),
];

pub(crate) fn attributes() -> Vec<DemoAttribute> {
    ATTRIBUTES
        .iter()
        .map(|(key, label, kind)| DemoAttribute {
            key: (*key).to_owned(),
            label: (*label).to_owned(),
            kind: (*kind).to_owned(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Who
// ---------------------------------------------------------------------------------------

const FIRST_DE_F: [&str; 24] = [
    "Anna", "Birgit", "Claudia", "Doris", "Elke", "Frauke", "Gesa", "Hanna", "Imke", "Jana",
    "Karin", "Lena", "Maren", "Nina", "Petra", "Renate", "Sabine", "Svenja", "Tanja", "Ute",
    "Wiebke", "Jörg", "Sönke", "Britta",
];
const FIRST_DE_M: [&str; 24] = [
    "Arne",
    "Bernd",
    "Christian",
    "Dirk",
    "Erik",
    "Frank",
    "Gerd",
    "Hauke",
    "Ingo",
    "Jan",
    "Klaus",
    "Lars",
    "Malte",
    "Nils",
    "Ole",
    "Peter",
    "Rolf",
    "Stefan",
    "Thomas",
    "Uwe",
    "Volker",
    "Jürgen",
    "Sönke",
    "Torben",
];
const LAST_DE: [&str; 30] = [
    "Albers",
    "Brandt",
    "Carstens",
    "Dreyer",
    "Ehlers",
    "Friedrichsen",
    "Grote",
    "Hansen",
    "Jensen",
    "Krüger",
    "Lorenzen",
    "Meyer",
    "Nissen",
    "Ohlsen",
    "Petersen",
    "Quast",
    "Rohde",
    "Schröder",
    "Thomsen",
    "Voß",
    "Wendt",
    "Harms",
    "Jacobs",
    "Köhler",
    "Lange",
    "Möller",
    "Peters",
    "Schulz",
    "Tiedemann",
    "Wulf",
];
const FIRST_EN_F: [&str; 12] = [
    "Alice", "Chloe", "Emily", "Grace", "Hannah", "Julia", "Laura", "Mia", "Olivia", "Rachel",
    "Sarah", "Zoe",
];
const FIRST_EN_M: [&str; 12] = [
    "Adam", "Ben", "Daniel", "George", "Harry", "Jack", "James", "Liam", "Noah", "Oliver", "Sam",
    "Tom",
];
const LAST_EN: [&str; 12] = [
    "Baker", "Clarke", "Evans", "Green", "Hall", "Hughes", "Khan", "Patel", "Smith", "Taylor",
    "Walker", "Wright",
];

/// Northern Germany, where Nordwind sells, weighted roughly by population.
const REGIONS: [(&str, f64); 6] = [
    ("Niedersachsen", 0.34),
    ("Hamburg", 0.20),
    ("Schleswig-Holstein", 0.18),
    ("Mecklenburg-Vorpommern", 0.10),
    ("Bremen", 0.08),
    ("Berlin", 0.10),
];

/// `ä` → `ae` and so on, for e-mail addresses.
fn ascii(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    for c in name.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

/// Bronze, silver or gold by what the customer has paid so far (the monthly amount for
/// customers not billed yet): gold from 4,000, silver from 1,000.
pub(crate) fn value_tier(c: &TelcoCustomer) -> &'static str {
    let value = c.total_charges.unwrap_or(c.monthly_charges);
    if value >= 4_000.0 {
        "gold"
    } else if value >= 1_000.0 {
        "silver"
    } else {
        "bronze"
    }
}

/// Money as the file has it, rounded to cents (the totals are already exact).
fn money(x: f64) -> Value {
    json!((x * 100.0).round() / 100.0)
}

/// What the generator decides about a customer once, independent of `now`.
struct Profile {
    german: bool,
}

fn profile(seed: u64, index: usize) -> (Profile, Rng) {
    let mut rng = Rng::stream(seed ^ PROFILE_SALT, index as u64);
    let german = !rng.chance(0.2);
    (Profile { german }, rng)
}

pub(crate) fn customer(seed: u64, index: usize, c: &TelcoCustomer) -> DemoCustomer {
    let (profile, mut rng) = profile(seed, index);
    let rng = &mut rng;
    let (first, last) = match (profile.german, c.female) {
        (true, true) => (rng.pick(&FIRST_DE_F), rng.pick(&LAST_DE)),
        (true, false) => (rng.pick(&FIRST_DE_M), rng.pick(&LAST_DE)),
        (false, true) => (rng.pick(&FIRST_EN_F), rng.pick(&LAST_EN)),
        (false, false) => (rng.pick(&FIRST_EN_M), rng.pick(&LAST_EN)),
    };
    // The id's letters keep addresses unique ("7590-VHVEG" → "…vhveg@…").
    let suffix = ascii(c.id.rsplit('-').next().unwrap_or(c.id));
    let email = format!("{}.{}.{suffix}@kunden.example", ascii(first), ascii(last));
    let consent_email = rng.chance(if c.paperless { 0.85 } else { 0.55 });
    let consent_sms = rng.chance(0.35);
    let consent_in_app = rng.chance(if c.paperless { 0.6 } else { 0.3 });
    let region = rng.weighted(&REGIONS);

    let mut attributes = Map::new();
    let mut put = |k: &str, v: Value| {
        attributes.insert(k.to_owned(), v);
    };
    put("contract", json!(c.contract.key()));
    put("tenure_months", json!(c.tenure_months));
    put("monthly_charges", money(c.monthly_charges));
    if let Some(total) = c.total_charges {
        put("total_charges", money(total));
    }
    put("value_tier", json!(value_tier(c)));
    put("internet_service", json!(c.internet.key()));
    put("phone_service", json!(c.phone_service));
    put("payment_method", json!(c.payment));
    put("paperless_billing", json!(c.paperless));
    put("senior_citizen", json!(c.senior));
    put("region", json!(region));
    put("churned", json!(c.churned));

    DemoCustomer {
        external_id: c.id.to_owned(),
        name: format!("{first} {last}"),
        email,
        language: if profile.german { "de" } else { "en" }.to_owned(),
        consent_email,
        consent_sms,
        consent_in_app,
        churned: c.churned,
        attributes,
    }
}

// ---------------------------------------------------------------------------------------
// When
// ---------------------------------------------------------------------------------------

/// A customer's time with Nordwind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Life {
    /// When the contract was signed (may lie years before the demo's year).
    pub(crate) start: i64,
    /// When a churner cancelled; `None` for customers who stay.
    pub(crate) end: Option<i64>,
}

impl Life {
    pub(crate) fn active_at(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|end| t < end)
    }

    /// The end of the customer's time in the demo: the cancellation or `now`.
    fn until(&self, now: i64) -> i64 {
        self.end.unwrap_or(now)
    }
}

/// A time on day `day_ms` (any time of that day) between 07:00 and 20:59 UTC.
fn daytime(day_ms: i64, rng: &mut Rng) -> i64 {
    let midnight = day_ms.div_euclid(DAY_MS) * DAY_MS;
    midnight + rng.range(7, 20) * HOUR_MS + rng.range(0, 59) * MINUTE_MS
}

/// Churners cancel somewhere in the demo's year; the others are still customers at `now`.
/// The tenure is the file's: a churner signed `tenure` months before cancelling, a stayer
/// `tenure` months before now (customers with tenure 0 signed in the last three weeks).
pub(crate) fn life(seed: u64, now: i64, index: usize, c: &TelcoCustomer) -> Life {
    let mut rng = Rng::stream(seed ^ LIFE_SALT, index as u64);
    let rng = &mut rng;
    if c.churned {
        let end = daytime(now - rng.range(7, 350) * DAY_MS, rng);
        let start = daytime(end - c.tenure_months.max(1) * MONTH_MS, rng);
        Life {
            start,
            end: Some(end),
        }
    } else {
        let back = if c.tenure_months == 0 {
            rng.range(2, 21) * DAY_MS
        } else {
            c.tenure_months * MONTH_MS + rng.range(0, 25) * DAY_MS
        };
        Life {
            start: daytime(now - back, rng),
            end: None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// What happened
// ---------------------------------------------------------------------------------------

struct Draft {
    tp: &'static str,
    channel: &'static str,
    kind: &'static str,
    outcome: Option<&'static str>,
    at: i64,
    properties: Map<String, Value>,
}

fn props(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn draft(
    tp: &'static str,
    channel: &'static str,
    kind: &'static str,
    outcome: Option<&'static str>,
    at: i64,
    properties: Map<String, Value>,
) -> Draft {
    Draft {
        tp,
        channel,
        kind,
        outcome,
        at,
        properties,
    }
}

/// One customer's events in the demo's year, oldest first, numbered
/// `demo-{file position}-{customerID}-001`, …: the position first, so that ids grow in the
/// order the events are stored and the unique index on them is appended to, not scattered.
pub(crate) fn customer_events(
    seed: u64,
    now: i64,
    index: usize,
    c: &TelcoCustomer,
    life: &Life,
    out: &mut Vec<DemoEvent>,
) {
    let mut rng = Rng::stream(seed ^ EVENT_SALT, index as u64);
    let rng = &mut rng;
    let window_start = now - crate::model::WINDOW_DAYS * DAY_MS;
    let until = life.until(now);
    let mut drafts: Vec<Draft> = Vec::with_capacity(24);
    let contract = json!(c.contract.key());

    // Awareness, purchase and provisioning, for customers who joined during the year.
    if life.start > window_start {
        if rng.chance(0.45) {
            let campaign = rng.pick(&["glasfaser_sommer", "familien_tarif", "wechsel_bonus"]);
            drafts.push(draft(
                "social",
                "social",
                "campaign.clicked",
                None,
                daytime(life.start - rng.range(2, 20) * DAY_MS, rng),
                props(&[("campaign", json!(campaign))]),
            ));
        }
        let (tp, channel) = if rng.chance(0.45) {
            ("shop", "store")
        } else {
            ("order", "web")
        };
        drafts.push(draft(
            tp,
            channel,
            "contract.signed",
            Some("completed"),
            life.start,
            props(&[
                ("contract", contract.clone()),
                ("monthly_charges", money(c.monthly_charges)),
            ]),
        ));
        let failure = if c.churned { 0.40 } else { 0.15 };
        if c.internet == Internet::None {
            let mut at = daytime(life.start + 2 * DAY_MS, rng);
            if rng.chance(failure) {
                drafts.push(draft(
                    "provisioning",
                    "web",
                    "sim.activation",
                    Some("failed"),
                    at,
                    Map::new(),
                ));
                at = daytime(at + rng.range(1, 4) * DAY_MS, rng);
            }
            drafts.push(draft(
                "provisioning",
                "web",
                "sim.activation",
                Some("activated"),
                at,
                Map::new(),
            ));
        } else {
            let technology = json!(c.internet.key());
            drafts.push(draft(
                "provisioning",
                "letter",
                "installation.scheduled",
                Some("confirmed"),
                daytime(life.start + DAY_MS, rng),
                props(&[("technology", technology.clone())]),
            ));
            let mut at = daytime(life.start + rng.range(5, 10) * DAY_MS, rng);
            if rng.chance(failure) {
                drafts.push(draft(
                    "provisioning",
                    "field",
                    "installation.appointment",
                    Some("technician_no_show"),
                    at,
                    props(&[("technology", technology.clone())]),
                ));
                at = daytime(at + rng.range(4, 12) * DAY_MS, rng);
            }
            drafts.push(draft(
                "provisioning",
                "field",
                "installation.appointment",
                Some("completed"),
                at,
                props(&[("technology", technology.clone())]),
            ));
            drafts.push(draft(
                "provisioning",
                "email",
                "line.activated",
                Some("activated"),
                at + HOUR_MS,
                props(&[("technology", technology)]),
            ));
        }
    }

    // Usage: app sessions spread over the customer's part of the year.
    let from = life.start.max(window_start);
    let span = until - from;
    if span > DAY_MS {
        let sessions = if c.paperless {
            rng.range(1, 3)
        } else {
            rng.range(0, 1)
        };
        for _ in 0..sessions {
            let feature = rng.pick(&["invoice", "data_usage", "tariff", "roaming"]);
            drafts.push(draft(
                "app",
                "app",
                "app.session",
                None,
                daytime(from + rng.range(0, span - 1), rng),
                props(&[("feature", json!(feature))]),
            ));
        }
    }

    // Billing: one invoice a month after signing, while the contract runs.
    let first = ((window_start - life.start).div_euclid(MONTH_MS) + 1).max(1);
    let reminder = match (c.churned, c.payment) {
        (true, "electronic_check") => 0.14,
        (true, _) => 0.08,
        (false, "electronic_check") => 0.05,
        (false, _) => 0.02,
    };
    let mut k = first;
    loop {
        let at = life.start + k * MONTH_MS;
        if at >= until {
            break;
        }
        if at > window_start {
            let paid = !rng.chance(reminder);
            drafts.push(draft(
                "invoice",
                if c.paperless { "email" } else { "letter" },
                "invoice.issued",
                Some(if paid { "paid" } else { "payment_reminder" }),
                at,
                props(&[("amount", money(c.monthly_charges))]),
            ));
        }
        k += 1;
    }

    // Support: churners call, chat and visit more, and more often without a solution,
    // mostly in the months before they cancel.
    let contacts = if c.churned {
        rng.range(2, 5)
    } else {
        rng.weighted(&[(0, 0.45), (1, 0.33), (2, 0.15), (3, 0.07)])
    };
    for _ in 0..contacts {
        let at = match life.end {
            Some(end) => end - rng.range(2, 100) * DAY_MS,
            None => from + rng.range(0, (now - from).max(1) - 1),
        };
        let at = daytime(at, rng);
        if at <= from || at >= until {
            continue;
        }
        let (tp, channel) = rng.weighted(&[
            (("hotline", "phone"), 0.55),
            (("chat", "chat"), 0.30),
            (("shop", "store"), 0.15),
        ]);
        let outcome = if c.churned {
            rng.weighted(&[
                ("resolved", 0.45),
                ("unresolved", 0.35),
                ("escalated", 0.20),
            ])
        } else {
            rng.weighted(&[
                ("resolved", 0.82),
                ("unresolved", 0.12),
                ("escalated", 0.06),
            ])
        };
        let topic = rng.weighted(&[
            ("billing", 0.3),
            ("network", 0.25),
            ("contract", 0.15),
            ("device", 0.15),
            ("tariff", 0.15),
        ]);
        let mut properties = props(&[("topic", json!(topic))]);
        if tp == "hotline" {
            properties.insert("minutes".to_owned(), json!(rng.range(3, 45)));
        }
        drafts.push(draft(
            tp,
            channel,
            "support.contact",
            Some(outcome),
            at,
            properties,
        ));
    }

    // Renewal: churners decline an offer and cancel; the others renew on their anniversary.
    match life.end {
        Some(end) => {
            if rng.chance(0.6) {
                drafts.push(draft(
                    "renewal",
                    "phone",
                    "retention.offer",
                    Some("declined"),
                    daytime(end - rng.range(3, 14) * DAY_MS, rng),
                    props(&[("contract", contract.clone())]),
                ));
            }
            let reason = if drafts
                .iter()
                .any(|d| d.outcome == Some("unresolved") || d.outcome == Some("escalated"))
            {
                "service"
            } else if c.monthly_charges >= 80.0 {
                "price"
            } else {
                rng.pick(&["competitor", "network", "moving"])
            };
            let channel = rng.weighted(&[("phone", 0.5), ("letter", 0.3), ("web", 0.2)]);
            drafts.push(draft(
                "renewal",
                channel,
                "contract.cancelled",
                Some("churned"),
                end,
                props(&[("contract", contract.clone()), ("reason", json!(reason))]),
            ));
        }
        None => {
            // Monthly contracts are confirmed once a year; fixed terms renew at their end.
            let term = match c.contract {
                Contract::MonthToMonth => 12,
                other => other.months(),
            };
            let mut k = 1;
            loop {
                let at = life.start + k * term * MONTH_MS;
                if at >= now {
                    break;
                }
                if at > window_start {
                    let channel = rng.weighted(&[("web", 0.4), ("phone", 0.35), ("letter", 0.25)]);
                    drafts.push(draft(
                        "renewal",
                        channel,
                        "contract.renewed",
                        Some("renewed"),
                        at,
                        props(&[
                            ("contract", contract.clone()),
                            ("term_months", json!(c.contract.months())),
                        ]),
                    ));
                }
                k += 1;
            }
        }
    }

    // Keep only what lies in the demo's year and in the customer's time, oldest first.
    drafts.retain(|d| d.at > window_start && d.at < now && d.at >= life.start - 30 * DAY_MS);
    drafts.retain(|d| life.end.is_none_or(|end| d.at <= end));
    drafts.sort_by_key(|d| d.at);
    for (n, d) in drafts.into_iter().enumerate() {
        out.push(DemoEvent {
            external_id: format!("demo-{:04}-{}-{:03}", index + 1, c.id, n + 1),
            customer_external_id: c.id.to_owned(),
            touchpoint_key: d.tp.to_owned(),
            channel: d.channel.to_owned(),
            kind: d.kind.to_owned(),
            outcome: d.outcome.map(str::to_owned),
            occurred_at_ms: d.at,
            properties: d.properties,
        });
    }
}

// ---------------------------------------------------------------------------------------
// Who answered
// ---------------------------------------------------------------------------------------

/// The customer base as the response linker needs it.
pub(crate) struct Population {
    ids: Vec<&'static str>,
    lives: Vec<Life>,
    german: Vec<bool>,
    churners: Vec<usize>,
    stayers: Vec<usize>,
}

impl Population {
    pub(crate) fn new(seed: u64, now: i64) -> Population {
        let all = telco::customers();
        let mut p = Population {
            ids: Vec::with_capacity(all.len()),
            lives: Vec::with_capacity(all.len()),
            german: Vec::with_capacity(all.len()),
            churners: Vec::new(),
            stayers: Vec::new(),
        };
        for (i, c) in all.iter().enumerate() {
            p.ids.push(c.id);
            p.lives.push(life(seed, now, i, c));
            p.german.push(profile(seed, i).0.german);
            if c.churned {
                p.churners.push(i);
            } else {
                p.stayers.push(i);
            }
        }
        p
    }

    /// The customer who gave response `index`, if it names one: half of the responses do.
    /// Unhappy answers come mostly from customers who later cancel (detractors and low
    /// CSAT at the hotline, chat and shop even more so), happy ones mostly from those who
    /// stay; the customer was a customer at the time and speaks the response's language.
    pub(crate) fn link(&self, seed: u64, index: usize, r: &DemoResponse) -> Option<String> {
        let mut rng = Rng::stream(seed ^ LINK_SALT, index as u64);
        if !rng.chance(LINKED_SHARE) || self.ids.is_empty() {
            return None;
        }
        let class = mood(r)?;
        let support = matches!(
            r.touchpoint_key.as_deref(),
            Some("hotline" | "chat" | "shop")
        );
        let p_churner = match class {
            Mood::Bad if support => 0.72,
            Mood::Bad => 0.60,
            Mood::Neutral => 0.25,
            Mood::Good => 0.08,
        };
        let pool = if rng.chance(p_churner) && !self.churners.is_empty() {
            &self.churners
        } else if !self.stayers.is_empty() {
            &self.stayers
        } else {
            &self.churners
        };
        let german = r.language == "de";
        for _ in 0..16 {
            let i = pool[rng.index(pool.len())];
            if self.lives[i].active_at(r.submitted_at_ms) && self.german[i] == german {
                return Some(self.ids[i].to_owned());
            }
        }
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mood {
    Bad,
    Neutral,
    Good,
}

/// The response's experience, by its metric answer (detractor / passive / promoter, and the
/// same cut for CSAT and CES).
fn mood(r: &DemoResponse) -> Option<Mood> {
    let (score, good, neutral) = if let Some(s) = r.answers.get("nps") {
        (s.as_i64()?, 9, 7)
    } else if let Some(s) = r.answers.get("csat") {
        (s.as_i64()?, 4, 3)
    } else {
        (r.answers.get("ces")?.as_i64()?, 5, 4)
    };
    Some(if score >= good {
        Mood::Good
    } else if score >= neutral {
        Mood::Neutral
    } else {
        Mood::Bad
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_and_ascii() {
        let mut c = telco::customers()[0].clone();
        c.total_charges = Some(4_000.0);
        assert_eq!(value_tier(&c), "gold");
        c.total_charges = Some(999.99);
        assert_eq!(value_tier(&c), "bronze");
        c.total_charges = None;
        c.monthly_charges = 1_000.0;
        assert_eq!(value_tier(&c), "silver");
        assert_eq!(ascii("Jörg Voß-Müller"), "joergvossmueller");
    }

    #[test]
    fn lives_follow_the_file() {
        let now = 1_795_435_200_000;
        for (i, c) in telco::customers().iter().enumerate().take(500) {
            let l = life(7, now, i, c);
            assert!(l.start < now);
            match l.end {
                Some(end) => {
                    assert!(c.churned);
                    assert!(end < now && end > now - 365 * DAY_MS, "{}", c.id);
                    let months = (end - l.start) as f64 / MONTH_MS as f64;
                    assert!((months - c.tenure_months.max(1) as f64).abs() < 0.1);
                }
                None => {
                    assert!(!c.churned);
                    let months = (now - l.start) as f64 / MONTH_MS as f64;
                    assert!(months >= c.tenure_months as f64 - 0.1, "{}", c.id);
                    assert!(months < c.tenure_months as f64 + 1.0, "{}", c.id);
                }
            }
        }
    }
}
