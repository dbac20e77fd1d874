//! The customer base, its events and the linked responses: churn must be visible.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use touchpoint_demo::{
    DEFAULT_RESPONSES, DEFAULT_SEED, DemoCustomer, DemoEvent, DemoResponse, attributes, customers,
    dataset, events, responses,
};

/// Monday, 2026-11-23 12:00:00 UTC.
const NOW: i64 = 1_795_435_200_000;
const DAY: i64 = 86_400_000;

fn people() -> &'static [DemoCustomer] {
    static DATA: OnceLock<Vec<DemoCustomer>> = OnceLock::new();
    DATA.get_or_init(|| customers(DEFAULT_SEED))
}

fn all_events() -> &'static [DemoEvent] {
    static DATA: OnceLock<Vec<DemoEvent>> = OnceLock::new();
    DATA.get_or_init(|| events(DEFAULT_SEED, NOW))
}

fn answers() -> &'static [DemoResponse] {
    static DATA: OnceLock<Vec<DemoResponse>> = OnceLock::new();
    DATA.get_or_init(|| responses(DEFAULT_SEED, NOW, DEFAULT_RESPONSES))
}

fn churned() -> HashMap<&'static str, bool> {
    people()
        .iter()
        .map(|c| (c.external_id.as_str(), c.churned))
        .collect()
}

/// NPS in points of the rNPS responses that pass `keep`, and how many there were.
fn nps(keep: impl Fn(&DemoResponse) -> bool) -> (f64, usize) {
    let scores: Vec<i64> = answers()
        .iter()
        .filter(|r| keep(r))
        .filter_map(|r| r.answers.get("nps").and_then(|v| v.as_i64()))
        .collect();
    let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
    let n = scores.len();
    (100.0 * (promoters - detractors) / n.max(1) as f64, n)
}

/// Top-2-box CSAT in percent at `touchpoints` of the responses that pass `keep`.
fn csat(touchpoints: &[&str], keep: impl Fn(&DemoResponse) -> bool) -> (f64, usize) {
    let scores: Vec<i64> = answers()
        .iter()
        .filter(|r| keep(r))
        .filter(|r| {
            r.touchpoint_key
                .as_deref()
                .is_some_and(|t| touchpoints.contains(&t))
        })
        .filter_map(|r| r.answers.get("csat").and_then(|v| v.as_i64()))
        .collect();
    let good = scores.iter().filter(|s| **s >= 4).count() as f64;
    (100.0 * good / scores.len().max(1) as f64, scores.len())
}

#[test]
fn the_whole_telco_file_becomes_the_customer_base() {
    let all = people();
    assert_eq!(all.len(), 7_043);
    assert_eq!(all.iter().filter(|c| c.churned).count(), 1_869);
    let ids: HashSet<&str> = all.iter().map(|c| c.external_id.as_str()).collect();
    assert_eq!(ids.len(), all.len());
    let emails: HashSet<&str> = all.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(emails.len(), all.len(), "addresses are unique");
    let declared: HashMap<String, String> =
        attributes().into_iter().map(|a| (a.key, a.kind)).collect();
    for c in all {
        assert!(c.email.ends_with(".example"), "{}", c.email);
        assert!(c.email.is_ascii() && !c.email.contains(' '));
        assert!(c.name.contains(' '));
        assert!(["de", "en"].contains(&c.language.as_str()));
        assert_eq!(c.attributes["churned"], serde_json::json!(c.churned));
        for (key, value) in &c.attributes {
            let kind = declared.get(key).map(String::as_str);
            let fits = match kind {
                Some("string") => value.is_string(),
                Some("number") => value.is_number(),
                Some("boolean") => value.is_boolean(),
                _ => false,
            };
            assert!(fits, "{key} = {value} in {}", c.external_id);
        }
    }
    // The file's first customer, exactly: 1 month of DSL at 29.85.
    let first = &all[0];
    assert_eq!(first.external_id, "7590-VHVEG");
    assert_eq!(first.attributes["tenure_months"], 1);
    assert_eq!(first.attributes["monthly_charges"], 29.85);
    assert_eq!(first.attributes["total_charges"], 29.85);
    assert_eq!(first.attributes["contract"], "month_to_month");
    assert_eq!(first.attributes["value_tier"], "bronze");
    assert_eq!(first.attributes["internet_service"], "dsl");
    // The 11 customers not billed yet have no total.
    assert_eq!(
        all.iter()
            .filter(|c| !c.attributes.contains_key("total_charges"))
            .count(),
        11
    );
    let tiers: HashSet<&str> = all
        .iter()
        .filter_map(|c| c.attributes["value_tier"].as_str())
        .collect();
    assert_eq!(tiers, HashSet::from(["bronze", "silver", "gold"]));
    let german = all.iter().filter(|c| c.language == "de").count() as f64 / 7_043.0;
    assert!((0.76..0.84).contains(&german), "{german}");
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(people(), customers(DEFAULT_SEED).as_slice());
    assert_eq!(all_events(), events(DEFAULT_SEED, NOW).as_slice());
    assert_ne!(people(), customers(DEFAULT_SEED + 1).as_slice());
    assert_ne!(all_events(), events(DEFAULT_SEED + 1, NOW).as_slice());
}

