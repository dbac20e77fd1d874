//! The CRM link on both backends: each customer's latest experience, segments evaluated in
//! customer lists, response lists and metric scans, and the at-risk list.

#[macro_use]
mod both;

use serde_json::{Value, json};
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::segment::{AttributeGrouping, Condition, parse_conditions};
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{
    AttributeDefinition, AttributeType, CustomerId, NewResponse, OrgId, ResponseDraft,
    SurveyDefinition,
};
use touchpoint_store::testing::TestDatabase;
use touchpoint_store::{
    AtRiskQuery, AuditContext, Cursor, CustomerQuery, GroupBy, ResponseQuery, RiskReason,
    RollupQuery, ScanGroup, ScanQuery, Store, SubmitOutcome, Survey, ValueOrder,
};

on_both_backends!(
    latest_experience_keeps_the_newest_score,
    latest_experience_follows_erasure_and_retention,
    migration_fills_the_latest_experience,
    segments_filter_customers_responses_and_metrics,
    segments_are_audited_and_names_unique,
    attribute_groups_and_scans_agree_with_rollups,
    at_risk_lists_valuable_customers_with_a_negative_latest_experience,
);

async fn org(store: &Store) -> OrgId {
    store
        .initialise(&both::initialisation(
            "Nordwind",
            "admin@example.com",
            "hash-1",
        ))
        .await
        .expect("initialise")
        .org_id
}

async fn survey(store: &Store, org_id: OrgId) -> Survey {
    let definition = SurveyDefinition::from_json(json!({"name":"Relationship","languages":["en"],
        "questions":[
        {"id":"nps","type":"nps","text":{"en":"Recommend?"}},
        {"id":"csat","type":"csat","text":{"en":"Satisfied?"}},
        {"id":"ces","type":"ces","text":{"en":"Easy?"}},
        {"id":"why","type":"text","text":{"en":"Why?"}}]}))
    .expect("valid survey");
    let token = uuid::Uuid::now_v7().simple().to_string();
    store
        .create_survey(org_id, &definition, None, &token, &AuditContext::system())
        .await
        .expect("create survey")
}

async fn declare(store: &Store, org_id: OrgId) {
    for (key, t) in [
        ("plan", AttributeType::String),
        ("value", AttributeType::Number),
        ("vip", AttributeType::Boolean),
    ] {
        let definition = AttributeDefinition {
            key: key.into(),
            label: key.into(),
            attribute_type: t,
        };
        store
            .define_attribute(org_id, &definition, &AuditContext::system())
            .await
            .expect("define");
    }
}

async fn customers(store: &Store, org_id: OrgId, records: Vec<Value>) {
    let lines = records
        .into_iter()
        .enumerate()
        .map(|(i, v)| (i as u64 + 1, Ok(serde_json::from_value(v).expect("draft"))))
        .collect();
    let report = store.import_customers(org_id, lines).await.expect("import");
    assert_eq!(report.rejected, 0, "{report:?}");
}

/// `days_ago` days before now (at least a minute in the past).
fn ago(days_ago: f64) -> String {
    let ms = touchpoint_store::now_ms() - (days_ago * 86_400_000.0) as i64 - 60_000;
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("time")
        .to_rfc3339()
}

async fn submit(store: &Store, survey: &Survey, body: Value) -> touchpoint_domain::ResponseId {
    let draft: ResponseDraft = serde_json::from_value(body).expect("draft");
    let response =
        NewResponse::validate(&survey.definition, draft, "api", touchpoint_store::now_ms())
            .expect("valid response");
    match store
        .submit_response(survey, response)
        .await
        .expect("submit")
    {
        SubmitOutcome::Created(id) => id,
        other => panic!("{other:?}"),
    }
}

/// Submits each body in order (each must be created).
async fn submit_all(store: &Store, survey: &Survey, bodies: Vec<Value>) {
    for body in bodies {
        submit(store, survey, body).await;
    }
}

async fn customer_id(store: &Store, org_id: OrgId, external_id: &str) -> CustomerId {
    store
        .customer_by_external_id(org_id, external_id)
        .await
        .expect("customer")
        .id
}

