//! The response model: when people answer, which survey, and how satisfied they are.
//!
//! Every response gets a "quality" `q` in `[0, 1]` from its touchpoint and time (this is
//! where the discoverable patterns live, see the crate docs), and `q` is turned into a score:
//! for CSAT `q` is the chance of a 4 or 5, for CES the chance of a 5–7, for NPS the share
//! of promoters is `q − 0.38` and of detractors `0.95 − q`. The comment's sentiment follows
//! the score (with a little noise) and its theme follows the touchpoint.

use serde_json::{Map, Value};

use crate::DemoResponse;
use crate::calendar::{self, DAY_MS, HOUR_MS};
use crate::catalog::{self, Kind, Tp};
use crate::comments::{self, Brief, Lang, Scene, Sentiment, Theme};
use crate::rng::Rng;

pub(crate) const WINDOW_DAYS: i64 = 365;
/// The new invoice format went live this many days before `now`.
pub(crate) const INVOICE_CHANGE_DAYS: i64 = 90;
/// The relaunched app (version 5.0) shipped this many days before `now`.
pub(crate) const APP_RELAUNCH_DAYS: i64 = 330;

/// The fixed points of one generated year.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeline {
    now: i64,
    /// Exclusive lower bound: responses are in `(start, now]`.
    start: i64,
    invoice_change: i64,
    app_relaunch: i64,
}

impl Timeline {
    pub(crate) fn new(now: i64) -> Self {
        Self {
            now,
            start: now - WINDOW_DAYS * DAY_MS,
            invoice_change: now - INVOICE_CHANGE_DAYS * DAY_MS,
            app_relaunch: now - APP_RELAUNCH_DAYS * DAY_MS,
        }
    }
}

// ---------------------------------------------------------------------------------------
// When
// ---------------------------------------------------------------------------------------

/// Monday … Sunday: Mondays are busiest, Sundays quiet.
const WEEKDAY_VOLUME: [f64; 7] = [1.25, 1.10, 1.05, 1.0, 0.95, 0.70, 0.50];
/// January (bills after the holidays) and autumn are busy, the summer holidays quiet.
const MONTH_VOLUME: [f64; 12] = [
    1.15, 1.05, 1.0, 0.95, 0.95, 0.90, 0.80, 0.80, 1.0, 1.05, 1.10, 1.05,
];
/// Hours 06–21 UTC (07/08–22/23 in Germany): mornings and evenings peak.
const HOUR_VOLUME: [(i64, f64); 16] = [
    (6, 2.0),
    (7, 4.0),
    (8, 6.0),
    (9, 7.0),
    (10, 7.0),
    (11, 6.0),
    (12, 6.0),
    (13, 5.0),
    (14, 5.0),
    (15, 5.0),
    (16, 6.0),
    (17, 7.0),
    (18, 8.0),
    (19, 7.0),
    (20, 5.0),
    (21, 3.0),
];

/// `count` submission times in `(now − 365 days, now]`, sorted ascending.
pub(crate) fn timestamps(seed: u64, tl: &Timeline, count: usize) -> Vec<i64> {
    let mut rng = Rng::stream(seed, u64::MAX);
    let first_day = calendar::day_number(tl.start + 1);
    let last_day = calendar::day_number(tl.now);
    let days = (last_day - first_day + 1) as usize;
    let mut cumulative = Vec::with_capacity(days);
    let mut total = 0.0;
    for i in 0..days {
        let ms = (first_day + i as i64) * DAY_MS;
        let weekday = calendar::weekday(ms) as usize;
        let month = calendar::date(ms).month as usize;
        // The survey programme grows a little over the year.
        let trend = 0.9 + 0.2 * (i as f64 / days as f64);
        total += WEEKDAY_VOLUME[weekday] * MONTH_VOLUME[month - 1] * trend;
        cumulative.push(total);
    }
    let mut out: Vec<i64> = (0..count)
        .map(|_| {
            for _ in 0..64 {
                let x = rng.unit() * total;
                let day = cumulative.partition_point(|&c| c <= x).min(days - 1);
                let hour = rng.weighted(&HOUR_VOLUME);
                let t =
                    (first_day + day as i64) * DAY_MS + hour * HOUR_MS + rng.range(0, HOUR_MS - 1);
                if t > tl.start && t <= tl.now {
                    return t;
                }
            }
            // Only reachable if `now` sits at the very edge of a day, and then rarely.
            tl.now - rng.range(0, HOUR_MS)
        })
        .collect();
    out.sort_unstable();
    out
}