#[test]
fn every_event_maps_to_a_touchpoint_of_the_journey() {
    let d = dataset();
    let keys: HashSet<&str> = d.touchpoints.iter().map(|t| t.key.as_str()).collect();
    let placed: HashSet<&str> = d
        .journey
        .stages
        .iter()
        .flat_map(|(_, keys)| keys.iter().map(String::as_str))
        .collect();
    let ids = churned();
    let mut external_ids = HashSet::new();
    for e in all_events() {
        assert!(keys.contains(e.touchpoint_key.as_str()), "{e:?}");
        assert!(placed.contains(e.touchpoint_key.as_str()), "{e:?}");
        assert!(ids.contains_key(e.customer_external_id.as_str()));
        assert!(e.occurred_at_ms <= NOW && e.occurred_at_ms > NOW - 365 * DAY);
        assert!(external_ids.insert(e.external_id.as_str()), "{e:?}");
        // What the event API accepts as channel, type and outcome.
        let key = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
        };
        assert!(key(&e.channel) && e.channel.len() <= 32, "{e:?}");
        assert!(key(&e.kind), "{e:?}");
        assert!(e.outcome.as_deref().is_none_or(key), "{e:?}");
    }
    // Every stage of the journey sees events.
    let used: HashSet<&str> = all_events()
        .iter()
        .map(|e| e.touchpoint_key.as_str())
        .collect();
    for (stage, keys) in &d.journey.stages {
        assert!(
            keys.iter().any(|k| used.contains(k.as_str())),
            "stage {stage}"
        );
    }
    // Enough to look alive, few enough to load in seconds.
    let n = all_events().len();
    assert!((60_000..160_000).contains(&n), "{n}");
}

#[test]
fn churners_cancel_and_the_others_renew() {
    let ids = churned();
    let mut cancelled: HashMap<&str, usize> = HashMap::new();
    let mut renewed = HashSet::new();
    let mut last_event: HashMap<&str, (i64, &str)> = HashMap::new();
    for e in all_events() {
        match e.kind.as_str() {
            "contract.cancelled" => *cancelled.entry(&e.customer_external_id).or_default() += 1,
            "contract.renewed" => {
                renewed.insert(e.customer_external_id.as_str());
            }
            _ => {}
        }
        let entry = last_event
            .entry(&e.customer_external_id)
            .or_insert((i64::MIN, ""));
        if e.occurred_at_ms >= entry.0 {
            *entry = (e.occurred_at_ms, e.kind.as_str());
        }
    }
    for (id, churner) in &ids {
        if *churner {
            assert_eq!(cancelled.get(id), Some(&1), "{id} cancels once");
            assert_eq!(
                last_event.get(id).map(|(_, k)| *k),
                Some("contract.cancelled"),
                "nothing happens to {id} after cancelling"
            );
            assert!(!renewed.contains(id));
        } else {
            assert!(!cancelled.contains_key(id));
        }
    }
    let stayers = ids.values().filter(|c| !**c).count();
    assert!(
        renewed.len() * 2 > stayers,
        "most stayers renew in the year"
    );
}