/// `metric → (score, response id)` of the customer's latest experience.
async fn latest(
    store: &Store,
    org_id: OrgId,
    customer: CustomerId,
) -> Vec<(MetricKind, i64, String)> {
    let id = customer.to_string();
    store
        .latest_scores(org_id, &[id.as_str()])
        .await
        .expect("latest")
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|l| (l.metric, l.score, l.response_id))
        .collect()
}

async fn latest_experience_keeps_the_newest_score(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    let newer = submit(
        &store,
        &s,
        json!({"answers":{"nps":9,"csat":2},"customer_external_id":"C-1","submitted_at":ago(5.0)}),
    )
    .await;
    // Dated earlier, arriving later: must not overwrite.
    submit(
        &store,
        &s,
        json!({"answers":{"nps":3,"ces":6},"customer_external_id":"C-1","submitted_at":ago(10.0)}),
    )
    .await;
    let c1 = customer_id(&store, org_id, "C-1").await;
    let older_ces = latest(&store, org_id, c1).await;
    assert_eq!(older_ces.len(), 3);
    assert_eq!(
        (older_ces[0].0, older_ces[0].1, older_ces[0].2.clone()),
        (MetricKind::Nps, 9, newer.to_string())
    );
    assert_eq!((older_ces[1].0, older_ces[1].1), (MetricKind::Csat, 2));
    assert_eq!(
        (older_ces[2].0, older_ces[2].1),
        (MetricKind::Ces, 6),
        "a metric only the older response has still counts"
    );
    // A newer one replaces per metric, and only the metrics it answers.
    let newest = submit(
        &store,
        &s,
        json!({"answers":{"nps":4},"customer_external_id":"C-1","submitted_at":ago(1.0)}),
    )
    .await;
    let now = latest(&store, org_id, c1).await;
    assert_eq!((now[0].1, now[0].2.clone()), (4, newest.to_string()));
    assert_eq!((now[1].1, now[1].2.clone()), (2, newer.to_string()));
    // Many at once through the group-commit writer, in any order: the newest wins.
    let batch: Vec<NewResponse> = (0..20)
        .map(|i| {
            let draft: ResponseDraft = serde_json::from_value(json!({"answers":{"nps": i % 11},
                "customer_external_id":"C-2","submitted_at":ago(f64::from(20 - i))}))
            .expect("draft");
            NewResponse::validate(&s.definition, draft, "api", touchpoint_store::now_ms())
                .expect("valid")
        })
        .rev()
        .collect();
    for outcome in store.submit_responses(&s, batch).await {
        outcome.expect("stored");
    }
    let c2 = customer_id(&store, org_id, "C-2").await;
    assert_eq!(latest(&store, org_id, c2).await[0].1, 19 % 11);
    // Anonymous responses leave no trace here.
    submit(&store, &s, json!({"answers":{"nps":0}})).await;
    assert_eq!(latest(&store, org_id, c2).await.len(), 1);
}

async fn latest_experience_follows_erasure_and_retention(store: Store, _db: TestDatabase) {
    use touchpoint_domain::retention::{DataClass, RetentionPolicy};
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    // C-1: an old detractor answer, then a recent CSAT. C-2: only old answers.
    submit_all(
        &store,
        &s,
        vec![
            json!({"answers":{"nps":2},"customer_external_id":"C-1","submitted_at":ago(400.0)}),
            json!({"answers":{"csat":5},"customer_external_id":"C-1","submitted_at":ago(3.0)}),
            json!({"answers":{"nps":10},"customer_external_id":"C-2","submitted_at":ago(500.0)}),
            json!({"answers":{"nps":1},"customer_external_id":"C-2","submitted_at":ago(450.0)}),
        ],
    )
    .await;
    let c1 = customer_id(&store, org_id, "C-1").await;
    let c2 = customer_id(&store, org_id, "C-2").await;
    assert_eq!(latest(&store, org_id, c1).await.len(), 2);
    let policy = RetentionPolicy::new(DataClass::Responses, "delete", 365).expect("policy");
    let deleted = store
        .apply_retention_batch(org_id, &policy, policy.cutoff(touchpoint_store::now_ms()))
        .await
        .expect("retention");
    assert_eq!(deleted, 3);
    let c1_now = latest(&store, org_id, c1).await;
    assert_eq!(
        c1_now.iter().map(|l| (l.0, l.1)).collect::<Vec<_>>(),
        vec![(MetricKind::Csat, 5)],
        "the deleted NPS answer is no longer C-1's latest"
    );
    assert!(latest(&store, org_id, c2).await.is_empty());
    store
        .erase_customer(org_id, c1, &AuditContext::system())
        .await
        .expect("erase");
    assert!(latest(&store, org_id, c1).await.is_empty());
}