// ---------------------------------------------------------------------------------------
// Which survey, which touchpoint
// ---------------------------------------------------------------------------------------

/// (survey, touchpoint, base share). Relationship NPS 35 %, CSAT 50 %, CES 15 %.
const MIX: [(Kind, Tp, f64); 14] = [
    (Kind::Rnps, Tp::Shop, 0.35 * 0.14),
    (Kind::Rnps, Tp::Order, 0.35 * 0.12),
    (Kind::Rnps, Tp::Provisioning, 0.35 * 0.10),
    (Kind::Rnps, Tp::Invoice, 0.35 * 0.16),
    (Kind::Rnps, Tp::Hotline, 0.35 * 0.20),
    (Kind::Rnps, Tp::App, 0.35 * 0.14),
    (Kind::Rnps, Tp::Chat, 0.35 * 0.09),
    (Kind::Rnps, Tp::Social, 0.35 * 0.05),
    (Kind::Csat, Tp::Hotline, 0.50 * 0.32),
    (Kind::Csat, Tp::Shop, 0.50 * 0.20),
    (Kind::Csat, Tp::Chat, 0.50 * 0.14),
    (Kind::Csat, Tp::App, 0.50 * 0.18),
    (Kind::Csat, Tp::Invoice, 0.50 * 0.16),
    (Kind::Ces, Tp::Provisioning, 0.15),
];

fn choose_survey(rng: &mut Rng, tl: &Timeline, t: i64) -> (Kind, Tp) {
    let weekday = calendar::weekday(t);
    let month = calendar::date(t).month;
    let factor = |tp: Tp| match tp {
        // Calls pile up after the weekend; on Sundays the hotline is closed.
        Tp::Hotline => match weekday {
            0 => 1.5,
            6 => 0.4,
            _ => 1.0,
        },
        Tp::Shop if weekday == 6 => 0.3,
        Tp::Shop if month >= 11 => 1.35,
        // The new invoice format makes people react.
        Tp::Invoice if t >= tl.invoice_change => 1.5,
        Tp::App if t < tl.app_relaunch => 0.7,
        // Moving season.
        Tp::Provisioning if (7..=9).contains(&month) => 1.2,
        _ => 1.0,
    };
    let mut weighted = [((Kind::Ces, Tp::Provisioning), 0.0); MIX.len()];
    for (slot, (kind, tp, share)) in weighted.iter_mut().zip(MIX) {
        *slot = ((kind, tp), share * factor(tp));
    }
    rng.weighted(&weighted)
}

// ---------------------------------------------------------------------------------------
// How satisfied
// ---------------------------------------------------------------------------------------

/// How the line was set up, for the CES survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    SelfInstall,
    Sim,
    Technician { delayed: bool },
}

impl Setup {
    fn option(self) -> &'static str {
        match self {
            Setup::SelfInstall => catalog::SETUP_SELF,
            Setup::Sim => catalog::SETUP_SIM,
            Setup::Technician { .. } => catalog::SETUP_TECHNICIAN,
        }
    }
}

fn fraction(elapsed: i64, span: i64) -> f64 {
    (elapsed as f64 / span as f64).clamp(0.0, 1.0)
}

/// Chance of a good experience at touchpoint `tp` at time `t` (the patterns live here).
fn quality(tl: &Timeline, tp: Tp, t: i64) -> f64 {
    match tp {
        Tp::Shop => 0.80,
        Tp::Order => 0.76,
        Tp::Provisioning => 0.60,
        Tp::Chat => 0.74,
        Tp::Social => 0.56,
        // Pattern 1: the new invoice format erodes satisfaction, 78 % → 52 %.
        Tp::Invoice => 0.78 - 0.26 * fraction(t - tl.invoice_change, tl.now - tl.invoice_change),
        // Pattern 2: Monday overload at the hotline.
        Tp::Hotline => {
            if calendar::weekday(t) == 0 {
                0.46
            } else {
                0.72
            }
        }
        // Pattern 3: a crash-prone relaunch that gets better release by release.
        Tp::App => {
            if t < tl.app_relaunch {
                0.64
            } else {
                0.44 + 0.42 * fraction(t - tl.app_relaunch, tl.now - tl.app_relaunch)
            }
        }
    }
}

