//! Deterministic demo data for Touchpoint: one year in the life of **Nordwind Telekom**, a
//! (fictional) northern German telecom provider.
//!
//! [`dataset`] gives the organisation, its touchpoints and three surveys; [`responses`]
//! gives a year of answers to them. The same `(seed, now_ms, count)` always gives exactly
//! the same responses, on every machine and after every dependency upgrade: the random
//! numbers come from a small xoshiro256** generator in this crate, and only IEEE basic
//! arithmetic is used on floats.
//!
//! [`customers`] gives the 7,043 customers of the IBM Telco Customer Churn sample
//! (Apache-2.0, embedded unchanged from `resources/`, see `resources/ATTRIBUTION.md`) with
//! synthetic names, `.example` addresses, consent flags and regions; [`events`] a year of
//! their interactions along the journey; and about half of the [`responses`] name one of
//! them. See "Customers and churn" below.
//!
//! # What belongs here
//! Pure data generation: no IO, no clock reads (`now_ms` is passed in), no database or HTTP
//! types. Loading the data into a store is the caller's business (`touchpoint demo`).
//!
//! # Surveys
//! - `rnps` — "Relationship NPS": `nps` (required), `reason` (single choice: network,
//!   price, service, billing, app, installation, other), `why` (text). Each response names
//!   the customer's last contact as its touchpoint; any of the eight touchpoints.
//! - `csat` — "Post-contact CSAT": `csat` (required), `resolved` (rating 1–10), `improve`
//!   (multi choice), `comment` (text); touchpoints hotline, shop, chat, app, invoice.
//! - `ces` — "CES after provisioning" (touchpoint `provisioning`): `ces` (required),
//!   `setup` (single choice: self, technician, sim), `comment` (text).
//!
//! Responses are about 35 % rNPS, 50 % CSAT, 15 % CES; 75 % German and 25 % English; about
//! 60 % carry a comment (detractors comment more often). Volume varies by weekday (Monday
//! busiest, Sunday quietest), by month (January and autumn busy, summer quiet) and grows
//! slowly over the year; the shop gets busier in November and December. Submission times
//! lie between 06:00 and 22:00 UTC, so the weekday is the same in UTC and in Germany.
//!
//! # Patterns a manager should find
//! Built into the score distributions and each checked by a test in `tests/patterns.rs`:
//! 1. **Invoice CSAT falls over the last three months.** A new invoice format went live 90
//!    days before `now`; top-2-box for the invoice touchpoint drops from about 78 % to about
//!    52 % by `now` (linearly), and invoice feedback volume rises by half. Comments start
//!    naming the new format ("Seit der Umstellung auf das neue Rechnungsformat …").
//! 2. **The hotline is worse on Mondays.** Top-2-box about 46 % on Mondays against 72 % on
//!    other days (NPS about 50 points lower), with more hotline traffic on Mondays; Monday
//!    complaints are mostly about waiting time.
//! 3. **The app improves after its relaunch.** Version 5.0 shipped 330 days before `now`
//!    and started at about 44 % top-2-box (64 % for the old app before it), climbing
//!    linearly to about 86 % at `now`; early complaints are about crashes.
//! 4. **Provisioning effort is high when the technician is late.** CES overall is modest
//!    (about 60 % "easy"), but installations with a technician appointment that slipped
//!    (45 % of technician installations) are at about 10 % easy; their comments talk about
//!    the technician not showing up or being rescheduled.
//! 5. **Detractor comments are themed** by touchpoint: billing errors (invoice), waiting
//!    time (hotline), rude vs. friendly staff (shop, hotline, chat), slow activation and
//!    technician delays (provisioning), app crashes (app), price and network (relationship
//!    survey). Comment sentiment follows the score, with some noise ("Gut, aber …").

//!
//! # Customers and churn
//! Every customer lives by the file: stayers signed `tenure` months before `now`, churners
//! cancel on a day within the year and signed `tenure` months before that. Their events, one
//! year up to `now`: campaign clicks, the signed contract (shop or online), installation
//! (appointment, sometimes a technician who did not come, activation) or SIM activation, app
//! sessions, a monthly invoice, support contacts (hotline, chat, shop) and at the renewal
//! touchpoint (`renewal`, only events) either a renewal on the anniversary or a declined
//! retention offer and the cancellation. Churners have about four times the support contacts,
//! more of them unresolved, and more failed installations. Checked in `tests/customers.rs`:
//! the linked relationship NPS of churners is far below the others' (about −53 against +21
//! with the default seed), detractors are concentrated among them, and their CSAT at the
//! service touchpoints is lower.

mod calendar;
mod catalog;
mod comments;
mod crm;
mod model;
mod rng;
mod telco;

use serde::Serialize;

/// The seed the `touchpoint demo` command uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 20261123;
/// The number of responses the `touchpoint demo` command generates unless told otherwise.
pub const DEFAULT_RESPONSES: usize = 24_000;

/// The fixed part of the demo: organisation, touchpoints and surveys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoDataset {
    pub organisation_name: String,
    pub touchpoints: Vec<DemoTouchpoint>,
    pub surveys: Vec<DemoSurvey>,
    pub journey: DemoJourney,
}

