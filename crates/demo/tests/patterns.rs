//! The demo's promises, measured on the generated data the way a manager would see it.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde_json::Value;
use touchpoint_demo::{
    DEFAULT_RESPONSES, DEFAULT_SEED, DemoDataset, DemoResponse, dataset, responses,
};

/// Monday, 2026-11-23 12:00:00 UTC.
const NOW: i64 = 1_795_435_200_000;
const DAY: i64 = 86_400_000;

fn data() -> &'static [DemoResponse] {
    static DATA: OnceLock<Vec<DemoResponse>> = OnceLock::new();
    DATA.get_or_init(|| responses(DEFAULT_SEED, NOW, DEFAULT_RESPONSES))
}

/// Monday = 0 … Sunday = 6.
fn weekday(ms: i64) -> i64 {
    (ms.div_euclid(DAY) + 3).rem_euclid(7)
}

fn days_ago(r: &DemoResponse) -> i64 {
    (NOW - r.submitted_at_ms) / DAY
}

fn int(r: &DemoResponse, question: &str) -> Option<i64> {
    r.answers.get(question).and_then(Value::as_i64)
}

fn comment(r: &DemoResponse) -> Option<&str> {
    r.answers
        .get("why")
        .or_else(|| r.answers.get("comment"))
        .and_then(Value::as_str)
}

fn is(r: &DemoResponse, survey: &str, touchpoint: &str) -> bool {
    r.survey_key == survey && r.touchpoint_key.as_deref() == Some(touchpoint)
}

/// CSAT top-2-box share and n.
fn top2<'a>(rs: impl Iterator<Item = &'a DemoResponse>) -> (f64, usize) {
    let scores: Vec<i64> = rs.filter_map(|r| int(r, "csat")).collect();
    let good = scores.iter().filter(|&&s| s >= 4).count();
    (good as f64 / scores.len().max(1) as f64, scores.len())
}

/// NPS (−100…100) and n.
fn nps<'a>(rs: impl Iterator<Item = &'a DemoResponse>) -> (f64, usize) {
    let scores: Vec<i64> = rs.filter_map(|r| int(r, "nps")).collect();
    let promoters = scores.iter().filter(|&&s| s >= 9).count() as f64;
    let detractors = scores.iter().filter(|&&s| s <= 6).count() as f64;
    let n = scores.len();
    (100.0 * (promoters - detractors) / n.max(1) as f64, n)
}

fn mean(values: &[i64]) -> f64 {
    values.iter().sum::<i64>() as f64 / values.len().max(1) as f64
}

fn detractor(r: &DemoResponse) -> bool {
    int(r, "nps").is_some_and(|s| s <= 6)
        || int(r, "csat").is_some_and(|s| s <= 2)
        || int(r, "ces").is_some_and(|s| s <= 3)
}

fn mentions(text: &str, words: &[&str]) -> bool {
    let lower = text.to_lowercase();
    words.iter().any(|w| lower.contains(w))
}

/// Share of detractor comments in `rs` that mention any of `words`, and n.
fn theme_share<'a>(rs: impl Iterator<Item = &'a DemoResponse>, words: &[&str]) -> (f64, usize) {
    let texts: Vec<&str> = rs.filter(|r| detractor(r)).filter_map(comment).collect();
    let hits = texts.iter().filter(|t| mentions(t, words)).count();
    (hits as f64 / texts.len().max(1) as f64, texts.len())
}

// ---------------------------------------------------------------------------------------
// Determinism, counts, time
// ---------------------------------------------------------------------------------------

#[test]
fn same_seed_and_now_give_identical_output() {
    assert_eq!(
        data(),
        responses(DEFAULT_SEED, NOW, DEFAULT_RESPONSES).as_slice()
    );
    assert_eq!(dataset(), dataset());
}

#[test]
fn different_seed_or_now_gives_different_output() {
    let a = responses(1, NOW, 500);
    let b = responses(2, NOW, 500);
    assert_ne!(a, b);
    let shifted = responses(1, NOW + 7 * DAY, 500);
    assert_ne!(a, shifted);
}