/// Pattern 4: a late technician ruins the effort score.
fn setup_quality(setup: Setup) -> f64 {
    match setup {
        Setup::SelfInstall => 0.62,
        Setup::Sim => 0.80,
        Setup::Technician { delayed: false } => 0.74,
        Setup::Technician { delayed: true } => 0.10,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Bad,
    Neutral,
    Good,
}

fn nps_score(rng: &mut Rng, q: f64) -> i64 {
    let promoters = (q - 0.38).clamp(0.02, 0.9);
    let detractors = (0.95 - q).clamp(0.03, 0.9);
    let u = rng.unit();
    if u < promoters {
        rng.weighted(&[(9, 0.45), (10, 0.55)])
    } else if u < promoters + detractors {
        rng.weighted(&[
            (0, 0.07),
            (1, 0.04),
            (2, 0.06),
            (3, 0.09),
            (4, 0.12),
            (5, 0.28),
            (6, 0.34),
        ])
    } else {
        rng.weighted(&[(7, 0.45), (8, 0.55)])
    }
}

fn csat_score(rng: &mut Rng, q: f64) -> i64 {
    if rng.chance(q) {
        rng.weighted(&[(4, 0.5), (5, 0.5)])
    } else {
        rng.weighted(&[(3, 0.45), (2, 0.30), (1, 0.25)])
    }
}

fn ces_score(rng: &mut Rng, q: f64) -> i64 {
    if rng.chance(q) {
        rng.weighted(&[(5, 0.30), (6, 0.38), (7, 0.32)])
    } else if q < 0.3 {
        rng.weighted(&[(1, 0.35), (2, 0.30), (3, 0.20), (4, 0.15)])
    } else {
        rng.weighted(&[(1, 0.12), (2, 0.20), (3, 0.30), (4, 0.38)])
    }
}

fn sentiment(rng: &mut Rng, class: Class) -> Sentiment {
    use Sentiment::{Mixed, Negative, Positive};
    match class {
        Class::Bad => rng.weighted(&[(Negative, 0.86), (Mixed, 0.11), (Positive, 0.03)]),
        Class::Neutral => rng.weighted(&[(Negative, 0.25), (Mixed, 0.50), (Positive, 0.25)]),
        Class::Good => rng.weighted(&[(Positive, 0.86), (Mixed, 0.12), (Negative, 0.02)]),
    }
}

fn comment_chance(class: Class) -> f64 {
    match class {
        Class::Bad => 0.74,
        Class::Neutral => 0.52,
        Class::Good => 0.55,
    }
}

// ---------------------------------------------------------------------------------------
// What about
// ---------------------------------------------------------------------------------------

type Table = &'static [(Theme, f64)];

struct Situation {
    tp: Tp,
    monday: bool,
    invoice_changed: bool,
    setup: Option<Setup>,
}

fn negative_themes(s: &Situation) -> Table {
    use Theme::*;
    match (s.tp, s.setup) {
        (Tp::Shop, _) => &[(Staff, 0.45), (Price, 0.30), (Resolution, 0.25)],
        (Tp::Order, _) => &[(Ordering, 0.5), (Price, 0.25), (Activation, 0.25)],
        (Tp::Provisioning, Some(Setup::Technician { delayed: true })) => {
            &[(Technician, 0.9), (Activation, 0.1)]
        }
        (Tp::Provisioning, Some(_)) => &[(Activation, 0.85), (Resolution, 0.15)],
        (Tp::Provisioning, None) => &[(Activation, 0.45), (Technician, 0.35), (Resolution, 0.2)],
        (Tp::Invoice, _) if s.invoice_changed => &[(BillingNew, 0.5), (Billing, 0.3), (Price, 0.2)],
        (Tp::Invoice, _) => &[(Billing, 0.75), (Price, 0.25)],
        (Tp::Hotline, _) if s.monday => &[
            (Waiting, 0.65),
            (Staff, 0.15),
            (Resolution, 0.15),
            (Billing, 0.05),
        ],
        (Tp::Hotline, _) => &[
            (Waiting, 0.40),
            (Staff, 0.27),
            (Resolution, 0.23),
            (Billing, 0.10),
        ],
        (Tp::App, _) => &[(App, 0.85), (Resolution, 0.15)],
        (Tp::Chat, _) => &[(Resolution, 0.55), (Staff, 0.45)],
        (Tp::Social, _) => &[(Resolution, 0.5), (Staff, 0.5)],
    }
}

fn positive_themes(s: &Situation) -> Table {
    use Theme::*;
    match (s.tp, s.setup) {
        (Tp::Shop, _) => &[(Staff, 0.6), (Resolution, 0.25), (Price, 0.15)],
        (Tp::Order, _) => &[(Ordering, 0.6), (Activation, 0.2), (Price, 0.2)],
        // Happy despite a late technician: thanks to the people who sorted it out.
        (Tp::Provisioning, Some(Setup::Technician { delayed: true })) => {
            &[(Staff, 0.6), (Resolution, 0.4)]
        }
        (Tp::Provisioning, Some(Setup::Technician { delayed: false })) => {
            &[(Technician, 0.55), (Activation, 0.45)]
        }
        (Tp::Provisioning, Some(_)) => &[(Activation, 0.85), (Resolution, 0.15)],
        (Tp::Provisioning, None) => &[(Activation, 0.55), (Technician, 0.45)],
        (Tp::Invoice, _) => &[(Billing, 0.7), (Price, 0.3)],
        (Tp::Hotline, _) => &[(Staff, 0.5), (Resolution, 0.3), (Waiting, 0.2)],
        (Tp::App, _) => &[(App, 0.9), (Billing, 0.1)],
        (Tp::Chat | Tp::Social, _) => &[(Staff, 0.5), (Resolution, 0.5)],
    }
}

/// In the relationship survey, people often talk about the network or the price rather
/// than their last contact.
const GENERAL_NEGATIVE: Table = &[(Theme::Network, 0.55), (Theme::Price, 0.45)];
const GENERAL_POSITIVE: Table = &[(Theme::Network, 0.6), (Theme::Price, 0.4)];

fn pick_two(rng: &mut Rng, table: Table) -> (Theme, Theme) {
    let first = rng.weighted(table);
    let mut second = rng.weighted(table);
    for _ in 0..3 {
        if second != first {
            break;
        }
        second = rng.weighted(table);
    }
    (first, second)
}

fn reason_option(theme: Theme) -> &'static str {
    match theme {
        Theme::Billing | Theme::BillingNew => "billing",
        Theme::Waiting | Theme::Staff | Theme::Resolution => "service",
        Theme::Activation | Theme::Technician | Theme::Ordering => "installation",
        Theme::App => "app",
        Theme::Price => "price",
        Theme::Network => "network",
    }
}