async fn migration_fills_the_latest_experience(store: Store, db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    submit(
        &store,
        &s,
        json!({"answers":{"nps":9,"csat":1},"customer_external_id":"C-1","submitted_at":ago(5.0)}),
    )
    .await;
    let newest = submit(
        &store,
        &s,
        json!({"answers":{"nps":3},"customer_external_id":"C-1","submitted_at":ago(2.0)}),
    )
    .await;
    submit_all(
        &store,
        &s,
        vec![
            json!({"answers":{"nps":8},"customer_external_id":"C-1","submitted_at":ago(9.0)}),
            json!({"answers":{"ces":2},"customer_external_id":"C-2","submitted_at":ago(1.0)}),
        ],
    )
    .await;
    let c1 = customer_id(&store, org_id, "C-1").await;
    let c2 = customer_id(&store, org_id, "C-2").await;
    let before = (
        latest(&store, org_id, c1).await,
        latest(&store, org_id, c2).await,
    );
    assert_eq!(before.0[0].2, newest.to_string());
    store.close().await;
    // Forget migration 0013 and its tables, then let the store apply it again.
    let pool = db.raw_pool().await;
    for sql in [
        "DROP TABLE customer_latest",
        "DROP TABLE segments",
        "DELETE FROM schema_migrations WHERE version = 13",
    ] {
        sqlx::raw_sql(sql).execute(&pool).await.expect("undo 0013");
    }
    pool.close().await;
    let reopened = db.open().await;
    let after = (
        latest(&reopened, org_id, c1).await,
        latest(&reopened, org_id, c2).await,
    );
    assert_eq!(after, before);
    reopened.close().await;
}

fn conditions(raw: Value) -> Vec<Condition> {
    let definitions = [
        ("plan", AttributeType::String),
        ("value", AttributeType::Number),
        ("vip", AttributeType::Boolean),
    ]
    .map(|(key, attribute_type)| AttributeDefinition {
        key: key.into(),
        label: key.into(),
        attribute_type,
    });
    parse_conditions(&raw, &definitions).expect("valid conditions")
}

async fn member_ids(store: &Store, org_id: OrgId, segment: Vec<Condition>) -> Vec<String> {
    let page = store
        .list_customers(
            org_id,
            &CustomerQuery {
                segment: Some(segment),
                ..Default::default()
            },
            &Cursor::start(),
            100,
        )
        .await
        .expect("list");
    let mut ids: Vec<String> = page.items.into_iter().map(|c| c.external_id).collect();
    ids.sort();
    ids
}