#[test]
fn count_is_respected_and_ids_are_unique() {
    for count in [0, 1, 17, 1_000] {
        assert_eq!(responses(DEFAULT_SEED, NOW, count).len(), count);
    }
    let all = data();
    assert_eq!(all.len(), DEFAULT_RESPONSES);
    let ids: HashSet<&str> = all.iter().map(|r| r.external_id.as_str()).collect();
    assert_eq!(ids.len(), all.len());
    assert_eq!(all[0].external_id, "demo-000001");
    assert_eq!(all[122].external_id, "demo-000123");
}

#[test]
fn a_smaller_run_is_not_a_prefix_but_is_deterministic() {
    // Each run spreads its responses over the whole year.
    let small = responses(DEFAULT_SEED, NOW, 1_000);
    assert_eq!(small, responses(DEFAULT_SEED, NOW, 1_000));
    assert!(days_ago(&small[0]) > 350, "{}", days_ago(&small[0]));
}

#[test]
fn responses_are_sorted_and_inside_the_last_365_days() {
    for now in [
        NOW,
        NOW + 11 * 3_600_000 + 59 * 60_000,
        NOW - 12 * 3_600_000 + 1,
        0,
    ] {
        let rs = responses(7, now, 5_000);
        assert!(
            rs.windows(2)
                .all(|w| w[0].submitted_at_ms <= w[1].submitted_at_ms)
        );
        for r in &rs {
            assert!(r.submitted_at_ms <= now, "future response at {now}");
            assert!(r.submitted_at_ms > now - 365 * DAY, "too old at {now}");
        }
    }
    let all = data();
    assert!(days_ago(&all[0]) >= 360);
    assert!(days_ago(&all[all.len() - 1]) <= 1);
}

#[test]
fn volume_varies_by_weekday_and_season() {
    let mut per_weekday = [0usize; 7];
    for r in data() {
        per_weekday[weekday(r.submitted_at_ms) as usize] += 1;
    }
    // Mondays busiest, Sundays quietest.
    assert!(
        per_weekday.iter().all(|&n| n <= per_weekday[0]),
        "{per_weekday:?}"
    );
    assert!(
        per_weekday.iter().all(|&n| n >= per_weekday[6]),
        "{per_weekday:?}"
    );
    assert!(per_weekday[0] as f64 > 2.0 * per_weekday[6] as f64);
    // January (≈ 300–330 days before 23 Nov) is busier than July (≈ 115–145 days before).
    let january = data()
        .iter()
        .filter(|r| (300..330).contains(&days_ago(r)))
        .count();
    let july = data()
        .iter()
        .filter(|r| (115..145).contains(&days_ago(r)))
        .count();
    assert!(january as f64 > 1.2 * july as f64, "{january} vs {july}");
}

// ---------------------------------------------------------------------------------------
// Validity against the definitions
// ---------------------------------------------------------------------------------------

const CHANNELS: [&str; 8] = [
    "web", "app", "email", "phone", "store", "chat", "social", "letter",
];