fn improve_option(rng: &mut Rng, theme: Theme) -> &'static str {
    match theme {
        Theme::Waiting => "waiting_time",
        Theme::Staff => "friendliness",
        Theme::Billing | Theme::BillingNew => "billing",
        Theme::App => "app",
        Theme::Price => "price",
        Theme::Resolution if rng.chance(0.3) => "expertise",
        _ => "solution",
    }
}

fn response_channel(rng: &mut Rng, kind: Kind, tp: Tp) -> &'static str {
    let table: &[(&str, f64)] = match (kind, tp) {
        (Kind::Rnps, _) => &[("email", 0.55), ("sms", 0.2), ("web", 0.15), ("app", 0.1)],
        (Kind::Ces, _) => &[("email", 0.45), ("sms", 0.35), ("qr", 0.2)],
        (_, Tp::Hotline) => &[("sms", 0.6), ("email", 0.4)],
        (_, Tp::Shop) => &[("qr", 0.45), ("sms", 0.35), ("email", 0.2)],
        (_, Tp::Chat) => &[("web", 0.85), ("email", 0.15)],
        (_, Tp::App) => &[("app", 0.9), ("email", 0.1)],
        _ => &[("email", 0.7), ("web", 0.2), ("app", 0.1)],
    };
    rng.weighted(table)
}

// ---------------------------------------------------------------------------------------
// One response
// ---------------------------------------------------------------------------------------

