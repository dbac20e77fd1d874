//! What journey paths read, on SQLite and PostgreSQL alike: a journey's events in a period,
//! customer by customer in time order, and the customer-linked responses at its touchpoints.

#[macro_use]
mod both;

use serde_json::json;
use std::collections::HashMap;
use touchpoint_domain::journey::{JourneyFields, LayoutDraft};
use touchpoint_domain::period::day_of_date;
use touchpoint_domain::{
    AnswerValue, CustomerId, NewResponse, OrgId, ResponseDraft, SurveyDefinition, TouchpointId,
};
use touchpoint_store::testing::TestDatabase;
use touchpoint_store::{AuditContext, Store};

on_both_backends!(journey_visits_and_answers_stream_in_order_within_the_period);

async fn org(store: &Store, email: &str) -> OrgId {
    let init = both::initialisation(email, email, email);
    let done = if store.is_initialised().await.expect("state") {
        store.create_organisation(&init).await
    } else {
        store.initialise(&init).await
    };
    done.expect("organisation").org_id
}

fn day(y: i32, m: u32, d: u32) -> i64 {
    day_of_date(chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date"))
}

async fn journey_visits_and_answers_stream_in_order_within_the_period(
    store: Store,
    _db: TestDatabase,
) {
    let org_id = org(&store, "a@example.com").await;
    let shop = both::touchpoint(&store, org_id, "Shop").await;
    let hotline = both::touchpoint(&store, org_id, "Hotline").await;
    let letter = both::touchpoint(&store, org_id, "Letter").await;
    let journey = store
        .create_journey(
            org_id,
            &JourneyFields {
                name: "Telco".into(),
                description: String::new(),
                stages: vec!["Purchase".into(), "Support".into()],
            },
            &AuditContext::system(),
        )
        .await
        .expect("journey");
    let stages: Vec<_> = journey.stages.iter().map(|s| s.id).collect();
    let known = store.touchpoint_ids(org_id).await.expect("ids");
    let layout = serde_json::from_value::<LayoutDraft>(json!({"stages": [
        {"id": stages[0].to_string(), "touchpoint_ids": [shop.to_string()]},
        {"id": stages[1].to_string(), "touchpoint_ids": [hotline.to_string()]}]}))
    .expect("shape")
    .validate(&stages, &known)
    .expect("valid");
    store
        .set_layout(org_id, journey.id, &layout, &AuditContext::system())
        .await
        .expect("layout");

    // Another organisation's events at its own journey never show.
    let other = org(&store, "b@example.com").await;
    let foreign = both::touchpoint(&store, other, "Shop").await;

    let now = touchpoint_store::now_ms();
    let event = |id: &str, who: &str, tp: TouchpointId, at: &str| {
        serde_json::from_value::<touchpoint_domain::event::EventDraft>(json!({
            "external_id": id, "customer_external_id": who, "touchpoint": tp.to_string(),
            "channel": "web", "type": "visit", "occurred_at": at}))
        .expect("shape")
        .validate(now)
        .expect("valid")
    };
    // Sent out of order; the period is 2026-05-01..=2026-05-31.
    let batch = vec![
        event("b-2", "B", hotline, "2026-05-31T23:59:59.999Z"),
        event("a-3", "A", hotline, "2026-05-20T10:00:00Z"),
        event("a-1", "A", shop, "2026-05-01T00:00:00Z"),
        event("a-2", "A", hotline, "2026-05-10T10:00:00Z"),
        event("a-0", "A", hotline, "2026-04-30T23:59:59.999Z"),
        event("b-1", "B", shop, "2026-05-02T10:00:00Z"),
        event("b-3", "B", shop, "2026-06-01T00:00:00Z"),
        event("a-x", "A", letter, "2026-05-05T10:00:00Z"),
    ];
    store
        .ingest_events(org_id, batch.clone())
        .await
        .expect("ingest");
    store
        .ingest_events(
            other,
            vec![event("o-1", "A", foreign, "2026-05-05T10:00:00Z")],
        )
        .await
        .expect("ingest other");
    let a = store
        .customer_by_external_id(org_id, "A")
        .await
        .expect("A")
        .id;
    let b = store
        .customer_by_external_id(org_id, "B")
        .await
        .expect("B")
        .id;

    let mut visits: Vec<(CustomerId, TouchpointId)> = Vec::new();
    let n = store
        .journey_visits(
            org_id,
            journey.id,
            day(2026, 5, 1),
            day(2026, 5, 31),
            |c, ts| visits.extend(ts.iter().map(|t| (c, *t))),
        )
        .await
        .expect("visits");
    assert_eq!(n, 5);
    let mut expected = vec![
        (a, shop),
        (a, hotline),
        (a, hotline),
        (b, shop),
        (b, hotline),
    ];
    // Customers come in id order (whichever that is), each in time order.
    if b.to_string() < a.to_string() {
        expected.rotate_left(3);
    }
    assert_eq!(visits, expected);
    let n = store
        .journey_visits(
            other,
            journey.id,
            day(2026, 5, 1),
            day(2026, 5, 31),
            |_, _| {},
        )
        .await
        .expect("visits");
    assert_eq!(n, 0, "a journey of another organisation has nothing");

    let definition = SurveyDefinition::from_json(json!({"name": "NPS", "languages": ["en"],
        "questions": [{"id": "nps", "type": "nps", "required": true, "text": {"en": "Recommend?"}}]}))
    .expect("survey");
    let survey = store
        .create_survey(
            org_id,
            &definition,
            Some(shop),
            "token-1",
            &AuditContext::system(),
        )
        .await
        .expect("survey");
    for body in [
        json!({"answers": {"nps": 9}, "customer_external_id": "A", "submitted_at": "2026-05-03T10:00:00Z"}),
        json!({"answers": {"nps": 2}, "customer_external_id": "B", "touchpoint_id": hotline.to_string(), "submitted_at": "2026-05-31T23:00:00Z"}),
        // Outside the period, at a touchpoint of no journey, without a customer: none count.
        json!({"answers": {"nps": 0}, "customer_external_id": "A", "submitted_at": "2026-06-01T00:00:00Z"}),
        json!({"answers": {"nps": 0}, "customer_external_id": "A", "touchpoint_id": letter.to_string(), "submitted_at": "2026-05-03T10:00:00Z"}),
        json!({"answers": {"nps": 0}, "submitted_at": "2026-05-03T10:00:00Z"}),
    ] {
        let draft: ResponseDraft = serde_json::from_value(body).expect("draft");
        let response = NewResponse::validate(&survey.definition, draft, "api", now).expect("valid");
        store
            .submit_response(&survey, response)
            .await
            .expect("submit");
    }
    let mut answers: HashMap<CustomerId, Vec<(TouchpointId, i64)>> = HashMap::new();
    let n = store
        .journey_answers(org_id, journey.id, day(2026, 5, 1), day(2026, 5, 31), |r| {
            assert_eq!(r.survey_id, survey.id);
            if let Some(AnswerValue::Score(s)) = r.answers.get("nps") {
                answers
                    .entry(r.customer_id)
                    .or_default()
                    .push((r.touchpoint_id, *s));
            }
        })
        .await
        .expect("answers");
    assert_eq!(n, 2);
    assert_eq!(
        answers.get(&a),
        Some(&vec![(shop, 9)]),
        "the survey's touchpoint"
    );
    assert_eq!(
        answers.get(&b),
        Some(&vec![(hotline, 2)]),
        "the response's own touchpoint"
    );
}