/// Four customers with plans, values, answers and contacts:
/// - A: Business, 5000, VIP; NPS 10 (promoter); 3 contacts in the last 30 days
/// - B: Business, 1200; NPS 3 (detractor), CSAT 2; 1 contact 40 days ago
/// - C: Private, 300; NPS 7 (passive), CES 2
/// - D: Private, no value; never answered
async fn population(store: &Store, org_id: OrgId, s: &Survey) {
    declare(store, org_id).await;
    customers(
        store,
        org_id,
        vec![
            json!({"external_id":"A","attributes":{"plan":"Business","value":5000,"vip":true}}),
            json!({"external_id":"B","attributes":{"plan":"Business","value":1200}}),
            json!({"external_id":"C","attributes":{"plan":"Private","value":300}}),
            json!({"external_id":"D","attributes":{"plan":"Private"}}),
        ],
    )
    .await;
    submit(
        store,
        s,
        json!({"answers":{"nps":10},"customer_external_id":"A","submitted_at":ago(4.0)}),
    )
    .await;
    submit(store, s, json!({"answers":{"nps":3,"csat":2,"why":"slow"},"customer_external_id":"B","submitted_at":ago(3.0)})).await;
    submit(
        store,
        s,
        json!({"answers":{"nps":7,"ces":2},"customer_external_id":"C","submitted_at":ago(2.0)}),
    )
    .await;
    // Anonymous answers belong to no segment.
    submit(
        store,
        s,
        json!({"answers":{"nps":0},"submitted_at":ago(1.0)}),
    )
    .await;
    let tp = store
        .create_touchpoint(
            org_id,
            &TouchpointFields {
                name: "Hotline".into(),
                channel: "phone".into(),
                ..Default::default()
            },
            &AuditContext::system(),
        )
        .await
        .expect("touchpoint")
        .id
        .to_string();
    let now = touchpoint_store::now_ms();
    let events: Vec<_> = [
        ("e1", "A", 1.0),
        ("e2", "A", 10.0),
        ("e3", "A", 29.0),
        ("e4", "B", 40.0),
    ]
    .into_iter()
    .map(|(id, who, days)| {
        serde_json::from_value::<touchpoint_domain::event::EventDraft>(json!({
                "external_id": id, "customer_external_id": who, "touchpoint": tp,
                "channel": "phone", "type": "call", "occurred_at": ago(days)}))
        .expect("shape")
        .validate(now)
        .expect("valid")
    })
    .collect();
    store.ingest_events(org_id, events).await.expect("events");
}

async fn segments_filter_customers_responses_and_metrics(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    population(&store, org_id, &s).await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!([]), vec!["A", "B", "C", "D"]),
        (
            json!([{"type":"attribute","key":"plan","equals":"Business"}]),
            vec!["A", "B"],
        ),
        (
            json!([{"type":"attribute","key":"plan","one_of":["Private","Gold"]}]),
            vec!["C", "D"],
        ),
        (
            json!([{"type":"attribute","key":"value","min":1000}]),
            vec!["A", "B"],
        ),
        (
            json!([{"type":"attribute","key":"value","min":300,"max":1200}]),
            vec!["B", "C"],
        ),
        (
            json!([{"type":"attribute","key":"value","equals":1200}]),
            vec!["B"],
        ),
        (
            json!([{"type":"attribute","key":"vip","equals":true}]),
            vec!["A"],
        ),
        (
            json!([{"type":"nps_category","one_of":["detractor"]}]),
            vec!["B"],
        ),
        (
            json!([{"type":"nps_category","one_of":["passive","none"]}]),
            vec!["C", "D"],
        ),
        (json!([{"type":"contacts","days":30,"min":3}]), vec!["A"]),
        (
            json!([{"type":"contacts","days":30,"max":0}]),
            vec!["B", "C", "D"],
        ),
        (
            json!([{"type":"contacts","days":60,"min":1,"max":1}]),
            vec!["B"],
        ),
        (
            json!([{"type":"latest_score","metric":"csat","max":2}]),
            vec!["B"],
        ),
        (
            json!([{"type":"latest_score","metric":"ces","min":1,"max":3}]),
            vec!["C"],
        ),
        (
            json!([{"type":"attribute","key":"plan","equals":"Private"},{"type":"nps_category","one_of":["none"]}]),
            vec!["D"],
        ),
    ];
    for (raw, expected) in cases {
        assert_eq!(
            member_ids(&store, org_id, conditions(raw.clone())).await,
            expected,
            "{raw}"
        );
    }
    // Responses of Business customers: A's and B's, not the anonymous one.
    let business = conditions(json!([{"type":"attribute","key":"plan","equals":"Business"}]));
    let page = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &ResponseQuery {
                segment: Some(business.clone()),
                ..Default::default()
            },
            &Cursor::start(),
            50,
        )
        .await
        .expect("responses");
    let nps: Vec<i64> = page
        .items
        .iter()
        .filter_map(|r| r.answers["nps"].as_i64())
        .collect();
    assert_eq!(nps, vec![3, 10], "newest first");
    // An empty segment still drops anonymous responses.
    let everyone = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &ResponseQuery {
                segment: Some(Vec::new()),
                ..Default::default()
            },
            &Cursor::start(),
            50,
        )
        .await
        .expect("responses");
    assert_eq!(everyone.items.len(), 3);
    // The metric scan of the segment: one row, NPS answers 10 and 3.
    let nps_question = [(s.id, "nps".to_owned())];
    let today = touchpoint_domain::period::day_of_ms(touchpoint_store::now_ms());
    let rows = store
        .scan_rollup_rows(
            org_id,
            &ScanQuery {
                questions: &nps_question,
                from_day: today - 30,
                to_day: today,
                group: ScanGroup::None,
                filter: &Default::default(),
                segment: Some(&business),
                period_starts: &[today - 30],
            },
        )
        .await
        .expect("scan");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].day, today - 30);
    assert_eq!(rows[0].histogram.n(), 2);
    assert_eq!(
        (rows[0].histogram.buckets[10], rows[0].histogram.buckets[3]),
        (1, 1)
    );
}