/// The telecom journey the touchpoints are placed in, stage by stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoJourney {
    pub name: String,
    pub description: String,
    /// `(stage name, touchpoint keys in order)`.
    pub stages: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoTouchpoint {
    /// Stable key (`shop`, `order`, `provisioning`, `invoice`, `hotline`, `app`, `chat`,
    /// `social`) that surveys and responses refer to.
    pub key: String,
    /// Display name (German, like the rest of the organisation's setup).
    pub name: String,
    /// One of web, app, email, phone, store, chat, social, letter.
    pub channel: String,
    /// The experience the touchpoint should give.
    pub description: String,
    /// Whether it is a moment of truth (provisioning and the hotline).
    pub moment_of_truth: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoSurvey {
    /// `rnps`, `csat` or `ces`.
    pub key: String,
    /// The touchpoint the survey belongs to, if it belongs to exactly one.
    pub touchpoint_key: Option<String>,
    /// The JSON body of `POST /api/v1/surveys` (without the touchpoint).
    pub definition: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoResponse {
    pub survey_key: String,
    /// The touchpoint the response is about (for `rnps`: the customer's last contact).
    pub touchpoint_key: Option<String>,
    /// `de` or `en`.
    pub language: String,
    /// How the survey reached the respondent: web, email, sms, app or qr.
    pub channel: String,
    /// Unix milliseconds, UTC.
    pub submitted_at_ms: i64,
    /// Question id → integer (scores, ratings), option id (single choice), array of
    /// option ids (multi choice) or string (text). Skipped optional questions are absent.
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// Unique and deterministic: `demo-000001`, `demo-000002`, … in time order.
    pub external_id: String,
    /// The Telco customer who answered (their `customerID`), for about half of the
    /// responses; see [`customers`].
    pub customer_external_id: Option<String>,
}

/// An attribute the demo declares for its customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoAttribute {
    pub key: String,
    /// German, like the rest of the organisation's setup.
    pub label: String,
    /// `string`, `number` or `boolean`.
    pub kind: String,
}

/// One customer of the demo: a row of the IBM Telco file with synthetic contact data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoCustomer {
    /// The file's `customerID`, e.g. `7590-VHVEG`.
    pub external_id: String,
    /// Synthetic: German or English first and last name (by the file's gender).
    pub name: String,
    /// Synthetic, in the reserved `.example` domain.
    pub email: String,
    /// `de` or `en`.
    pub language: String,
    pub consent_email: bool,
    pub consent_sms: bool,
    pub consent_in_app: bool,
    /// Whether the customer cancelled (the file's `Churn`; also the `churned` attribute).
    pub churned: bool,
    /// Attribute key → JSON value, keys as in [`attributes`]; `total_charges` is absent
    /// for the 11 customers not billed yet.
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// One interaction event of a demo customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoEvent {
    /// `demo-0001-7590-VHVEG-001`, …: the customer's position in the file, its `customerID`
    /// and the event's number in time order.
    pub external_id: String,
    pub customer_external_id: String,
    /// A key of [`DemoDataset::touchpoints`].
    pub touchpoint_key: String,
    /// web, app, email, phone, store, chat, social, letter or field (a technician on site).
    pub channel: String,
    /// `contract.signed`, `installation.appointment`, `invoice.issued`, `support.contact`,
    /// `contract.cancelled`, … (see the crate docs).
    pub kind: String,
    pub outcome: Option<String>,
    pub occurred_at_ms: i64,
    pub properties: serde_json::Map<String, serde_json::Value>,
}

/// Organisation, touchpoints and surveys of the demo.
pub fn dataset() -> DemoDataset {
    DemoDataset {
        organisation_name: catalog::ORGANISATION_NAME.to_owned(),
        touchpoints: catalog::touchpoints(),
        surveys: catalog::surveys(),
        journey: catalog::journey(),
    }
}

/// Deterministic from (seed, now_ms); responses sorted by submitted_at_ms ascending; all
/// within the 365 days before now_ms, none in the future.
///
/// Patterns are placed relative to `now_ms` (see the crate docs), so a demo loaded today
/// shows last quarter's invoice problem as last quarter's.
///
/// About half of the responses name a Telco customer (`customer_external_id`) who was a
/// customer at the time and speaks the response's language; unhappy answers come mostly
/// from customers who later churn. Linking draws from its own random streams, so the
/// responses themselves are the same as without it.
pub fn responses(seed: u64, now_ms: i64, count: usize) -> Vec<DemoResponse> {
    let timeline = model::Timeline::new(now_ms);
    let population = crm::Population::new(seed, now_ms);
    model::timestamps(seed, &timeline, count)
        .into_iter()
        .enumerate()
        .map(|(index, t)| {
            let mut response = model::response(seed, &timeline, index, t);
            response.customer_external_id = population.link(seed, index, &response);
            response
        })
        .collect()
}

/// The attributes the demo declares for its customers (contract, tenure_months,
/// monthly_charges, total_charges, value_tier, internet_service, phone_service,
/// payment_method, paperless_billing, senior_citizen, region, churned).
pub fn attributes() -> Vec<DemoAttribute> {
    crm::attributes()
}

/// All 7,043 customers of the IBM Telco file, in file order; synthetic parts deterministic
/// from `seed`.
pub fn customers(seed: u64) -> Vec<DemoCustomer> {
    telco::customers()
        .iter()
        .enumerate()
        .map(|(i, c)| crm::customer(seed, i, c))
        .collect()
}

/// Every customer's events in the 365 days before `now_ms`, grouped by customer (file
/// order) and oldest first within a customer; deterministic from `(seed, now_ms)`.
pub fn events(seed: u64, now_ms: i64) -> Vec<DemoEvent> {
    let mut out = Vec::with_capacity(120_000);
    for (i, c) in telco::customers().iter().enumerate() {
        let life = crm::life(seed, now_ms, i, c);
        crm::customer_events(seed, now_ms, i, c, &life, &mut out);
    }
    out
}