#[test]
fn dataset_is_complete() {
    let d: DemoDataset = dataset();
    assert_eq!(d.organisation_name, "Nordwind Telekom");
    let keys: Vec<&str> = d.touchpoints.iter().map(|t| t.key.as_str()).collect();
    for key in [
        "shop",
        "order",
        "provisioning",
        "invoice",
        "hotline",
        "app",
        "chat",
    ] {
        assert!(keys.contains(&key), "missing touchpoint {key}");
    }
    let unique: HashSet<&str> = keys.iter().copied().collect();
    assert_eq!(unique.len(), keys.len());
    for tp in &d.touchpoints {
        assert!(CHANNELS.contains(&tp.channel.as_str()), "{}", tp.channel);
        assert!(!tp.name.is_empty());
    }
    let channel = |key: &str| {
        d.touchpoints
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.channel.as_str())
    };
    assert_eq!(channel("shop"), Some("store"));
    assert_eq!(channel("order"), Some("web"));
    assert!(matches!(channel("provisioning"), Some("letter" | "email")));
    assert_eq!(channel("invoice"), Some("email"));
    assert_eq!(channel("hotline"), Some("phone"));
    assert_eq!(channel("app"), Some("app"));
    assert_eq!(channel("chat"), Some("chat"));

    let surveys: Vec<(&str, &str)> = d
        .surveys
        .iter()
        .map(|s| (s.key.as_str(), s.definition["name"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        surveys,
        [
            ("rnps", "Relationship NPS"),
            ("csat", "Post-contact CSAT"),
            ("ces", "CES after provisioning")
        ]
    );
    for s in &d.surveys {
        assert_eq!(s.definition["languages"], serde_json::json!(["de", "en"]));
        assert!(s.definition.get("touchpoint").is_none());
        if let Some(tp) = &s.touchpoint_key {
            assert!(keys.contains(&tp.as_str()));
        }
    }
    assert_eq!(d.surveys[2].touchpoint_key.as_deref(), Some("provisioning"));
}

/// Checks one answer against its question definition; returns an error message.
fn check_answer(question: &Value, answer: &Value) -> Result<(), String> {
    let kind = question["type"].as_str().unwrap_or("");
    let options: Vec<&str> = question["options"]
        .as_array()
        .map(|o| o.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    let in_range = |lo: i64, hi: i64| match answer.as_i64() {
        Some(v) if (lo..=hi).contains(&v) => Ok(()),
        _ => Err(format!("{kind} answer {answer} outside {lo}..={hi}")),
    };
    match kind {
        "nps" => in_range(0, 10),
        "csat" => in_range(1, 5),
        "ces" => in_range(1, 7),
        "rating" => {
            let lo = question["min"].as_i64().ok_or("rating without min")?;
            let hi = question["max"].as_i64().ok_or("rating without max")?;
            in_range(lo, hi)
        }
        "single_choice" => match answer.as_str() {
            Some(id) if options.contains(&id) => Ok(()),
            _ => Err(format!("unknown option {answer}")),
        },
        "multi_choice" => {
            let ids = answer
                .as_array()
                .ok_or("multi_choice answer is not an array")?;
            if ids.is_empty() {
                return Err("empty multi_choice".into());
            }
            let mut seen = HashSet::new();
            for id in ids {
                match id.as_str() {
                    Some(id) if options.contains(&id) && seen.insert(id) => {}
                    _ => return Err(format!("bad multi_choice {answer}")),
                }
            }
            Ok(())
        }
        "text" => match answer.as_str() {
            Some(t) if !t.trim().is_empty() => Ok(()),
            _ => Err(format!("bad text {answer}")),
        },
        other => Err(format!("unknown question type {other}")),
    }
}

#[test]
fn every_answer_is_valid_against_its_survey() {
    let d = dataset();
    let touchpoints: HashSet<&str> = d.touchpoints.iter().map(|t| t.key.as_str()).collect();
    for r in data() {
        let survey = d
            .surveys
            .iter()
            .find(|s| s.key == r.survey_key)
            .unwrap_or_else(|| panic!("unknown survey {}", r.survey_key));
        let questions = survey.definition["questions"]
            .as_array()
            .expect("questions");
        for (id, answer) in &r.answers {
            let question = questions
                .iter()
                .find(|q| q["id"] == id.as_str())
                .unwrap_or_else(|| panic!("{} answers unknown question {id}", r.external_id));
            if let Err(e) = check_answer(question, answer) {
                panic!("{}: {id}: {e}", r.external_id);
            }
        }
        for q in questions {
            if q["required"] == true {
                let id = q["id"].as_str().unwrap_or("");
                assert!(r.answers.contains_key(id), "{} misses {id}", r.external_id);
            }
        }
        let tp = r
            .touchpoint_key
            .as_deref()
            .expect("every response names a touchpoint");
        assert!(touchpoints.contains(tp));
        if let Some(fixed) = &survey.touchpoint_key {
            assert_eq!(fixed, tp);
        }
        assert!(["de", "en"].contains(&r.language.as_str()));
        assert!(["web", "email", "sms", "app", "qr"].contains(&r.channel.as_str()));
    }
}

#[test]
fn every_survey_and_touchpoint_is_used() {
    let csat_touchpoints: HashSet<&str> = data()
        .iter()
        .filter(|r| r.survey_key == "csat")
        .filter_map(|r| r.touchpoint_key.as_deref())
        .collect();
    assert_eq!(
        csat_touchpoints,
        HashSet::from(["hotline", "shop", "chat", "app", "invoice"])
    );
    let rnps_touchpoints: HashSet<&str> = data()
        .iter()
        .filter(|r| r.survey_key == "rnps")
        .filter_map(|r| r.touchpoint_key.as_deref())
        .collect();
    // Every touchpoint but the renewal desk, where only events happen.
    assert_eq!(rnps_touchpoints.len(), dataset().touchpoints.len() - 1);
    assert!(!rnps_touchpoints.contains("renewal"));
    let share = |key: &str| {
        data().iter().filter(|r| r.survey_key == key).count() as f64 / data().len() as f64
    };
    assert!((0.30..0.40).contains(&share("rnps")));
    assert!((0.45..0.55).contains(&share("csat")));
    assert!((0.12..0.18).contains(&share("ces")));
    for answered in ["reason", "resolved", "improve", "setup"] {
        assert!(data().iter().any(|r| r.answers.contains_key(answered)));
    }
}

#[test]
fn about_a_quarter_answer_in_english() {
    let en = data().iter().filter(|r| r.language == "en").count() as f64;
    let share = en / data().len() as f64;
    assert!((0.22..0.28).contains(&share), "{share}");
}

// ---------------------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------------------

#[test]
fn comments_are_many_varied_and_bounded() {
    let texts: Vec<&str> = data().iter().filter_map(comment).collect();
    let share = texts.len() as f64 / data().len() as f64;
    assert!((0.5..0.7).contains(&share), "comment share {share}");
    let distinct: HashSet<&str> = texts.iter().copied().collect();
    assert!(distinct.len() >= 5_000, "only {} distinct", distinct.len());
    for t in &texts {
        assert!(t.chars().count() <= 1_000, "too long: {t}");
        assert!(
            !t.contains('{') && !t.contains('}'),
            "unfilled placeholder: {t}"
        );
        assert!(!t.contains(".."), "double dot: {t}");
    }
    // Some very short ones, some with numbers, umlauts and emoji.
    assert!(texts.iter().any(|t| *t == "Top!" || *t == "passt"));
    assert!(texts.iter().filter(|t| t.chars().count() < 15).count() > 500);
    assert!(texts.iter().filter(|t| t.contains('€')).count() > 100);
    assert!(texts.iter().any(|t| t.contains('ä') || t.contains('ü')));
    assert!(texts.iter().any(|t| t.chars().any(|c| c as u32 >= 0x1F300)));
    // German comments on German responses.
    let english_words = [" the ", " and ", "n't "];
    let german_with_english = data()
        .iter()
        .filter(|r| r.language == "de")
        .filter_map(comment)
        .filter(|t| mentions(t, &english_words))
        .count();
    assert_eq!(german_with_english, 0);
}

/// Rough sentiment markers, to check that comment tone follows the score.
const NEGATIVE_WORDS: &[&str] = &[
    "leider",
    "nicht",
    "kein",
    "nie ",
    "unfreundlich",
    "falsch",
    "ärger",
    "katastroph",
    "schlecht",
    "teuer",
    "ewig",
    "enttäusch",
    "frechheit",
    "stürzt",
    "absturz",
    "abgewimmelt",
    "warte",
    "verschoben",
    "sauer",
    "mangelhaft",
    "chaos",
    "unterirdisch",
    "zu spät",
    "doppelt",
    "kündig",
    "fehlanzeige",
    "nervig",
    "aber",
    "not ",
    "n't",
    "never",
    "rude",
    "wrong",
    "terrible",
    "awful",
    "disappoint",
    "crash",
    "expensive",
    "forever",
    "useless",
    "mess",
    "poor",
    "frustrat",
    "on hold",
    "but",
    "meh",
    "could be better",
];
const POSITIVE_WORDS: &[&str] = &[
    "super",
    "top",
    "danke",
    "prima",
    "perfekt",
    "bestens",
    "lob",
    "weiter so",
    "begeistert",
    "schnell",
    "kinderleicht",
    "klasse",
    "zufrieden.",
    "passt",
    "gut",
    "sehr freundlich",
    "great",
    "thank",
    "perfect",
    "excellent",
    "happy",
    "quick",
    "brilliant",
    "smooth",
    "spot on",
    "keep it up",
    "good",
    "friendly",
    "fair",
    "easy",
    "1a",
];

#[test]
fn comment_tone_follows_the_score() {
    // (comments, only negative markers, only positive markers)
    let mut bad = (0, 0, 0);
    let mut good = (0, 0, 0);
    for r in data() {
        let Some(text) = comment(r) else { continue };
        let score_good = int(r, "nps")
            .map(|s| s >= 9)
            .or(int(r, "csat").map(|s| s >= 4));
        let score_good = score_good.or(int(r, "ces").map(|s| s >= 5));
        let score_bad = !detractor(r);
        let neg = mentions(text, NEGATIVE_WORDS);
        let pos = mentions(text, POSITIVE_WORDS);
        let bucket = match (score_good, score_bad) {
            (Some(true), _) => &mut good,
            (_, false) => &mut bad,
            _ => continue,
        };
        bucket.0 += 1;
        bucket.1 += usize::from(neg && !pos);
        bucket.2 += usize::from(pos && !neg);
    }
    let share = |part: usize, all: usize| part as f64 / all as f64;
    assert!(share(bad.1, bad.0) > 0.55, "detractors negative {bad:?}");
    assert!(share(bad.2, bad.0) < 0.08, "detractors positive {bad:?}");
    assert!(share(good.2, good.0) > 0.45, "promoters positive {good:?}");
    assert!(share(good.1, good.0) < 0.20, "promoters negative {good:?}");
}

// ---------------------------------------------------------------------------------------
// Pattern 1: invoice CSAT falls over the last three months
// ---------------------------------------------------------------------------------------

fn invoice_csat(from_days_ago: i64, to_days_ago: i64) -> (f64, usize) {
    top2(data().iter().filter(|r| {
        is(r, "csat", "invoice") && (to_days_ago..from_days_ago).contains(&days_ago(r))
    }))
}

#[test]
fn invoice_csat_declines_over_the_last_three_months() {
    let before = invoice_csat(365, 90);
    let months = [
        invoice_csat(90, 60),
        invoice_csat(60, 30),
        invoice_csat(30, 0),
    ];
    assert!(before.0 > 0.72, "before {before:?}");
    assert!(months[2].0 < 0.62, "last month {:?}", months[2]);
    assert!(before.0 - months[2].0 > 0.15);
    assert!(
        months[0].0 > months[1].0 && months[1].0 > months[2].0,
        "{months:?}"
    );
    assert!(months.iter().all(|m| m.1 >= 150), "{months:?}");
    // The rest of the year is flat: no earlier quarter shows the drop.
    for (from, to) in [(365, 275), (275, 185), (185, 90)] {
        let q = invoice_csat(from, to);
        assert!((q.0 - before.0).abs() < 0.06, "{from}..{to}: {q:?}");
    }
}

#[test]
fn invoice_complaints_name_the_new_format_only_recently() {
    let new_format = [
        "neue rechnung",
        "neuen rechnung",
        "neues rechnung",
        "neuen abrechnung",
        "umstellung",
        "new invoice",
        "new billing",
        "new bill",
        "the switch",
        "the change in",
    ];
    let (recent, n_recent) = theme_share(
        data()
            .iter()
            .filter(|r| r.touchpoint_key.as_deref() == Some("invoice") && days_ago(r) < 90),
        &new_format,
    );
    let (earlier, n_earlier) = theme_share(
        data()
            .iter()
            .filter(|r| r.touchpoint_key.as_deref() == Some("invoice") && days_ago(r) >= 90),
        &new_format,
    );
    assert!(recent > 0.3 && n_recent > 100, "{recent} of {n_recent}");
    assert!(earlier < 0.02, "{earlier} of {n_earlier}");
}

// ---------------------------------------------------------------------------------------
// Pattern 2: the hotline is worse on Mondays
// ---------------------------------------------------------------------------------------

#[test]
fn hotline_is_markedly_worse_on_mondays() {
    let monday = |r: &&DemoResponse| weekday(r.submitted_at_ms) == 0;
    let midweek = |r: &&DemoResponse| (1..=4).contains(&weekday(r.submitted_at_ms));
    let csat = |r: &&DemoResponse| is(r, "csat", "hotline");
    let mon = top2(data().iter().filter(csat).filter(monday));
    let rest = top2(data().iter().filter(csat).filter(midweek));
    assert!(
        rest.0 - mon.0 > 0.15,
        "CSAT Monday {mon:?} vs Tue–Fri {rest:?}"
    );
    let rnps = |r: &&DemoResponse| is(r, "rnps", "hotline");
    let mon = nps(data().iter().filter(rnps).filter(monday));
    let rest = nps(data().iter().filter(rnps).filter(midweek));
    assert!(
        rest.0 - mon.0 > 25.0,
        "NPS Monday {mon:?} vs Tue–Fri {rest:?}"
    );
    // No other touchpoint has a Monday problem.
    let shop = |r: &&DemoResponse| is(r, "csat", "shop");
    let mon = top2(data().iter().filter(shop).filter(monday));
    let rest = top2(data().iter().filter(shop).filter(midweek));
    assert!((rest.0 - mon.0).abs() < 0.07, "shop {mon:?} vs {rest:?}");
}

const WAITING_WORDS: &[&str] = &["warte", "gewartet", "hold", "wait", "queue"];

#[test]
fn hotline_detractors_complain_about_waiting_most_on_mondays() {
    let hotline = |r: &&DemoResponse| {
        r.touchpoint_key.as_deref() == Some("hotline") && r.survey_key != "rnps"
    };
    let (all, n) = theme_share(data().iter().filter(hotline), WAITING_WORDS);
    assert!(all > 0.35 && n > 300, "{all} of {n}");
    let (mon, _) = theme_share(
        data()
            .iter()
            .filter(hotline)
            .filter(|r| weekday(r.submitted_at_ms) == 0),
        WAITING_WORDS,
    );
    let (rest, _) = theme_share(
        data()
            .iter()
            .filter(hotline)
            .filter(|r| weekday(r.submitted_at_ms) != 0),
        WAITING_WORDS,
    );
    assert!(mon > rest + 0.1, "Monday {mon} vs rest {rest}");
}

// ---------------------------------------------------------------------------------------
// Pattern 3: the app improves after its relaunch
// ---------------------------------------------------------------------------------------

#[test]
fn app_improves_over_the_year_after_the_relaunch() {
    let window = |from: i64, to: i64| {
        top2(
            data()
                .iter()
                .filter(|r| is(r, "csat", "app") && (to..from).contains(&days_ago(r))),
        )
    };
    let old_app = window(365, 330);
    let after = [
        window(330, 270),
        window(270, 180),
        window(180, 90),
        window(90, 0),
    ];
    assert!(
        old_app.0 > after[0].0,
        "relaunch dip: {old_app:?} → {:?}",
        after[0]
    );
    for pair in after.windows(2) {
        assert!(pair[1].0 > pair[0].0 + 0.03, "{after:?}");
    }
    assert!(after[3].0 - after[0].0 > 0.2, "{after:?}");
    // Crashes dominate the complaints early on and fade.
    let crash = ["stürzt", "absturz", "crash", "friert", "freez", "hängt"];
    let app = |from: i64, to: i64| {
        let texts: Vec<&str> = data()
            .iter()
            .filter(|r| {
                r.touchpoint_key.as_deref() == Some("app") && (to..from).contains(&days_ago(r))
            })
            .filter_map(comment)
            .collect();
        texts.iter().filter(|t| mentions(t, &crash)).count() as f64 / texts.len() as f64
    };
    assert!(
        app(330, 240) > 1.5 * app(90, 0),
        "{} vs {}",
        app(330, 240),
        app(90, 0)
    );
}

// ---------------------------------------------------------------------------------------
// Pattern 4: provisioning effort and technician delays
// ---------------------------------------------------------------------------------------

const TECHNICIAN_WORDS: &[&str] = &["techniker", "technician", "engineer"];
const DELAY_WORDS: &[&str] = &[
    "nicht erschienen",
    "verschoben",
    "kam nicht",
    "erst um",
    "abgesagt",
    "warten",
    "neuer termin",
    "später",
    "didn't show",
    "rescheduled",
    "never came",
    "turned up at",
    "cancelled",
    "waiting",
    "late",
];

#[test]
fn provisioning_effort_is_high_with_technician_delays() {
    let ces: Vec<&DemoResponse> = data().iter().filter(|r| r.survey_key == "ces").collect();
    let easy = |rs: &[&DemoResponse]| {
        rs.iter()
            .filter(|r| int(r, "ces").is_some_and(|s| s >= 5))
            .count() as f64
            / rs.len() as f64
    };
    let overall = easy(&ces);
    assert!((0.5..0.68).contains(&overall), "{overall}");
    let by_setup = |setup: &str| {
        let rs: Vec<&DemoResponse> = ces
            .iter()
            .copied()
            .filter(|r| r.answers.get("setup").and_then(Value::as_str) == Some(setup))
            .collect();
        easy(&rs)
    };
    assert!(by_setup("technician") < by_setup("self") - 0.1);
    assert!(by_setup("technician") < by_setup("sim") - 0.2);

    let (delayed, other): (Vec<&DemoResponse>, Vec<&DemoResponse>) = ces
        .iter()
        .copied()
        .filter(|r| comment(r).is_some())
        .partition(|r| {
            comment(r).is_some_and(|t| mentions(t, TECHNICIAN_WORDS) && mentions(t, DELAY_WORDS))
        });
    let scores =
        |rs: &[&DemoResponse]| -> Vec<i64> { rs.iter().filter_map(|r| int(r, "ces")).collect() };
    let delayed_mean = mean(&scores(&delayed));
    let other_mean = mean(&scores(&other));
    assert!(delayed.len() > 200, "{}", delayed.len());
    assert!(
        delayed_mean < 3.0,
        "technician delay mean CES {delayed_mean}"
    );
    assert!(other_mean > 4.5, "other mean CES {other_mean}");
    // Among the hardest provisioning experiences the technician theme dominates.
    let (share, _) = theme_share(
        ces.iter()
            .copied()
            .filter(|r| int(r, "ces").is_some_and(|s| s <= 2)),
        TECHNICIAN_WORDS,
    );
    assert!(share > 0.4, "{share}");
}

// ---------------------------------------------------------------------------------------
// Pattern 5: detractor comments are themed by touchpoint
// ---------------------------------------------------------------------------------------

#[test]
fn detractor_comments_are_themed() {
    let at = |tp: &'static str| move |r: &&DemoResponse| r.touchpoint_key.as_deref() == Some(tp);
    let billing = [
        "rechnung",
        "abgebucht",
        "abbuchung",
        "gutschrift",
        "abrechnung",
        "berechnet",
        "bill",
        "invoice",
        "charge",
        "credit",
        "preis",
        "teuer",
        "price",
        "zahle",
        "paying",
        "expensive",
    ];
    let (share, n) = theme_share(data().iter().filter(at("invoice")), &billing);
    assert!(share > 0.6 && n > 300, "invoice {share} of {n}");
    let crash = [
        "stürzt", "absturz", "crash", "friert", "freez", "hängt", "app",
    ];
    let (share, n) = theme_share(data().iter().filter(at("app")), &crash);
    assert!(share > 0.6 && n > 300, "app {share} of {n}");
    let staff = [
        "unfreundlich",
        "abgewimmelt",
        "patzig",
        "herablassend",
        "desinteressiert",
        "empathie",
        "ahnung",
        "verkaufen",
        "rude",
        "brushed off",
        "snappy",
        "condescending",
        "upsell",
        "clue",
        "ended the conversation",
        "gespräch wurde",
    ];
    let (share, n) = theme_share(data().iter().filter(at("shop")), &staff);
    assert!(share > 0.25 && n > 150, "shop {share} of {n}");
    let slow = [
        "freischaltung",
        "router",
        "sim",
        "aktiviert",
        "schalttermin",
        "rufnummer",
        "einrichtung",
        "techniker",
        "activat",
        "porting",
        "setup",
        "technician",
        "engineer",
        "switch-over",
    ];
    let (share, n) = theme_share(data().iter().filter(at("provisioning")), &slow);
    assert!(share > 0.5 && n > 500, "provisioning {share} of {n}");
    let price = [
        "teuer",
        "preis",
        "expensive",
        "price",
        "zahle",
        "paying",
        "kunden bekommen",
        "new customers",
        "konkurrenz",
        "competition",
    ];
    let (share, _) = theme_share(data().iter().filter(|r| r.survey_key == "rnps"), &price);
    assert!(share > 0.1, "price {share}");
}

// ---------------------------------------------------------------------------------------
// Robustness and speed
// ---------------------------------------------------------------------------------------

#[test]
fn patterns_hold_for_other_seeds_and_dates() {
    for (seed, now) in [
        (1_u64, NOW),
        (99, NOW - 200 * DAY),
        (12_345, NOW + 1_000 * DAY),
    ] {
        let rs = responses(seed, now, DEFAULT_RESPONSES);
        let ago = |r: &DemoResponse| (now - r.submitted_at_ms) / DAY;
        let before = top2(
            rs.iter()
                .filter(|r| is(r, "csat", "invoice") && ago(r) >= 90),
        );
        let last = top2(
            rs.iter()
                .filter(|r| is(r, "csat", "invoice") && ago(r) < 30),
        );
        assert!(
            before.0 - last.0 > 0.12,
            "seed {seed}: invoice {before:?} → {last:?}"
        );
        let hotline: Vec<&DemoResponse> = rs.iter().filter(|r| is(r, "csat", "hotline")).collect();
        let mon = top2(
            hotline
                .iter()
                .copied()
                .filter(|r| weekday(r.submitted_at_ms) == 0),
        );
        let rest = top2(
            hotline
                .iter()
                .copied()
                .filter(|r| weekday(r.submitted_at_ms) != 0),
        );
        assert!(
            rest.0 - mon.0 > 0.12,
            "seed {seed}: hotline {mon:?} vs {rest:?}"
        );
        let early = top2(
            rs.iter()
                .filter(|r| is(r, "csat", "app") && (240..330).contains(&ago(r))),
        );
        let late = top2(rs.iter().filter(|r| is(r, "csat", "app") && ago(r) < 90));
        assert!(
            late.0 - early.0 > 0.15,
            "seed {seed}: app {early:?} → {late:?}"
        );
    }
}

#[test]
fn generation_is_fast() {
    // Release builds take a few tens of milliseconds; this generous bound only catches
    // accidental quadratic behaviour, even in an unoptimised build on a busy machine.
    let start = std::time::Instant::now();
    let rs = responses(3, NOW, DEFAULT_RESPONSES);
    assert_eq!(rs.len(), DEFAULT_RESPONSES);
    assert!(
        start.elapsed().as_secs_f64() < 10.0,
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn the_journey_places_every_touchpoint_once() {
    let dataset = touchpoint_demo::dataset();
    let mut placed: Vec<&str> = dataset
        .journey
        .stages
        .iter()
        .flat_map(|(_, keys)| keys.iter().map(String::as_str))
        .collect();
    placed.sort_unstable();
    let mut keys: Vec<&str> = dataset.touchpoints.iter().map(|t| t.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(placed, keys);
    assert_eq!(dataset.journey.stages.len(), 7, "awareness to renewal");
}