async fn segments_are_audited_and_names_unique(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    declare(&store, org_id).await;
    let valid = touchpoint_domain::segment::ValidSegment {
        name: "Business".into(),
        description: "Paying business customers".into(),
        conditions: conditions(json!([{"type":"attribute","key":"plan","equals":"Business"}])),
    };
    let created = store
        .create_segment(org_id, &valid, &AuditContext::system())
        .await
        .expect("create");
    assert_eq!(created.conditions, valid.conditions);
    let again = store
        .create_segment(org_id, &valid, &AuditContext::system())
        .await;
    assert!(
        matches!(again, Err(touchpoint_store::StoreError::Conflict { .. })),
        "{again:?}"
    );
    let changed = touchpoint_domain::segment::ValidSegment {
        name: "Business detractors".into(),
        conditions: conditions(
            json!([{"type":"attribute","key":"plan","equals":"Business"},
            {"type":"nps_category","one_of":["detractor"]}]),
        ),
        ..valid.clone()
    };
    let updated = store
        .update_segment(org_id, created.id, &changed, &AuditContext::system())
        .await
        .expect("update");
    assert_eq!(updated.conditions.len(), 2);
    assert_eq!(store.segments(org_id).await.expect("list").len(), 1);
    store
        .delete_segment(org_id, created.id, &AuditContext::system())
        .await
        .expect("delete");
    assert!(matches!(
        store.segment(org_id, created.id).await,
        Err(touchpoint_store::StoreError::NotFound)
    ));
    let actions: Vec<String> = store
        .audit_entries(org_id, &Default::default(), &Cursor::start(), 50)
        .await
        .expect("audit")
        .items
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("segment."))
        .collect();
    assert_eq!(
        actions,
        ["segment.delete", "segment.update", "segment.create"]
    );
}

fn sorted(mut rows: Vec<touchpoint_store::RollupRow>) -> Vec<touchpoint_store::RollupRow> {
    rows.sort_by_key(|r| (r.day, r.group.clone()));
    rows
}