#[test]
fn churners_have_more_and_worse_support_contacts() {
    let ids = churned();
    let (mut n, mut contacts, mut unresolved) = ([0usize; 2], [0usize; 2], [0usize; 2]);
    for c in ids.values() {
        n[usize::from(*c)] += 1;
    }
    let mut failed_installations = [0usize; 2];
    let mut installations = [0usize; 2];
    for e in all_events() {
        let i = usize::from(ids[e.customer_external_id.as_str()]);
        if e.kind == "support.contact" {
            contacts[i] += 1;
            if e.outcome.as_deref() != Some("resolved") {
                unresolved[i] += 1;
            }
        }
        if e.kind == "installation.appointment" {
            installations[i] += 1;
            if e.outcome.as_deref() == Some("technician_no_show") {
                failed_installations[i] += 1;
            }
        }
    }
    let per = |i: usize| contacts[i] as f64 / n[i] as f64;
    assert!(per(1) > 2.0 * per(0), "{} vs {}", per(1), per(0));
    let share = |a: [usize; 2], b: [usize; 2], i: usize| a[i] as f64 / b[i].max(1) as f64;
    assert!(share(unresolved, contacts, 1) > 0.4);
    assert!(share(unresolved, contacts, 0) < 0.25);
    assert!(
        share(failed_installations, installations, 1)
            > share(failed_installations, installations, 0)
    );
}

#[test]
fn linked_responses_show_churn() {
    let ids = churned();
    let people: HashMap<&str, &DemoCustomer> = people()
        .iter()
        .map(|c| (c.external_id.as_str(), c))
        .collect();
    let linked: Vec<&DemoResponse> = answers()
        .iter()
        .filter(|r| r.customer_external_id.is_some())
        .collect();
    let share = linked.len() as f64 / answers().len() as f64;
    assert!((0.40..0.55).contains(&share), "{share}");
    for r in &linked {
        let id = r.customer_external_id.as_deref().unwrap_or_default();
        let customer = people.get(id).expect("a Telco customer");
        assert_eq!(customer.language, r.language, "{id}");
    }
    let is = |churner: bool| {
        let ids = &ids;
        move |r: &DemoResponse| {
            r.customer_external_id
                .as_deref()
                .is_some_and(|id| ids.get(id) == Some(&churner))
        }
    };
    let (churn_nps, churn_n) = nps(is(true));
    let (stay_nps, stay_n) = nps(is(false));
    assert!(churn_n > 500 && stay_n > 1_500, "{churn_n} {stay_n}");
    assert!(
        churn_nps < stay_nps - 40.0,
        "NPS of churners {churn_nps:.1} vs others {stay_nps:.1}"
    );
    // Detractors are concentrated among churners: over half of the linked detractors are
    // theirs, though they are about a quarter of the customers.
    let detractor = |r: &DemoResponse| {
        r.answers
            .get("nps")
            .and_then(|v| v.as_i64())
            .is_some_and(|s| s <= 6)
    };
    let linked_detractors: Vec<&DemoResponse> =
        linked.iter().copied().filter(|r| detractor(r)).collect();
    let by_churners = linked_detractors.iter().filter(|r| is(true)(r)).count();
    assert!(by_churners * 2 > linked_detractors.len());
    // Lower CSAT at the support touchpoints.
    let support = ["hotline", "chat", "shop"];
    let (churn_csat, _) = csat(&support, is(true));
    let (stay_csat, _) = csat(&support, is(false));
    assert!(churn_csat < stay_csat - 30.0, "{churn_csat} vs {stay_csat}");
    // Churners answered while they were still customers.
    let cancelled: HashMap<&str, i64> = all_events()
        .iter()
        .filter(|e| e.kind == "contract.cancelled")
        .map(|e| (e.customer_external_id.as_str(), e.occurred_at_ms))
        .collect();
    for r in linked.iter().filter(|r| is(true)(r)) {
        let id = r.customer_external_id.as_deref().unwrap_or_default();
        assert!(r.submitted_at_ms < cancelled[id], "{id}");
    }
}