pub(crate) fn response(seed: u64, tl: &Timeline, index: usize, t: i64) -> DemoResponse {
    let mut rng = Rng::stream(seed, index as u64);
    let rng = &mut rng;
    let (kind, tp) = choose_survey(rng, tl, t);
    let lang = if rng.chance(0.25) { Lang::En } else { Lang::De };
    let channel = response_channel(rng, kind, tp);
    let setup = (kind == Kind::Ces).then(|| {
        rng.weighted(&[
            (Setup::SelfInstall, 0.35),
            (Setup::Sim, 0.25),
            (Setup::Technician { delayed: false }, 0.40 * 0.55),
            (Setup::Technician { delayed: true }, 0.40 * 0.45),
        ])
    });
    let situation = Situation {
        tp,
        monday: calendar::weekday(t) == 0,
        invoice_changed: t >= tl.invoice_change,
        setup,
    };

    let mut answers = Map::new();
    let class = match (kind, setup) {
        (Kind::Ces, Some(setup)) => {
            let score = ces_score(rng, setup_quality(setup));
            answers.insert("ces".to_owned(), Value::from(score));
            classify(score, 5, 4)
        }
        (Kind::Csat, _) => {
            let score = csat_score(rng, quality(tl, tp, t));
            answers.insert("csat".to_owned(), Value::from(score));
            classify(score, 4, 3)
        }
        _ => {
            // The relationship is judged a little more harshly than the contact itself.
            let q = (quality(tl, tp, t) - 0.05).max(0.0);
            let score = nps_score(rng, q);
            answers.insert("nps".to_owned(), Value::from(score));
            classify(score, 9, 7)
        }
    };

    let general = kind == Kind::Rnps && rng.chance(0.4);
    let (negative, positive) = if general {
        (GENERAL_NEGATIVE, GENERAL_POSITIVE)
    } else {
        (negative_themes(&situation), positive_themes(&situation))
    };
    let (neg, neg2) = pick_two(rng, negative);
    let (pos, pos2) = pick_two(rng, positive);
    let driver = if class == Class::Good { pos } else { neg };

    match kind {
        Kind::Rnps => {
            if rng.chance(0.82) {
                let reason = if rng.chance(0.08) {
                    rng.pick(&catalog::REASONS)
                } else {
                    reason_option(driver)
                };
                answers.insert("reason".to_owned(), Value::from(reason));
            }
        }
        Kind::Csat => {
            if rng.chance(0.78) {
                let resolved = match class {
                    Class::Good => rng.weighted(&[(7, 0.15), (8, 0.3), (9, 0.3), (10, 0.25)]),
                    Class::Neutral => rng.weighted(&[(4, 0.2), (5, 0.3), (6, 0.3), (7, 0.2)]),
                    Class::Bad => {
                        rng.weighted(&[(1, 0.3), (2, 0.25), (3, 0.25), (4, 0.15), (5, 0.05)])
                    }
                };
                answers.insert("resolved".to_owned(), Value::from(resolved));
            }
            let p_improve = match class {
                Class::Bad => 0.7,
                Class::Neutral => 0.55,
                Class::Good => 0.2,
            };
            if rng.chance(p_improve) {
                let mut chosen = [false; catalog::IMPROVE.len()];
                let main = if class == Class::Good {
                    rng.pick(&catalog::IMPROVE)
                } else {
                    improve_option(rng, driver)
                };
                for (flag, id) in chosen.iter_mut().zip(catalog::IMPROVE) {
                    *flag = id == main || (class != Class::Good && rng.chance(0.1));
                }
                let ids: Vec<Value> = catalog::IMPROVE
                    .iter()
                    .zip(chosen)
                    .filter(|(_, on)| *on)
                    .map(|(id, _)| Value::from(*id))
                    .collect();
                answers.insert("improve".to_owned(), Value::Array(ids));
            }
        }
        Kind::Ces => {
            if let Some(setup) = setup.filter(|_| rng.chance(0.88)) {
                answers.insert("setup".to_owned(), Value::from(setup.option()));
            }
        }
    }

    if rng.chance(comment_chance(class)) {
        let sentiment = sentiment(rng, class);
        let brief = match sentiment {
            Sentiment::Negative => Brief {
                sentiment,
                theme: neg,
                second: neg2,
            },
            Sentiment::Positive => Brief {
                sentiment,
                theme: pos,
                second: pos2,
            },
            Sentiment::Mixed => Brief {
                sentiment,
                theme: neg,
                second: pos,
            },
        };
        let scene = Scene {
            lang,
            at_ms: t,
            app_relaunch_ms: tl.app_relaunch,
            invoice_change_ms: tl.invoice_change,
            in_shop: tp == Tp::Shop,
        };
        let text = comments::compose(rng, &scene, brief);
        answers.insert(kind.comment_question().to_owned(), Value::from(text));
    }

    DemoResponse {
        survey_key: kind.key().to_owned(),
        touchpoint_key: Some(tp.key().to_owned()),
        language: lang.code().to_owned(),
        channel: channel.to_owned(),
        submitted_at_ms: t,
        answers,
        external_id: format!("demo-{:06}", index + 1),
        customer_external_id: None,
    }
}

fn classify(score: i64, good_from: i64, neutral_from: i64) -> Class {
    if score >= good_from {
        Class::Good
    } else if score >= neutral_from {
        Class::Neutral
    } else {
        Class::Bad
    }
}