async fn attribute_groups_and_scans_agree_with_rollups(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    population(&store, org_id, &s).await;
    let today = touchpoint_domain::period::day_of_ms(touchpoint_store::now_ms());
    let starts = [today - 30, today - 7];
    let nps_question = [(s.id, "nps".to_owned())];
    // Without segment or attribute, the scan gives exactly the rollups' rows.
    for group_by in [None, Some(GroupBy::Channel), Some(GroupBy::Touchpoint)] {
        let rolled = store
            .rollup_rows(
                org_id,
                s.id,
                &RollupQuery {
                    question_id: "nps",
                    from_day: today - 30,
                    to_day: today,
                    group_by,
                    filter: &Default::default(),
                    period_starts: &starts,
                },
            )
            .await
            .expect("rollups");
        let scanned = store
            .scan_rollup_rows(
                org_id,
                &ScanQuery {
                    questions: &nps_question,
                    from_day: today - 30,
                    to_day: today,
                    group: group_by.map_or(ScanGroup::None, ScanGroup::Dimension),
                    filter: &Default::default(),
                    segment: None,
                    period_starts: &starts,
                },
            )
            .await
            .expect("scan");
        assert_eq!(sorted(scanned), sorted(rolled), "{group_by:?}");
    }
    // The journey map's sums (several questions, per touchpoint and per comment sentiment).
    let ids: Vec<_> = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &ResponseQuery::default(),
            &Cursor::start(),
            50,
        )
        .await
        .expect("responses")
        .items
        .iter()
        .map(|r| r.id)
        .collect();
    let records: Vec<_> = store
        .analysis_targets(&ids)
        .await
        .expect("targets")
        .into_iter()
        .map(|target| {
            let record = touchpoint_store::text::AnalysisRecord {
                language: "en".into(),
                sentiment: "negative".into(),
                score: -0.5,
                analysis: json!({}),
                themes: Vec::new(),
            };
            (target, record)
        })
        .collect();
    assert_eq!(records.len(), 1, "B's comment");
    store.save_analyses(&records, "test").await.expect("save");
    let both = [(s.id, "nps".to_owned()), (s.id, "csat".to_owned())];
    for by_sentiment in [false, true] {
        let rolled = store
            .rollups_by_touchpoint(
                org_id,
                &touchpoint_store::TouchpointRollupQuery {
                    questions: &both,
                    from_day: today - 30,
                    to_day: today,
                    period_starts: &starts,
                    by_sentiment,
                },
            )
            .await
            .expect("rollups");
        let scanned = store
            .scan_rollup_rows(
                org_id,
                &ScanQuery {
                    questions: &both,
                    from_day: today - 30,
                    to_day: today,
                    group: if by_sentiment {
                        ScanGroup::TouchpointSentiment
                    } else {
                        ScanGroup::Dimension(GroupBy::Touchpoint)
                    },
                    filter: &Default::default(),
                    segment: None,
                    period_starts: &starts,
                },
            )
            .await
            .expect("scan");
        assert!(!rolled.is_empty());
        assert_eq!(
            sorted(scanned),
            sorted(rolled),
            "by sentiment: {by_sentiment}"
        );
    }
    let definitions = store.attribute_definitions(org_id).await.expect("defs");
    let by_plan = AttributeGrouping::resolve("plan", None, &definitions).expect("plan");
    let by_value = AttributeGrouping::resolve("value", Some("1000"), &definitions).expect("bins");
    for (grouping, expected) in [
        // Business: 10 and 3; Private: 7; no plan: the anonymous 0.
        (&by_plan, vec![("", 1), ("Business", 2), ("Private", 1)]),
        (&by_value, vec![("", 1), ("< 1000", 1), ("≥ 1000", 2)]),
    ] {
        let rows = store
            .scan_rollup_rows(
                org_id,
                &ScanQuery {
                    questions: &nps_question,
                    from_day: today - 30,
                    to_day: today,
                    group: ScanGroup::Attribute(grouping),
                    filter: &Default::default(),
                    segment: None,
                    period_starts: &[today - 30],
                },
            )
            .await
            .expect("scan");
        let got: Vec<(&str, u64)> = rows
            .iter()
            .map(|r| (r.group.as_str(), r.histogram.n()))
            .collect();
        assert_eq!(got, expected, "{}", grouping.key);
    }
}

async fn at_risk_lists_valuable_customers_with_a_negative_latest_experience(
    store: Store,
    _db: TestDatabase,
) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    population(&store, org_id, &s).await;
    customers(
        &store,
        org_id,
        vec![
            json!({"external_id":"E","attributes":{"plan":"Business","value":9000}}),
            json!({"external_id":"F","attributes":{"plan":"Business","value":1200}}),
            json!({"external_id":"G","attributes":{"plan":"Private","value":700}}),
        ],
    )
    .await;
    // E: detractor long ago, then a happy CSAT: still at risk by the latest NPS.
    submit_all(
        &store,
        &s,
        vec![
            json!({"answers":{"nps":5},"customer_external_id":"E","submitted_at":ago(100.0)}),
            json!({"answers":{"csat":5},"customer_external_id":"E","submitted_at":ago(1.0)}),
        ],
    )
    .await;
    // F: same value as B; CES 3 (difficult).
    submit(
        &store,
        &s,
        json!({"answers":{"ces":3},"customer_external_id":"F","submitted_at":ago(1.0)}),
    )
    .await;
    // G: passive, with a comment analysed as negative.
    let g = submit(&store, &s, json!({"answers":{"nps":8,"why":"rude staff"},"customer_external_id":"G","submitted_at":ago(1.0)})).await;
    let targets = store.analysis_targets(&[g]).await.expect("targets");
    let records: Vec<_> = targets
        .into_iter()
        .map(|target| {
            let record = touchpoint_store::text::AnalysisRecord {
                language: "en".into(),
                sentiment: "negative".into(),
                score: -0.8,
                analysis: json!({}),
                themes: Vec::new(),
            };
            (target, record)
        })
        .collect();
    store.save_analyses(&records, "test").await.expect("save");

    let list = |query: AtRiskQuery, limit: usize| {
        let store = store.clone();
        async move {
            let mut out = Vec::new();
            let mut cursor = Cursor::start();
            loop {
                let page = store
                    .at_risk_customers(org_id, &query, &cursor, limit)
                    .await
                    .expect("at risk");
                out.extend(page.items);
                match page.next_cursor.as_deref().and_then(Cursor::parse) {
                    Some(next) => cursor = next,
                    None => return out,
                }
            }
        }
    };
    let query = AtRiskQuery {
        value_key: "value".into(),
        ..Default::default()
    };
    let all = list(query.clone(), 1).await;
    let order: Vec<(&str, f64)> = all
        .iter()
        .map(|c| (c.customer.external_id.as_str(), c.value))
        .collect();
    // A (a promoter) and D (no value) are not at risk; B and F tie on value: the newer id first.
    let ids: Vec<&str> = order.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        vec!["E", "F", "B", "G", "C"],
        "by value, paged one by one"
    );
    assert_eq!(order[0].1, 9000.0);
    let e = &all[0];
    assert_eq!(e.reasons, vec![RiskReason::NpsDetractor]);
    assert_eq!(
        e.latest_experience().map(|l| (l.metric, l.score)),
        Some((MetricKind::Csat, 5))
    );
    let g_item = all
        .iter()
        .find(|c| c.customer.external_id == "G")
        .expect("G");
    assert_eq!(g_item.reasons, vec![RiskReason::NegativeComment]);
    let c_item = all
        .iter()
        .find(|c| c.customer.external_id == "C")
        .expect("C");
    assert_eq!(c_item.reasons, vec![RiskReason::CesDifficult]);
    let b_item = all
        .iter()
        .find(|c| c.customer.external_id == "B")
        .expect("B");
    assert_eq!(
        b_item.reasons,
        vec![RiskReason::NpsDetractor, RiskReason::CsatDissatisfied]
    );
    // Ascending, a minimum value, recent signals only, a segment.
    let asc = list(
        AtRiskQuery {
            order: ValueOrder::Asc,
            min_value: Some(700.0),
            ..query.clone()
        },
        2,
    )
    .await;
    assert_eq!(
        asc.iter()
            .map(|c| c.customer.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["G", "B", "F", "E"]
    );
    let recent = list(
        AtRiskQuery {
            since_ms: Some(touchpoint_store::now_ms() - 30 * 86_400_000),
            ..query.clone()
        },
        50,
    )
    .await;
    assert!(
        !recent.iter().any(|c| c.customer.external_id == "E"),
        "E's detractor answer is 100 days old"
    );
    let business = list(
        AtRiskQuery {
            segment: Some(conditions(
                json!([{"type":"attribute","key":"plan","equals":"Business"}]),
            )),
            ..query.clone()
        },
        50,
    )
    .await;
    let mut names: Vec<&str> = business
        .iter()
        .map(|c| c.customer.external_id.as_str())
        .collect();
    names.sort();
    assert_eq!(names, vec!["B", "E", "F"]);
}
