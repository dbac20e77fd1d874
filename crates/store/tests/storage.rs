//! The storage contract, run against SQLite and PostgreSQL alike.

#[macro_use]
mod both;

use proptest::prelude::*;
use serde_json::json;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{DepartmentScope, Role};
use touchpoint_domain::{
    NewResponse, OrgId, Resources, ResponseDraft, SurveyDefinition, TokenGrant, TokenScope,
};
use touchpoint_store::accounts::{Initialisation, NewApiToken, Principal};
use touchpoint_store::jobs::{JobState, NewJob};
use touchpoint_store::testing::TestDatabase;
use touchpoint_store::{AccessChange, AuditContext, AuditEntry, AuditFilter};
use touchpoint_store::{Cursor, GroupBy, Store, StoreError, SubmitOutcome, Survey};

on_both_backends_unopened!(
    migration_gives_existing_organisations_default_departments,
    attribute_values_survive_the_compact_migration,
    migration_0015_keeps_events_and_defers_their_keys,
);

on_both_backends!(
    initialise_once,
    tokens_and_sessions,
    tokens_are_scoped_listed_expire_and_revoke,
    touchpoints_are_per_organisation,
    surveys_lifecycle,
    responses_are_idempotent_by_external_id,
    responses_page_newest_first,
    text_is_stored_exactly,
    concurrent_submissions_are_all_stored,
    rollups_group_and_sum,
    rollups_equal_recomputation_from_raw_rows,
    jobs_claim_retry_and_lease,
    reopening_applies_no_migration_twice,
    audit_entries_come_with_their_change,
    audit_log_is_append_only_in_the_database,
    retention_expires_old_data_and_keeps_aggregates_true,
    journeys_order_stages_and_place_touchpoints_once,
    flat_touchpoints_migrate_into_a_journey,
    customers_upsert_in_bulk_and_report_each_line,
    customer_lists_filter_and_page,
    responses_link_to_customers_by_policy,
    an_erased_customer_leaves_nothing_behind,
    events_are_kept_once_and_counted,
    concurrent_event_batches_are_exact_and_isolated,
    a_large_event_batch_is_stored_and_counted_completely,
    outbox_delivery_states_and_failure,
    invitations_are_single_use_and_per_organisation,
    password_resets_deactivation_and_totp_steps,
    departments_are_per_organisation_and_deleted_only_unused,
    roles_and_department_scopes,
    scoped_lists_hold_only_their_departments,
);

fn init(email: &str, token: &str) -> Initialisation {
    both::initialisation("Nordwind", email, token)
}

async fn org(store: &Store) -> OrgId {
    store
        .initialise(&init("admin@example.com", "hash-1"))
        .await
        .expect("initialise")
        .org_id
}

fn nps_survey() -> SurveyDefinition {
    SurveyDefinition::from_json(
        json!({"name":"Relationship NPS","languages":["de","en"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"de":"Empfehlen?","en":"Recommend?"}},
        {"id":"csat","type":"csat","text":{"de":"Zufrieden?","en":"Satisfied?"}},
        {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]}),
    )
    .expect("valid survey")
}

async fn survey(store: &Store, org_id: OrgId) -> Survey {
    let token = uuid::Uuid::now_v7().simple().to_string();
    store
        .create_survey(org_id, &nps_survey(), None, &token, &AuditContext::system())
        .await
        .expect("create survey")
}

fn response(survey: &Survey, body: serde_json::Value) -> NewResponse {
    let draft: ResponseDraft = serde_json::from_value(body).expect("draft");
    NewResponse::validate(&survey.definition, draft, "api", touchpoint_store::now_ms())
        .expect("valid response")
}

async fn initialise_once(store: Store, _db: TestDatabase) {
    assert!(!store.is_initialised().await.expect("query"));
    let first = store
        .initialise(&init("Admin@Example.com", "hash-1"))
        .await
        .expect("first");
    let again = store.initialise(&init("other@example.com", "hash-2")).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyInitialised)),
        "{again:?}"
    );
    let user = store
        .user_by_email("admin@example.com")
        .await
        .expect("query")
        .expect("user");
    assert_eq!(user.id, first.user_id);
    assert_eq!(user.role, touchpoint_domain::Role::Owner);
    assert!(
        store
            .user_by_email("other@example.com")
            .await
            .expect("query")
            .is_none(),
        "refusal changed nothing"
    );
    assert_eq!(
        store.organisation(first.org_id).await.expect("org").name,
        "Nordwind"
    );
}

async fn tokens_and_sessions(store: Store, _db: TestDatabase) {
    let done = store
        .initialise(&init("a@example.com", "hash-1"))
        .await
        .expect("init");
    let access = store
        .principal_for_token("hash-1", 0)
        .await
        .expect("query")
        .expect("token");
    let (token_id, principal) = (access.id, access.principal);
    assert_eq!(token_id, done.token_id);
    assert_eq!(
        access.grant,
        TokenGrant::full(),
        "the first token may do everything"
    );
    assert_eq!(access.expires_at, None);
    assert_eq!(
        principal,
        Principal {
            org_id: done.org_id,
            user_id: done.user_id
        }
    );
    assert!(
        store
            .principal_for_token("hash-x", 0)
            .await
            .expect("query")
            .is_none()
    );
    store.touch_api_token(token_id, 5).await.expect("touch");

    store
        .create_session("s1", principal, 1_000)
        .await
        .expect("session");
    assert_eq!(
        store.session("s1", 999).await.expect("query"),
        Some(principal)
    );
    assert_eq!(
        store.session("s1", 1_000).await.expect("query"),
        None,
        "expired"
    );
    assert_eq!(
        store.delete_expired_sessions(1_000).await.expect("sweep"),
        1
    );
    store
        .create_session("s2", principal, i64::MAX)
        .await
        .expect("session");
    store.delete_session("s2").await.expect("logout");
    assert_eq!(store.session("s2", 0).await.expect("query"), None);
}

async fn tokens_are_scoped_listed_expire_and_revoke(store: Store, _db: TestDatabase) {
    let done = store
        .initialise(&init("a@example.com", "hash-1"))
        .await
        .expect("init");
    let principal = Principal {
        org_id: done.org_id,
        user_id: done.user_id,
    };
    let read_metrics = TokenGrant {
        scope: TokenScope::ReadOnly,
        resources: Resources::from_names(&["metrics", "surveys"]).expect("valid"),
    };
    let token = |name: &str, hash: &str| NewApiToken {
        name: name.into(),
        prefix: format!("tp_{name}"),
        hash: hash.into(),
    };
    let limited = store
        .create_api_token(
            principal,
            &token("limited", "hash-2"),
            &read_metrics,
            Some(1_000),
            &AuditContext::system(),
        )
        .await
        .expect("create");
    let access = store
        .principal_for_token("hash-2", 999)
        .await
        .expect("query")
        .expect("live before its expiry");
    assert_eq!(access.id, limited);
    assert_eq!(access.principal, principal);
    assert_eq!(access.grant, read_metrics);
    assert_eq!(access.expires_at, Some(1_000));
    assert_eq!(
        store
            .principal_for_token("hash-2", 1_000)
            .await
            .expect("query"),
        None,
        "expired at its expiry time"
    );

    store.touch_api_token(limited, 500).await.expect("touch");
    let list = store.api_tokens(done.org_id).await.expect("list");
    assert_eq!(list.len(), 2);
    let listed = list.iter().find(|t| t.id == limited).expect("listed");
    assert_eq!(listed.name, "limited");
    assert_eq!(listed.prefix, "tp_limited");
    assert_eq!(listed.grant, read_metrics);
    assert_eq!(listed.user_id, done.user_id);
    assert_eq!(listed.user_email, "a@example.com");
    assert_eq!(listed.last_used_at, Some(500));
    assert_eq!(listed.expires_at, Some(1_000));
    assert_eq!(listed.revoked_at, None);
    let first = list.iter().find(|t| t.id == done.token_id).expect("listed");
    assert_eq!(first.grant, TokenGrant::full());
    assert_eq!((first.last_used_at, first.expires_at), (None, None));

    // Another organisation cannot revoke it; revoking twice keeps the first time.
    let stranger: OrgId = uuid::Uuid::now_v7().into();
    assert!(matches!(
        store
            .revoke_api_token(stranger, done.token_id, 7, &AuditContext::system())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .principal_for_token("hash-1", 8)
            .await
            .expect("query")
            .is_some()
    );
    store
        .revoke_api_token(done.org_id, done.token_id, 7, &AuditContext::system())
        .await
        .expect("revoke");
    store
        .revoke_api_token(done.org_id, done.token_id, 9, &AuditContext::system())
        .await
        .expect("revoke again");
    assert_eq!(
        store.principal_for_token("hash-1", 8).await.expect("query"),
        None
    );
    let list = store.api_tokens(done.org_id).await.expect("list");
    let first = list.iter().find(|t| t.id == done.token_id).expect("listed");
    assert_eq!(first.revoked_at, Some(7));
    assert!(matches!(
        store
            .revoke_api_token(
                done.org_id,
                uuid::Uuid::now_v7().into(),
                7,
                &AuditContext::system()
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn touchpoints_are_per_organisation(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let fields = TouchpointFields {
        name: "Hotline".into(),
        channel: "phone".into(),
        ..Default::default()
    };
    let hotline = store
        .create_touchpoint(org_id, &fields, &AuditContext::system())
        .await
        .expect("create");
    let duplicate = store
        .create_touchpoint(org_id, &fields, &AuditContext::system())
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict { .. })),
        "{duplicate:?}"
    );
    let renamed = TouchpointFields {
        name: "Service-Hotline".into(),
        channel: "phone".into(),
        ..Default::default()
    };
    assert_eq!(
        store
            .update_touchpoint(org_id, hotline.id, &renamed, None, &AuditContext::system())
            .await
            .expect("update")
            .name,
        "Service-Hotline"
    );
    let stranger = OrgId::from_uuid(uuid::Uuid::now_v7());
    assert!(matches!(
        store.touchpoint(stranger, hotline.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .update_touchpoint(stranger, hotline.id, &fields, None, &AuditContext::system())
            .await,
        Err(StoreError::NotFound)
    ));
    for name in ["Shop", "App", "Rechnung"] {
        store
            .create_touchpoint(
                org_id,
                &TouchpointFields {
                    name: name.into(),
                    channel: "web".into(),
                    ..Default::default()
                },
                &AuditContext::system(),
            )
            .await
            .expect("create");
    }
    let first = store
        .list_touchpoints(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &Cursor::start(),
            3,
        )
        .await
        .expect("page 1");
    assert_eq!(first.items.len(), 3);
    let cursor = Cursor::parse(first.next_cursor.as_deref().expect("more")).expect("cursor");
    let second = store
        .list_touchpoints(org_id, &touchpoint_domain::DepartmentScope::All, &cursor, 3)
        .await
        .expect("page 2");
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].id, hotline.id, "oldest last");
    assert!(second.next_cursor.is_none());
}

async fn surveys_lifecycle(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let tp = store
        .create_touchpoint(
            org_id,
            &TouchpointFields {
                name: "Shop".into(),
                channel: "store".into(),
                ..Default::default()
            },
            &AuditContext::system(),
        )
        .await
        .expect("touchpoint");
    let created = store
        .create_survey(
            org_id,
            &nps_survey(),
            Some(tp.id),
            "tok-1",
            &AuditContext::system(),
        )
        .await
        .expect("create");
    assert_eq!(created.definition.as_ref(), &nps_survey());
    assert_eq!(created.touchpoint_id, Some(tp.id));
    assert_eq!(
        store.survey_by_token("tok-1").await.expect("by token").id,
        created.id
    );
    assert!(matches!(
        store.survey_by_token("tok-2").await,
        Err(StoreError::NotFound)
    ));

    let foreign_tp = touchpoint_domain::TouchpointId::from_uuid(uuid::Uuid::now_v7());
    let refused = store
        .create_survey(
            org_id,
            &nps_survey(),
            Some(foreign_tp),
            "tok-3",
            &AuditContext::system(),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    assert!(
        matches!(
            store.survey_by_token("tok-3").await,
            Err(StoreError::NotFound)
        ),
        "nothing written"
    );

    let mut draft = nps_survey().to_draft();
    draft.name = "Beziehungs-NPS".into();
    let edited = SurveyDefinition::try_from(draft).expect("valid");
    let updated = store
        .update_survey(org_id, created.id, &edited, None, &AuditContext::system())
        .await
        .expect("update");
    assert_eq!(updated.definition.name, "Beziehungs-NPS");
    assert_eq!(updated.touchpoint_id, None);
    assert!(!store.survey_has_responses(created.id).await.expect("query"));

    let closed = store
        .close_survey(org_id, created.id, &AuditContext::system())
        .await
        .expect("close");
    assert_eq!(closed.status, touchpoint_store::SurveyStatus::Closed);
    let closed_at = closed.closed_at;
    assert_eq!(
        store
            .close_survey(org_id, created.id, &AuditContext::system())
            .await
            .expect("again")
            .closed_at,
        closed_at,
        "idempotent"
    );
    let stranger = OrgId::from_uuid(uuid::Uuid::now_v7());
    assert!(matches!(
        store.survey(stranger, created.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .close_survey(stranger, created.id, &AuditContext::system())
            .await,
        Err(StoreError::NotFound)
    ));
    let page = store
        .list_surveys(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &Cursor::start(),
            10,
        )
        .await
        .expect("list");
    assert_eq!(page.items.len(), 1);
}

async fn responses_are_idempotent_by_external_id(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    let body = json!({"answers":{"nps":9,"why":"Schnelle Hilfe"},"external_id":"crm-1"});
    let SubmitOutcome::Created(id) = store
        .submit_response(&s, response(&s, body.clone()))
        .await
        .expect("submit")
    else {
        panic!("first submission must create")
    };
    assert_eq!(
        store
            .submit_response(&s, response(&s, body))
            .await
            .expect("replay"),
        SubmitOutcome::Replayed(id)
    );
    let changed = json!({"answers":{"nps":3,"why":"Schnelle Hilfe"},"external_id":"crm-1"});
    assert_eq!(
        store
            .submit_response(&s, response(&s, changed))
            .await
            .expect("conflict"),
        SubmitOutcome::Conflict(id)
    );
    assert_eq!(store.count_responses(org_id, s.id).await.expect("count"), 1);
    let rollups = store.stored_rollups(&s).await.expect("rollups");
    assert_eq!(
        rollups.values().map(|h| h.n()).sum::<u64>(),
        1,
        "a replay counts once"
    );

    // Without an external id every submission is new.
    for _ in 0..2 {
        let r = response(&s, json!({"answers":{"nps":10}}));
        assert!(matches!(
            store.submit_response(&s, r).await.expect("submit"),
            SubmitOutcome::Created(_)
        ));
    }
    assert_eq!(store.count_responses(org_id, s.id).await.expect("count"), 3);
}

async fn responses_page_newest_first(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    let other = survey(&store, org_id).await;
    for day in 1..=7 {
        let at = format!("2026-01-0{day}T12:00:00Z");
        store
            .submit_response(
                &s,
                response(&s, json!({"answers":{"nps":day},"submitted_at":at})),
            )
            .await
            .expect("submit");
    }
    store
        .submit_response(&other, response(&other, json!({"answers":{"nps":1}})))
        .await
        .expect("submit");
    let mut seen = Vec::new();
    let mut cursor = Cursor::start();
    loop {
        let page = store
            .list_responses(
                org_id,
                &touchpoint_domain::DepartmentScope::All,
                &touchpoint_store::ResponseQuery {
                    survey_id: Some(s.id),
                    ..Default::default()
                },
                &cursor,
                3,
            )
            .await
            .expect("page");
        seen.extend(
            page.items
                .iter()
                .map(|r| r.answers["nps"].as_i64().expect("score")),
        );
        match page.next_cursor {
            Some(next) => cursor = Cursor::parse(&next).expect("cursor"),
            None => break,
        }
    }
    assert_eq!(seen, vec![7, 6, 5, 4, 3, 2, 1]);
    let all = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &touchpoint_store::ResponseQuery::default(),
            &Cursor::start(),
            100,
        )
        .await
        .expect("all");
    assert_eq!(all.items.len(), 8);
    let stranger = OrgId::from_uuid(uuid::Uuid::now_v7());
    assert!(
        store
            .list_responses(
                stranger,
                &touchpoint_domain::DepartmentScope::All,
                &touchpoint_store::ResponseQuery::default(),
                &Cursor::start(),
                100
            )
            .await
            .expect("none")
            .items
            .is_empty()
    );
}

async fn text_is_stored_exactly(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    let text = "Grüße aus Köln 👋🏽 — שלום עליכם — مرحبا \"quoted\" 'single' \\ back";
    let SubmitOutcome::Created(id) = store
        .submit_response(&s, response(&s, json!({"answers":{"nps":8,"why":text}})))
        .await
        .expect("submit")
    else {
        panic!("created")
    };
    assert_eq!(
        store.response(org_id, id).await.expect("read").answers["why"],
        json!(text)
    );
}

async fn concurrent_submissions_are_all_stored(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    let responses: Vec<_> = (0..500)
        .map(|i| response(&s, json!({"answers":{"nps": i % 11}})))
        .collect();
    let outcomes = store.submit_responses(&s, responses).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(SubmitOutcome::Created(_))))
    );
    assert_eq!(
        store.count_responses(org_id, s.id).await.expect("count"),
        500
    );
    assert_eq!(
        store.stored_rollups(&s).await.expect("rollups"),
        store.recompute_rollups(&s).await.expect("raw")
    );
}

async fn rollups_group_and_sum(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    let rows = [
        ("2026-03-02T08:00:00Z", "de", "web", 10),
        ("2026-03-02T09:00:00Z", "en", "web", 0),
        ("2026-03-02T23:59:59Z", "de", "email", 9),
        ("2026-03-03T00:00:00Z", "de", "web", 7),
    ];
    for (at, lang, channel, nps) in rows {
        let r = response(
            &s,
            json!({"answers":{"nps":nps,"csat":4},"submitted_at":at,"language":lang,"channel":channel}),
        );
        store.submit_response(&s, r).await.expect("submit");
    }
    let day = touchpoint_domain::period::day_of_ms(
        chrono::DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
            .expect("date")
            .timestamp_millis(),
    );
    let all = store
        .rollup_rows(
            org_id,
            s.id,
            &touchpoint_store::RollupQuery {
                question_id: "nps",
                from_day: day,
                to_day: day + 1,
                group_by: None,
                filter: &Default::default(),
                period_starts: &[],
            },
        )
        .await
        .expect("rows");
    assert_eq!(all.len(), 2);
    assert_eq!(
        (
            all[0].day,
            all[0].histogram.n(),
            all[0].histogram.buckets[10]
        ),
        (day, 3, 1)
    );
    assert_eq!((all[1].day, all[1].histogram.buckets[7]), (day + 1, 1));
    let by_channel = store
        .rollup_rows(
            org_id,
            s.id,
            &touchpoint_store::RollupQuery {
                question_id: "nps",
                from_day: day,
                to_day: day,
                group_by: Some(GroupBy::Channel),
                filter: &Default::default(),
                period_starts: &[],
            },
        )
        .await
        .expect("rows");
    let mut groups: Vec<(String, u64)> = by_channel
        .iter()
        .map(|r| (r.group.clone(), r.histogram.n()))
        .collect();
    groups.sort();
    assert_eq!(groups, vec![("email".to_owned(), 1), ("web".to_owned(), 2)]);
    let csat = store
        .rollup_rows(
            org_id,
            s.id,
            &touchpoint_store::RollupQuery {
                question_id: "csat",
                from_day: day,
                to_day: day + 1,
                group_by: Some(GroupBy::Language),
                filter: &Default::default(),
                period_starts: &[],
            },
        )
        .await
        .expect("rows");
    assert_eq!(
        csat.iter().map(|r| r.histogram.buckets[3]).sum::<u64>(),
        4,
        "CSAT 4 sits in bucket 4 − 1"
    );
    let stranger = OrgId::from_uuid(uuid::Uuid::now_v7());
    assert!(
        store
            .rollup_rows(
                stranger,
                s.id,
                &touchpoint_store::RollupQuery {
                    question_id: "nps",
                    from_day: day,
                    to_day: day + 1,
                    group_by: None,
                    filter: &Default::default(),
                    period_starts: &[],
                }
            )
            .await
            .expect("rows")
            .is_empty()
    );

    // Summed into periods by the database: one row per period, keyed by the period's start.
    let periods = store
        .rollup_rows(
            org_id,
            s.id,
            &touchpoint_store::RollupQuery {
                question_id: "nps",
                from_day: day,
                to_day: day + 1,
                group_by: Some(GroupBy::Channel),
                filter: &Default::default(),
                period_starts: &[day - 3],
            },
        )
        .await
        .expect("rows");
    let mut summed: Vec<(i64, String, u64)> = periods
        .iter()
        .map(|r| (r.day, r.group.clone(), r.histogram.n()))
        .collect();
    summed.sort();
    assert_eq!(
        summed,
        vec![
            (day - 3, "email".to_owned(), 1),
            (day - 3, "web".to_owned(), 3)
        ]
    );
    let two = store
        .rollup_rows(
            org_id,
            s.id,
            &touchpoint_store::RollupQuery {
                question_id: "nps",
                from_day: day,
                to_day: day + 1,
                group_by: None,
                filter: &Default::default(),
                period_starts: &[day, day + 1],
            },
        )
        .await
        .expect("rows");
    assert_eq!(
        two.iter()
            .map(|r| (r.day, r.histogram.n()))
            .collect::<Vec<_>>(),
        vec![(day, 3), (day + 1, 1)]
    );
}

async fn rollups_equal_recomputation_from_raw_rows(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
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
        .expect("touchpoint");
    let answer = (
        0i64..=10,
        proptest::option::of(1i64..=5),
        0i64..(3 * 86_400_000),
        prop::bool::ANY,
        prop::sample::select(vec!["web", "email", "app"]),
        proptest::option::of(0u8..4),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 12,
        ..ProptestConfig::default()
    });
    let handle = tokio::runtime::Handle::current();
    runner
        .run(&proptest::collection::vec(answer, 0..60), |batch| {
            let store = store.clone();
            let outcome = tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let s = survey(&store, org_id).await;
                    let base = 1_767_225_600_000i64; // 2026-01-01
                    let responses: Vec<NewResponse> = batch
                        .iter()
                        .map(|(nps, csat, offset, english, channel, replay)| {
                            let at = chrono::DateTime::from_timestamp_millis(base + offset).expect("time").to_rfc3339();
                            let mut body = json!({"answers":{"nps":nps},"submitted_at":at,"language": if *english {"en"} else {"de"},"channel":channel});
                            if let Some(c) = csat {
                                body["answers"]["csat"] = json!(c);
                            }
                            if *english {
                                body["touchpoint_id"] = json!(tp.id.to_string());
                            }
                            if let Some(r) = replay {
                                body["external_id"] = json!(format!("dup-{r}"));
                            }
                            response(&s, body)
                        })
                        .collect();
                    store.submit_responses(&s, responses).await;
                    (store.stored_rollups(&s).await.expect("stored"), store.recompute_rollups(&s).await.expect("raw"))
                })
            });
            prop_assert_eq!(outcome.0, outcome.1);
            Ok(())
        })
        .expect("rollups equal the recomputation");
}

async fn jobs_claim_retry_and_lease(store: Store, _db: TestDatabase) {
    let job = NewJob {
        org_id: None,
        kind: "demo".into(),
        payload: json!({"n":1}),
        run_after: 100,
        max_attempts: 3,
    };
    store.enqueue_job(&job).await.expect("enqueue");
    assert!(
        store.claim_job(99, 1_000).await.expect("claim").is_none(),
        "not due yet"
    );
    let claimed = store
        .claim_job(100, 1_000)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(
        (claimed.kind.as_str(), claimed.attempts, &claimed.payload),
        ("demo", 1, &json!({"n":1}))
    );
    assert!(
        store.claim_job(500, 1_000).await.expect("claim").is_none(),
        "leased"
    );
    let again = store
        .claim_job(1_101, 1_000)
        .await
        .expect("claim")
        .expect("lease expired");
    assert_eq!(again.attempts, 2);
    store
        .fail_job(again.id, "boom", Some(2_000))
        .await
        .expect("fail");
    assert_eq!(store.count_jobs(JobState::Queued).await.expect("count"), 1);
    let third = store
        .claim_job(2_000, 1_000)
        .await
        .expect("claim")
        .expect("retry due");
    store.complete_job(third.id).await.expect("complete");
    assert_eq!(store.count_jobs(JobState::Done).await.expect("count"), 1);
    assert!(!store.has_pending_job("demo").await.expect("query"));

    // Purging finished jobs: done ones before their cut, failed ones before theirs (kept
    // longer), queued ones never.
    let once = NewJob {
        kind: "once".into(),
        run_after: 0,
        max_attempts: 1,
        ..job.clone()
    };
    store.enqueue_job(&once).await.expect("enqueue");
    store
        .enqueue_job(&NewJob {
            run_after: i64::MAX / 2,
            ..job.clone()
        })
        .await
        .expect("enqueue");
    let failing = store
        .claim_job(3_000, 1_000)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(failing.kind, "once");
    store
        .fail_job(failing.id, "gave up", None)
        .await
        .expect("fail");
    let later = touchpoint_store::now_ms() + 1;
    assert_eq!(store.purge_finished_jobs(0, 0).await.expect("purge"), 0);
    assert_eq!(store.purge_finished_jobs(later, 0).await.expect("purge"), 1);
    assert_eq!(store.count_jobs(JobState::Done).await.expect("count"), 0);
    assert_eq!(store.count_jobs(JobState::Failed).await.expect("count"), 1);
    assert_eq!(
        store
            .purge_finished_jobs(later, later)
            .await
            .expect("purge"),
        1
    );
    assert_eq!(store.count_jobs(JobState::Failed).await.expect("count"), 0);
    assert_eq!(store.count_jobs(JobState::Queued).await.expect("count"), 1);
}

async fn reopening_applies_no_migration_twice(store: Store, db: TestDatabase) {
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    store
        .submit_response(&s, response(&s, json!({"answers":{"nps":9}})))
        .await
        .expect("submit");
    store.close().await;
    let reopened = db.open().await;
    assert_eq!(
        reopened.count_responses(org_id, s.id).await.expect("count"),
        1
    );
    reopened.close().await;
}

fn api_context(store_principal: Principal, token: touchpoint_domain::ApiTokenId) -> AuditContext {
    AuditContext {
        user_id: Some(store_principal.user_id),
        token_id: Some(token),
        interface: touchpoint_store::Interface::Api,
        address: Some("203.0.113.9".into()),
    }
}

async fn audit_entries_come_with_their_change(store: Store, _db: TestDatabase) {
    let done = store
        .initialise(&init("admin@example.com", "hash-1"))
        .await
        .expect("initialise");
    let principal = Principal {
        org_id: done.org_id,
        user_id: done.user_id,
    };
    let context = api_context(principal, done.token_id);
    let all = |filter: AuditFilter| {
        let store = store.clone();
        async move {
            store
                .audit_entries(done.org_id, &filter, &Cursor::start(), 100)
                .await
                .expect("audit entries")
                .items
        }
    };
    let created = store
        .create_survey(done.org_id, &nps_survey(), None, "tok-a", &context)
        .await
        .expect("create");
    let refused = store
        .create_survey(
            done.org_id,
            &nps_survey(),
            Some(touchpoint_domain::TouchpointId::from_uuid(
                uuid::Uuid::now_v7(),
            )),
            "tok-b",
            &context,
        )
        .await;
    assert!(refused.is_err());
    store
        .close_survey(done.org_id, created.id, &context)
        .await
        .expect("close");
    store
        .close_survey(done.org_id, created.id, &context)
        .await
        .expect("close again");
    let stranger = OrgId::from_uuid(uuid::Uuid::now_v7());
    assert!(matches!(
        store.close_survey(stranger, created.id, &context).await,
        Err(StoreError::NotFound)
    ));

    let entries = all(AuditFilter::default()).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["survey.close", "survey.create", "organisation.initialise"],
        "newest first; nothing for the refused create, the repeated or the foreign close"
    );
    let create = &entries[1];
    assert_eq!(create.org_id, done.org_id);
    assert_eq!(create.actor_user_id, Some(done.user_id));
    assert_eq!(create.actor_token_id, Some(done.token_id));
    assert_eq!(create.interface, "api");
    assert_eq!(create.address.as_deref(), Some("203.0.113.9"));
    assert_eq!(create.target_type.as_deref(), Some("survey"));
    assert_eq!(create.target_id, Some(created.id.to_string()));
    assert_eq!(create.summary["before"], json!(null));
    assert_eq!(create.summary["after"]["name"], json!("Relationship NPS"));
    assert_eq!(entries[0].summary["before"]["status"], json!("open"));
    assert_eq!(entries[0].summary["after"]["status"], json!("closed"));

    // Filters: action prefix, actor, target, time window; and cursor pages.
    let only = |action: &str| AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    assert_eq!(all(only("survey")).await.len(), 2);
    assert_eq!(all(only("survey.create")).await.len(), 1);
    assert_eq!(all(only("surv")).await.len(), 0, "prefixes end at a dot");
    let by_actor = AuditFilter {
        actor: Some(done.token_id.to_string()),
        ..Default::default()
    };
    assert_eq!(all(by_actor).await.len(), 2);
    let by_other = AuditFilter {
        actor: Some(uuid::Uuid::now_v7().to_string()),
        ..Default::default()
    };
    assert!(all(by_other).await.is_empty());
    let future = AuditFilter {
        from: Some(touchpoint_store::now_ms() + 60_000),
        ..Default::default()
    };
    assert!(all(future).await.is_empty());
    let past = AuditFilter {
        to: Some(entries[2].at),
        ..Default::default()
    };
    assert!(
        all(past).await.is_empty(),
        "`to` is exclusive: nothing before initialisation"
    );
    let first = store
        .audit_entries(done.org_id, &AuditFilter::default(), &Cursor::start(), 1)
        .await
        .expect("page 1");
    let cursor = Cursor::parse(first.next_cursor.as_deref().expect("more")).expect("cursor");
    let second = store
        .audit_entries(done.org_id, &AuditFilter::default(), &cursor, 1)
        .await
        .expect("page 2");
    assert_eq!(second.items, vec![create.clone()]);

    // Tokens: created and revoked with entries, never the hash.
    let token_id = store
        .create_api_token(
            principal,
            &NewApiToken {
                name: "ci".into(),
                prefix: "tp_ci".into(),
                hash: "secret-hash".into(),
            },
            &TokenGrant::full(),
            None,
            &context,
        )
        .await
        .expect("token");
    store
        .revoke_api_token(done.org_id, token_id, 5, &context)
        .await
        .expect("revoke");
    store
        .revoke_api_token(done.org_id, token_id, 6, &context)
        .await
        .expect("revoke again changes nothing");
    let tokens = all(only("token")).await;
    let actions: Vec<&str> = tokens.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["token.revoke", "token.create"]);
    assert!(!tokens[1].summary.to_string().contains("secret-hash"));

    // Another organisation's entries stay invisible.
    store
        .append_audit(
            &AuditContext::system(),
            &AuditEntry {
                org_id: stranger,
                action: "survey.create",
                target_type: None,
                target_id: None,
                summary: json!({}),
            },
        )
        .await
        .expect("append");
    assert_eq!(all(AuditFilter::default()).await.len(), 5);
    let theirs = store
        .audit_entries(stranger, &AuditFilter::default(), &Cursor::start(), 10)
        .await
        .expect("stranger's entries");
    assert_eq!(theirs.items.len(), 1);
}

async fn audit_log_is_append_only_in_the_database(store: Store, db: TestDatabase) {
    let org_id = org(&store).await;
    survey(&store, org_id).await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("connect");
    for statement in [
        "UPDATE audit_log SET action = 'survey.nothing'",
        "DELETE FROM audit_log",
    ] {
        let refused = sqlx::raw_sql(statement).execute(&mut conn).await;
        let message = format!("{:?}", refused.expect_err(statement));
        assert!(message.contains("append-only"), "{statement}: {message}");
    }
    let entries = store
        .audit_entries(org_id, &AuditFilter::default(), &Cursor::start(), 10)
        .await
        .expect("entries");
    assert_eq!(entries.items.len(), 2, "initialisation and the survey");
    assert_eq!(entries.items[0].action, "survey.create");
    assert_eq!(entries.items[1].action, "organisation.initialise");
    assert_eq!(entries.items[1].interface, "cli");
    assert!(!format!("{:?}", entries.items[1]).contains("example.com"));
}

/// Submits `(days ago, nps, comment)` responses and stores a fabricated analysis for each
/// comment (theme `billing`, sentiment from the score) as the analysis job would.
async fn analysed_responses(
    store: &Store,
    s: &Survey,
    now: i64,
    items: &[(i64, i64, &str)],
) -> Vec<touchpoint_domain::ResponseId> {
    let mut ids = Vec::new();
    for (days_ago, nps, comment) in items {
        let at = chrono::DateTime::from_timestamp_millis(now - days_ago * 86_400_000)
            .expect("time")
            .to_rfc3339();
        let body = json!({"answers":{"nps":nps,"why":comment},"submitted_at":at});
        let SubmitOutcome::Created(id) = store
            .submit_response(s, response(s, body))
            .await
            .expect("submit")
        else {
            panic!("created")
        };
        ids.push(id);
    }
    let targets = store.analysis_targets(&ids).await.expect("targets");
    let records: Vec<_> = targets
        .into_iter()
        .map(|target| {
            let sentiment = if target.text.contains("schlecht") {
                "negative"
            } else {
                "positive"
            };
            let record = touchpoint_store::text::AnalysisRecord {
                language: "de".into(),
                sentiment: sentiment.into(),
                score: 0.5,
                analysis: json!({"evidence": target.text.clone()}),
                themes: vec![("billing".into(), sentiment.into())],
            };
            (target, record)
        })
        .collect();
    store.save_analyses(&records, "test").await.expect("save");
    ids
}

async fn retention_expires_old_data_and_keeps_aggregates_true(store: Store, _db: TestDatabase) {
    use touchpoint_domain::retention::{DataClass, RetentionPolicy};
    let org_id = org(&store).await;
    let s = survey(&store, org_id).await;
    let now = touchpoint_store::now_ms();
    let ids = analysed_responses(
        &store,
        &s,
        now,
        &[
            (400, 2, "Rechnung schlecht, ruft mich an: +49 30 1234 5678"),
            (380, 9, "Gut, Antwort an max@example.de"),
            (10, 3, "schlecht erreichbar"),
        ],
    )
    .await;
    let totals_before = store.theme_rollup_totals(s.id).await.expect("totals");
    let anonymise = RetentionPolicy::new(DataClass::Comments, "anonymise", 365).expect("policy");
    store
        .set_retention_policy(org_id, &anonymise, &AuditContext::system())
        .await
        .expect("set");
    let cutoff = anonymise.cutoff(now);
    assert_eq!(
        store
            .apply_retention_batch(org_id, &anonymise, cutoff)
            .await
            .expect("apply"),
        2
    );
    assert_eq!(
        store
            .apply_retention_batch(org_id, &anonymise, cutoff)
            .await
            .expect("again"),
        0
    );
    let why = |id| {
        let store = store.clone();
        async move { store.response(org_id, id).await.expect("read").answers["why"].clone() }
    };
    assert_eq!(
        why(ids[0]).await,
        json!("Rechnung schlecht, ruft mich an: [number]")
    );
    assert_eq!(why(ids[1]).await, json!("Gut, Antwort an [email]"));
    assert_eq!(
        why(ids[2]).await,
        json!("schlecht erreichbar"),
        "recent comments stay"
    );
    assert_eq!(
        store.theme_rollup_totals(s.id).await.expect("totals"),
        totals_before,
        "anonymising keeps the analysis"
    );

    // Deleting reaches anonymised comments too, and uncounts their analyses.
    let delete = RetentionPolicy::new(DataClass::Comments, "delete", 365).expect("policy");
    store
        .set_retention_policy(org_id, &delete, &AuditContext::system())
        .await
        .expect("replace");
    assert_eq!(
        store
            .apply_retention_batch(org_id, &delete, cutoff)
            .await
            .expect("apply"),
        2
    );
    assert_eq!(why(ids[0]).await, serde_json::Value::Null);
    assert_eq!(
        store.response(org_id, ids[0]).await.expect("read").answers["nps"],
        json!(2)
    );
    let totals = store.theme_rollup_totals(s.id).await.expect("totals");
    assert_eq!(totals.get(&("billing".into(), "negative".into())), Some(&1));
    assert_eq!(totals.get(&("billing".into(), "positive".into())), None);
    assert_eq!(
        store.stored_rollups(&s).await.expect("stored"),
        store.recompute_rollups(&s).await.expect("raw"),
        "scores stay counted"
    );

    // Deleting whole responses uncounts their scores.
    let responses = RetentionPolicy::new(DataClass::Responses, "delete", 30).expect("policy");
    store
        .set_retention_policy(org_id, &responses, &AuditContext::system())
        .await
        .expect("set");
    let cutoff = responses.cutoff(now);
    assert_eq!(
        store
            .apply_retention_batch(org_id, &responses, cutoff)
            .await
            .expect("apply"),
        2
    );
    assert_eq!(store.count_responses(org_id, s.id).await.expect("count"), 1);
    assert!(matches!(
        store.response(org_id, ids[0]).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.stored_rollups(&s).await.expect("stored"),
        store.recompute_rollups(&s).await.expect("raw")
    );
    let policies = store.retention_policies(org_id).await.expect("policies");
    assert_eq!(policies.len(), 2);

    // A run is recorded with its report and audited; removing a policy is audited too.
    let outcome = touchpoint_store::retention::PolicyOutcome {
        policy: responses,
        cutoff,
        affected: 2,
    };
    let run = store
        .record_retention_run(org_id, now, &[outcome], &AuditContext::system())
        .await
        .expect("record");
    assert_eq!(run.report[0]["affected"], json!(2));
    assert_eq!(
        store.retention_runs(org_id, 5).await.expect("runs"),
        vec![run]
    );
    store
        .remove_retention_policy(org_id, DataClass::Responses, &AuditContext::system())
        .await
        .expect("remove");
    assert!(matches!(
        store
            .remove_retention_policy(org_id, DataClass::Responses, &AuditContext::system())
            .await,
        Err(StoreError::NotFound)
    ));
    let audit = store
        .audit_entries(
            org_id,
            &AuditFilter {
                action: Some("retention".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            50,
        )
        .await
        .expect("audit");
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "retention.remove",
            "retention.run",
            "retention.set",
            "retention.set",
            "retention.set"
        ]
    );
}

async fn touchpoint_named(
    store: &Store,
    org_id: OrgId,
    name: &str,
) -> touchpoint_domain::TouchpointId {
    both::touchpoint(store, org_id, name).await
}

async fn journeys_order_stages_and_place_touchpoints_once(store: Store, _db: TestDatabase) {
    use touchpoint_domain::journey::{JourneyFields, LayoutDraft};
    let org_id = org(&store).await;
    let shop = touchpoint_named(&store, org_id, "Shop").await;
    let hotline = touchpoint_named(&store, org_id, "Hotline").await;
    let invoice = touchpoint_named(&store, org_id, "Invoice").await;
    let fields = |name: &str, stages: &[&str]| JourneyFields {
        name: name.into(),
        description: "<b>from first contact</b>".into(),
        stages: stages.iter().map(|s| s.to_string()).collect(),
    };
    let telco = store
        .create_journey(
            org_id,
            &fields("Telco", &["Purchase", "Billing"]),
            &AuditContext::system(),
        )
        .await
        .expect("create");
    assert_eq!(telco.stages.len(), 2);
    assert!(matches!(
        store
            .create_journey(org_id, &fields("Telco", &[]), &AuditContext::system())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let (purchase, billing) = (telco.stages[0].id, telco.stages[1].id);
    let known = store.touchpoint_ids(org_id).await.expect("ids");
    let layout = |v: serde_json::Value| {
        serde_json::from_value::<LayoutDraft>(v)
            .expect("shape")
            .validate(&[purchase, billing], &known)
            .expect("valid")
    };
    let laid = store
        .set_layout(
            org_id,
            telco.id,
            &layout(json!({"stages": [
                {"id": billing.to_string(), "touchpoint_ids": [invoice.to_string(), hotline.to_string()]},
                {"id": purchase.to_string(), "touchpoint_ids": [shop.to_string()]}]})),
            &AuditContext::system(),
        )
        .await
        .expect("layout");
    let names = |j: &touchpoint_store::journeys::Journey| -> Vec<(String, Vec<String>)> {
        j.stages
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.touchpoints.iter().map(|t| t.name.clone()).collect(),
                )
            })
            .collect()
    };
    assert_eq!(
        names(&laid),
        vec![
            (
                "Billing".to_owned(),
                vec!["Invoice".to_owned(), "Hotline".to_owned()]
            ),
            ("Purchase".to_owned(), vec!["Shop".to_owned()]),
        ]
    );

    // A second journey takes the hotline over; the first journey loses it.
    let support = store
        .create_journey(
            org_id,
            &fields("Support", &["Contact"]),
            &AuditContext::system(),
        )
        .await
        .expect("create");
    let contact = support.stages[0].id;
    let known = store.touchpoint_ids(org_id).await.expect("ids");
    let moved = serde_json::from_value::<LayoutDraft>(
        json!({"stages": [{"id": contact.to_string(), "touchpoint_ids": [hotline.to_string()]}]}),
    )
    .expect("shape")
    .validate(&[contact], &known)
    .expect("valid");
    store
        .set_layout(org_id, support.id, &moved, &AuditContext::system())
        .await
        .expect("move");
    let telco = store.journey(org_id, telco.id).await.expect("journey");
    assert_eq!(names(&telco)[0].1, vec!["Invoice".to_owned()]);
    assert_eq!(
        store
            .touchpoint_placements(org_id)
            .await
            .expect("placements")[&hotline],
        (support.id, contact)
    );

    let telco = store
        .add_stage(org_id, telco.id, "Renewal", &AuditContext::system())
        .await
        .expect("add stage");
    assert_eq!(
        telco.stages.last().map(|s| s.name.as_str()),
        Some("Renewal")
    );
    assert!(matches!(
        store
            .add_stage(org_id, telco.id, "Renewal", &AuditContext::system())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let telco = store
        .rename_stage(
            org_id,
            telco.id,
            billing,
            "Invoicing",
            &AuditContext::system(),
        )
        .await
        .expect("rename");
    assert_eq!(telco.stages[0].name, "Invoicing");
    assert!(
        matches!(
            store
                .rename_stage(org_id, telco.id, contact, "x", &AuditContext::system())
                .await,
            Err(StoreError::NotFound)
        ),
        "a stage of another journey"
    );
    let telco = store
        .delete_stage(org_id, telco.id, billing, &AuditContext::system())
        .await
        .expect("delete stage");
    assert_eq!(telco.stages.len(), 2);
    assert!(
        !store
            .touchpoint_placements(org_id)
            .await
            .expect("placements")
            .contains_key(&invoice)
    );
    store
        .delete_journey(org_id, telco.id, &AuditContext::system())
        .await
        .expect("delete");
    assert!(matches!(
        store.journey(org_id, telco.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.journeys(org_id).await.expect("list").len(), 1);
    assert_eq!(
        store.touchpoint_ids(org_id).await.expect("ids").len(),
        3,
        "touchpoints stay"
    );

    // Another organisation sees none of it.
    let other = store
        .create_journey(
            OrgId::from(uuid::Uuid::now_v7()),
            &fields("Telco", &[]),
            &AuditContext::system(),
        )
        .await;
    assert!(other.is_err(), "an unknown organisation");
    let audit = store
        .audit_entries(
            org_id,
            &AuditFilter {
                action: Some("journey".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            50,
        )
        .await
        .expect("audit");
    assert_eq!(audit.items.len(), 8, "every change audited, no refusal");
}

/// Flat touchpoints from before journeys existed become one journey with one stage.
async fn flat_touchpoints_migrate_into_a_journey(_store: Store, db: TestDatabase) {
    let pool = db.raw_pool().await;
    // The store's own run applied everything; replay the data step on a fresh organisation.
    let org_id = uuid::Uuid::now_v7().to_string();
    let backend = touchpoint_store::Backend::from_url(&db.url).expect("backend");
    sqlx::query("INSERT INTO organisations (id, name, created_at) VALUES ($1, 'Old', 1)")
        .bind(org_id.clone())
        .execute(&pool)
        .await
        .expect("org");
    for (i, name) in ["Hotline", "Shop"].iter().enumerate() {
        sqlx::query("INSERT INTO touchpoints (id, org_id, name, channel, created_at, updated_at) VALUES ($1, $2, $3, 'web', $4, $4)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(org_id.clone())
            .bind(*name)
            .bind(i as i64)
            .execute(&pool)
            .await
            .expect("touchpoint");
    }
    sqlx::query("DELETE FROM schema_migrations WHERE version = 11")
        .execute(&pool)
        .await
        .expect("forget");
    for table in ["stage_touchpoints", "journey_stages", "journeys"] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
            .execute(&pool)
            .await
            .expect("drop");
    }
    sqlx::raw_sql("DROP INDEX touchpoints_org_key")
        .execute(&pool)
        .await
        .expect("drop index");
    for column in ["key", "description", "moment_of_truth"] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE touchpoints DROP COLUMN {column}"
        )))
        .execute(&pool)
        .await
        .expect("drop column");
    }
    let applied = touchpoint_store::migrate::run(&pool, backend)
        .await
        .expect("migrate");
    assert_eq!(applied, vec![11]);
    pool.close().await;
    let store = db.open().await;
    let org_id: OrgId = org_id.parse().expect("id");
    let journeys = store.journeys(org_id).await.expect("journeys");
    assert_eq!(journeys.len(), 1);
    assert_eq!(journeys[0].name, "Customer journey");
    let placed: Vec<&str> = journeys[0].touchpoints().map(|t| t.name.as_str()).collect();
    assert_eq!(
        placed,
        ["Hotline", "Shop"],
        "in order of creation, not duplicated"
    );
    assert_eq!(store.touchpoint_ids(org_id).await.expect("ids").len(), 2);
    store.close().await;
}

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

async fn declare(store: &Store, org_id: OrgId) {
    use touchpoint_domain::{AttributeDefinition, AttributeType};
    for (key, t) in [
        ("segment", AttributeType::String),
        ("value", AttributeType::Number),
        ("since", AttributeType::Date),
        ("vip", AttributeType::Boolean),
    ] {
        let definition = AttributeDefinition {
            key: key.into(),
            label: key.to_uppercase(),
            attribute_type: t,
        };
        store
            .define_attribute(org_id, &definition, &AuditContext::system())
            .await
            .expect("define");
    }
}

fn lines(
    values: Vec<serde_json::Value>,
) -> Vec<(
    u64,
    Result<touchpoint_domain::CustomerDraft, touchpoint_domain::FieldError>,
)> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            (
                i as u64 + 1,
                serde_json::from_value(v)
                    .map_err(|e| touchpoint_domain::FieldError::new("", e.to_string())),
            )
        })
        .collect()
}

async fn customers_upsert_in_bulk_and_report_each_line(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    declare(&store, org_id).await;
    let again = store
        .define_attribute(
            org_id,
            &touchpoint_domain::AttributeDefinition {
                key: "segment".into(),
                label: "x".into(),
                attribute_type: touchpoint_domain::AttributeType::Number,
            },
            &AuditContext::system(),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    let definitions = store.attribute_definitions(org_id).await.expect("list");
    assert_eq!(definitions.len(), 4);
    assert_eq!(definitions[0].key, "segment");

    let batch = vec![
        json!({"external_id":"c1","name":"Anna Adler","email":"anna@example.com","language":"de",
            "consent_email":true,"attributes":{"segment":"Business","value":1200,"since":"2024-01-31","vip":true}}),
        json!({"external_id":"c2","name":"Bernd Bauer","attributes":{"value":"abc"}}),
        json!({"external_id":"c3","name":"Carla","attributes":{"segment":"Private"}}),
        json!({"external_id":"c3","name":"Carla Other"}),
        json!({"external_id":"c4","unknown_field":1}),
        json!({"external_id":"c5","phone":"+49 30 1234567"}),
    ];
    let report = store
        .import_customers(org_id, lines(batch.clone()))
        .await
        .expect("import");
    assert_eq!(
        (
            report.inserted,
            report.updated,
            report.unchanged,
            report.rejected
        ),
        (3, 0, 0, 3),
        "{report:?}"
    );
    let rejected: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(rejected, vec![2, 4, 5]);
    assert_eq!(report.errors[0].errors[0].field, "attributes.value");
    assert_eq!(report.errors[0].external_id.as_deref(), Some("c2"));
    assert!(report.errors[1].errors[0].message.contains("line 3"));

    // A replay changes nothing; a change is an update; an empty batch is fine.
    let replay = store
        .import_customers(org_id, lines(batch))
        .await
        .expect("replay");
    assert_eq!(
        (replay.inserted, replay.updated, replay.unchanged),
        (0, 0, 3)
    );
    let anna = store
        .customer_by_external_id(org_id, "c1")
        .await
        .expect("c1");
    let changed = store
        .import_customers(
            org_id,
            lines(vec![json!({"external_id":"c1","name":"Anna Adler","attributes":{"segment":"Enterprise"}})]),
        )
        .await
        .expect("change");
    assert_eq!((changed.inserted, changed.updated), (0, 1));
    let after = store.customer(org_id, anna.id).await.expect("by id");
    assert_eq!(after.id, anna.id);
    assert_eq!(after.created_at, anna.created_at);
    assert_eq!(after.attributes, json!({"segment":"Enterprise"}));
    assert!(!after.consent_email, "an upsert replaces the whole record");
    assert_eq!(anna.email.as_deref(), Some("anna@example.com"));
    assert_eq!(
        anna.attributes,
        json!({"segment":"Business","value":1200.0,"since":"2024-01-31","vip":true})
    );
    let c5 = store
        .customer_by_external_id(org_id, "c5")
        .await
        .expect("c5");
    assert_eq!(c5.phone.as_deref(), Some("+49301234567"));
    assert!(matches!(
        store.customer_by_external_id(org_id, "c2").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.count_customers(org_id).await.expect("count"), 3);

    // Definitions are audited, customer rows are not.
    let entries = store
        .audit_entries(org_id, &AuditFilter::default(), &Cursor::start(), 100)
        .await
        .expect("audit");
    let actions: Vec<&str> = entries.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "customer_attribute.create")
            .count(),
        4
    );
    assert!(!actions.iter().any(|a| a.starts_with("customer.")));

    // A batch larger than one statement.
    let many: Vec<serde_json::Value> = (0..1_234)
        .map(|i| json!({"external_id": format!("m{i}"), "attributes": {"value": i, "segment": if i % 2 == 0 {"Even"} else {"Odd"}}}))
        .collect();
    let report = store
        .import_customers(org_id, lines(many))
        .await
        .expect("many");
    assert_eq!((report.inserted, report.rejected), (1_234, 0));
    let page = store
        .list_customers(
            org_id,
            &touchpoint_store::CustomerQuery {
                attributes: vec![touchpoint_store::AttributeFilter::Equals {
                    key: "segment".into(),
                    value: touchpoint_domain::AttributeValue::String("Odd".into()),
                }],
                ..Default::default()
            },
            &Cursor::start(),
            500,
        )
        .await
        .expect("list");
    assert_eq!(page.items.len(), 500);
    assert!(page.next_cursor.is_some());
}

async fn customer_lists_filter_and_page(store: Store, _db: TestDatabase) {
    use touchpoint_domain::AttributeValue;
    use touchpoint_store::{AttributeFilter, CustomerQuery};
    let org_id = org(&store).await;
    declare(&store, org_id).await;
    let batch: Vec<serde_json::Value> = (0..25)
        .map(|i| {
            json!({"external_id": format!("k{i:02}"), "name": format!("{} {i}", if i < 5 {"Müller"} else {"Schmidt"}),
                "email": format!("user{i}@example.com"), "language": if i % 2 == 0 {"de"} else {"en"},
                "consent_sms": i % 5 == 0,
                "attributes": {"value": i * 10, "since": format!("2024-01-{:02}", i + 1), "vip": i % 3 == 0,
                    "segment": if i < 10 {"Business"} else {"Private"}}})
        })
        .collect();
    store
        .import_customers(org_id, lines(batch))
        .await
        .expect("import");
    let ids = |query: CustomerQuery| {
        let store = store.clone();
        async move {
            let mut all = Vec::new();
            let mut cursor = Cursor::start();
            loop {
                let page = store
                    .list_customers(org_id, &query, &cursor, 4)
                    .await
                    .expect("list");
                all.extend(page.items.iter().map(|c| c.external_id.clone()));
                match page.next_cursor {
                    Some(next) => cursor = Cursor::parse(&next).expect("cursor"),
                    None => break,
                }
            }
            all.sort();
            all
        }
    };
    assert_eq!(ids(CustomerQuery::default()).await.len(), 25);
    let range = ids(CustomerQuery {
        attributes: vec![AttributeFilter::Range {
            key: "value".into(),
            min: Some(50.0),
            max: Some(80.0),
        }],
        ..Default::default()
    })
    .await;
    assert_eq!(range, vec!["k05", "k06", "k07", "k08"]);
    let equal_number = ids(CustomerQuery {
        attributes: vec![AttributeFilter::Equals {
            key: "value".into(),
            value: AttributeValue::Number(120.0),
        }],
        ..Default::default()
    })
    .await;
    assert_eq!(equal_number, vec!["k12"]);
    let since = AttributeValue::parse_text(touchpoint_domain::AttributeType::Date, "2024-01-24")
        .expect("date")
        .filter_number();
    let combined = ids(CustomerQuery {
        attributes: vec![
            AttributeFilter::Range {
                key: "since".into(),
                min: since,
                max: None,
            },
            AttributeFilter::Equals {
                key: "vip".into(),
                value: AttributeValue::Boolean(true),
            },
        ],
        language: Some(touchpoint_domain::Language::De),
        ..Default::default()
    })
    .await;
    assert_eq!(combined, vec!["k24"]);
    let business_sms = ids(CustomerQuery {
        attributes: vec![AttributeFilter::Equals {
            key: "segment".into(),
            value: AttributeValue::String("Business".into()),
        }],
        consent_sms: Some(true),
        ..Default::default()
    })
    .await;
    assert_eq!(business_sms, vec!["k00", "k05"]);
    let by_name = ids(CustomerQuery {
        search: Some("MÜL".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_name, vec!["k00", "k01", "k02", "k03", "k04"]);
    let by_email = ids(CustomerQuery {
        search: Some("user2".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_email, vec!["k02", "k20", "k21", "k22", "k23", "k24"]);
    // The external id as written: a prefix matches, another case does not.
    let by_external_id = ids(CustomerQuery {
        search: Some("k1".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_external_id.len(), 10);
    assert!(by_external_id.iter().all(|id| id.starts_with("k1")));
    let exact = ids(CustomerQuery {
        search: Some(" k07 ".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(exact, vec!["k07"]);
    let other_case = ids(CustomerQuery {
        search: Some("K07".into()),
        ..Default::default()
    })
    .await;
    assert!(other_case.is_empty());
}

async fn responses_link_to_customers_by_policy(store: Store, _db: TestDatabase) {
    use touchpoint_domain::UnknownCustomers;
    let org_id = org(&store).await;
    let survey = survey(&store, org_id).await;
    assert_eq!(
        store.unknown_customers(org_id).await.expect("policy"),
        UnknownCustomers::Create
    );
    let outcome = store
        .submit_response(
            &survey,
            response(
                &survey,
                json!({"answers":{"nps":9},"customer_external_id":"crm-1"}),
            ),
        )
        .await
        .expect("submit");
    let SubmitOutcome::Created(id) = outcome else {
        panic!("{outcome:?}")
    };
    let customer = store
        .customer_by_external_id(org_id, "crm-1")
        .await
        .expect("created on the fly");
    let stored = store.response(org_id, id).await.expect("response");
    assert_eq!(stored.customer_id, Some(customer.id));
    // A later import of the customer keeps the link and fills in the record.
    let report = store
        .import_customers(
            org_id,
            lines(vec![json!({"external_id":"crm-1","name":"Dora"})]),
        )
        .await
        .expect("import");
    assert_eq!(report.updated, 1);

    store
        .set_unknown_customers(org_id, UnknownCustomers::Reject, &AuditContext::system())
        .await
        .expect("set policy");
    let rejected = store
        .submit_response(
            &survey,
            response(
                &survey,
                json!({"answers":{"nps":3},"customer_external_id":"crm-2"}),
            ),
        )
        .await;
    assert!(
        matches!(rejected, Err(StoreError::UnknownCustomer(ref id)) if id == "crm-2"),
        "{rejected:?}"
    );
    assert!(
        store
            .customer_by_external_id(org_id, "crm-2")
            .await
            .is_err()
    );
    assert_eq!(
        store
            .count_responses(org_id, survey.id)
            .await
            .expect("count"),
        1
    );
    let known = store
        .submit_response(
            &survey,
            response(
                &survey,
                json!({"answers":{"nps":10},"customer_external_id":"crm-1"}),
            ),
        )
        .await
        .expect("known customer");
    let SubmitOutcome::Created(id) = known else {
        panic!("{known:?}")
    };
    assert_eq!(
        store
            .response(org_id, id)
            .await
            .expect("response")
            .customer_id,
        Some(customer.id)
    );
}

/// Every text value of every row of every table, as `(table, value)`.
async fn every_stored_text(url: &str) -> Vec<(String, String)> {
    use sqlx::{Column, Row};
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect");
    let backend = touchpoint_store::Backend::from_url(url).expect("backend");
    let list = match backend {
        touchpoint_store::Backend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        touchpoint_store::Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS t FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let tables: Vec<String> = sqlx::query(list)
        .fetch_all(&pool)
        .await
        .expect("tables")
        .iter()
        .map(|r| r.try_get("t").expect("name"))
        .collect();
    assert!(tables.len() > 15, "{tables:?}");
    let mut texts = Vec::new();
    for table in tables {
        // Every column read as text, whatever its type.
        let columns: Vec<String> = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM {table} LIMIT 1"
        )))
        .fetch_all(&pool)
        .await
        .expect("probe")
        .first()
        .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
        .unwrap_or_default();
        if columns.is_empty() {
            continue;
        }
        let select = columns
            .iter()
            .map(|c| format!("CAST({c} AS TEXT) AS {c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {select} FROM {table}")))
            .fetch_all(&pool)
            .await
            .expect("rows");
        for row in &rows {
            for column in &columns {
                if let Ok(Some(value)) = row.try_get::<Option<String>, _>(column.as_str()) {
                    texts.push((table.clone(), value));
                }
            }
        }
    }
    pool.close().await;
    texts
}

async fn an_erased_customer_leaves_nothing_behind(store: Store, db: TestDatabase) {
    let org_id = org(&store).await;
    declare(&store, org_id).await;
    let s = survey(&store, org_id).await;
    let person = json!({"external_id": "crm-erase-me", "email": "erika.muster@example.org",
        "phone": "+49 170 5550123", "name": "Erika Mustermann-Erasure",
        "attributes": {"segment": "Segment-Erasure", "value": 4711.5}});
    let other = json!({"external_id": "crm-keep", "name": "Karl Keep", "attributes": {"segment": "Business"}});
    store
        .import_customers(org_id, lines(vec![person, other]))
        .await
        .expect("import");
    let customer = store
        .customer_by_external_id(org_id, "crm-erase-me")
        .await
        .expect("customer");
    let mut ids = Vec::new();
    for (nps, comment, who) in [
        (
            2,
            "Mein Anschluss Unikat-Kommentar-A geht nicht",
            "crm-erase-me",
        ),
        (9, "Unikat-Kommentar-B super Beratung", "crm-erase-me"),
        (7, "Karl war zufrieden", "crm-keep"),
    ] {
        let SubmitOutcome::Created(id) = store
            .submit_response(
                &s,
                response(
                    &s,
                    json!({"answers":{"nps":nps,"why":comment},"customer_external_id":who,
                    "external_id": format!("ticket-{who}-{nps}")}),
                ),
            )
            .await
            .expect("submit")
        else {
            panic!("created")
        };
        ids.push(id);
    }
    let targets = store.analysis_targets(&ids).await.expect("targets");
    let records: Vec<_> = targets
        .into_iter()
        .map(|target| {
            let record = touchpoint_store::text::AnalysisRecord {
                language: "de".into(),
                sentiment: "negative".into(),
                score: -0.5,
                analysis: json!({"evidence": target.text.clone()}),
                themes: vec![("provisioning".into(), "negative".into())],
            };
            (target, record)
        })
        .collect();
    store.save_analyses(&records, "test").await.expect("save");
    let hotline = touchpoint_named(&store, org_id, "Hotline").await;
    let event = |external_id: &str, who: &str| {
        serde_json::from_value::<touchpoint_domain::event::EventDraft>(json!({
            "external_id": external_id, "customer_external_id": who, "touchpoint": hotline.to_string(),
            "channel": "phone", "type": "call.completed", "occurred_at": "2026-03-01T10:00:00Z",
            "properties": {"note": "Unikat-Kommentar-E"}}))
        .expect("shape")
        .validate(touchpoint_store::now_ms())
        .expect("valid")
    };
    store
        .ingest_events(
            org_id,
            vec![
                event("evt-erase-me", "crm-erase-me"),
                event("evt-keep", "crm-keep"),
            ],
        )
        .await
        .expect("events");

    let exported = store
        .customer_responses(org_id, customer.id)
        .await
        .expect("export");
    assert_eq!(exported.len(), 2);
    assert_eq!(
        exported[0].answers["why"],
        "Mein Anschluss Unikat-Kommentar-A geht nicht"
    );
    assert!(exported[0].analysis.is_some());

    let identifying = [
        customer.id.to_string(),
        "crm-erase-me".to_owned(),
        "erika.muster@example.org".to_owned(),
        customer.phone.clone().expect("phone stored (normalised)"),
        "Erika Mustermann-Erasure".to_owned(),
        "Segment-Erasure".to_owned(),
        "4711.5".to_owned(),
        "Unikat-Kommentar-A".to_owned(),
        "Unikat-Kommentar-B".to_owned(),
        "evt-erase-me".to_owned(),
        ids[0].to_string(),
        ids[1].to_string(),
    ];
    let before = every_stored_text(&db.url).await;
    for needle in &identifying[1..10] {
        assert!(
            before.iter().any(|(_, v)| v.contains(needle.as_str())),
            "{needle} is stored before"
        );
    }

    let erasure = store
        .erase_customer(org_id, customer.id, &AuditContext::system())
        .await
        .expect("erase");
    assert_eq!(
        (erasure.responses, erasure.events, erasure.attributes),
        (2, 1, 2)
    );
    assert!(matches!(
        store
            .erase_customer(org_id, customer.id, &AuditContext::system())
            .await,
        Err(StoreError::NotFound)
    ));

    for (table, value) in every_stored_text(&db.url).await {
        for needle in &identifying {
            assert!(
                !value.contains(needle.as_str()),
                "table {table} still holds {needle}: {value}"
            );
        }
    }
    // The other customer and the aggregates are intact and true.
    assert!(
        store
            .customer_by_external_id(org_id, "crm-keep")
            .await
            .is_ok()
    );
    assert_eq!(store.count_responses(org_id, s.id).await.expect("count"), 1);
    assert_eq!(
        store.stored_rollups(&s).await.expect("stored"),
        store.recompute_rollups(&s).await.expect("raw")
    );
    let totals = store.theme_rollup_totals(s.id).await.expect("totals");
    assert_eq!(
        totals.get(&("provisioning".into(), "negative".into())),
        Some(&1)
    );
    let counts = store
        .event_counts(org_id, 0, i64::MAX / 86_400_000)
        .await
        .expect("counts");
    assert_eq!(
        counts.get(&hotline),
        Some(&1),
        "the other customer's event still counts"
    );
    let audit = store
        .audit_entries(
            org_id,
            &AuditFilter {
                action: Some("customer.erase".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            5,
        )
        .await
        .expect("audit");
    assert_eq!(
        audit.items[0].target_id.as_deref(),
        Some(erasure.id.as_str())
    );
}

async fn events_are_kept_once_and_counted(store: Store, _db: TestDatabase) {
    use touchpoint_domain::UnknownCustomers;
    use touchpoint_store::events::EventOutcome;
    let org_id = org(&store).await;
    let hotline = touchpoint_named(&store, org_id, "Hotline").await;
    let now = touchpoint_store::now_ms();
    let event = |external_id: &str, who: &str, touchpoint: &str, at: &str, minutes: i64| {
        serde_json::from_value::<touchpoint_domain::event::EventDraft>(json!({
            "external_id": external_id, "customer_external_id": who, "touchpoint": touchpoint,
            "channel": "phone", "type": "call.completed", "occurred_at": at,
            "properties": {"minutes": minutes}}))
        .expect("shape")
        .validate(now)
        .expect("valid")
    };
    let tp = hotline.to_string();
    let batch = vec![
        // Out of order on purpose.
        event("e-2", "C-1", &tp, "2026-03-02T10:00:00Z", 5),
        event("e-1", "C-1", &tp, "2026-03-01T10:00:00Z", 3),
        event("e-2", "C-1", &tp, "2026-03-02T10:00:00Z", 5),
        event(
            "e-3",
            "C-2",
            "no-such-touchpoint",
            "2026-03-02T10:00:00Z",
            1,
        ),
    ];
    let outcomes = store
        .ingest_events(org_id, batch.clone())
        .await
        .expect("ingest");
    let EventOutcome::Created(first) = &outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert!(matches!(outcomes[1], EventOutcome::Created(_)));
    assert_eq!(
        outcomes[2],
        EventOutcome::Replayed(first.clone()),
        "a duplicate within the batch"
    );
    assert!(matches!(
        outcomes[3],
        EventOutcome::Rejected {
            field: "touchpoint",
            ..
        }
    ));
    assert!(
        store.customer_by_external_id(org_id, "C-2").await.is_ok(),
        "created on the fly even so"
    );

    let again = store
        .ingest_events(
            org_id,
            vec![
                event("e-1", "C-1", &tp, "2026-03-01T10:00:00Z", 3),
                event("e-1x", "C-1", &tp, "2026-03-01T11:00:00Z", 4),
            ],
        )
        .await
        .expect("again");
    assert!(matches!(again[0], EventOutcome::Replayed(_)));
    let conflict = store
        .ingest_events(
            org_id,
            vec![event("e-1", "C-1", &tp, "2026-03-01T10:00:00Z", 99)],
        )
        .await
        .expect("conflict");
    assert!(matches!(conflict[0], EventOutcome::Conflict(_)));

    store
        .set_unknown_customers(org_id, UnknownCustomers::Reject, &AuditContext::system())
        .await
        .expect("policy");
    let refused = store
        .ingest_events(
            org_id,
            vec![event("e-9", "C-unknown", &tp, "2026-03-03T10:00:00Z", 1)],
        )
        .await
        .expect("refused");
    assert!(matches!(
        refused[0],
        EventOutcome::Rejected {
            field: "customer_external_id",
            ..
        }
    ));
    assert!(
        store
            .customer_by_external_id(org_id, "C-unknown")
            .await
            .is_err()
    );

    let customer = store
        .customer_by_external_id(org_id, "C-1")
        .await
        .expect("customer");
    let page = store
        .customer_events(org_id, customer.id, &Cursor::start(), 2)
        .await
        .expect("page");
    let ids: Vec<&str> = page.items.iter().map(|e| e.external_id.as_str()).collect();
    assert_eq!(ids, ["e-2", "e-1x"], "newest first");
    let next = Cursor::parse(page.next_cursor.as_deref().expect("more")).expect("cursor");
    let rest = store
        .customer_events(org_id, customer.id, &next, 2)
        .await
        .expect("page 2");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].properties["minutes"], 3);
    assert_eq!(
        store
            .event_counts(org_id, 0, i64::MAX / 86_400_000)
            .await
            .expect("counts")
            .get(&hotline),
        Some(&3)
    );
}

/// Concurrent batches go through one group-commit writer, several to a transaction: every
/// external id is created exactly once however the batches are grouped, customers named by
/// several batches are created once, the daily counts equal the created events, and a batch
/// that fails (an organisation that does not exist) fails alone.
async fn concurrent_event_batches_are_exact_and_isolated(store: Store, _db: TestDatabase) {
    use touchpoint_store::events::EventOutcome;
    let org_id = org(&store).await;
    let hotline = touchpoint_named(&store, org_id, "Hotline")
        .await
        .to_string();
    let now = touchpoint_store::now_ms();
    let batch = |series: usize| -> Vec<touchpoint_domain::event::NewEvent> {
        (0..100)
            .map(|j| {
                serde_json::from_value::<touchpoint_domain::event::EventDraft>(json!({
                    "external_id": format!("s{series}-{j}"),
                    "customer_external_id": format!("C-{}", j % 30),
                    "touchpoint": hotline, "channel": "phone", "type": "call.completed",
                    "occurred_at": format!("2026-03-{:02}T10:00:00Z", 1 + j % 28),
                    "properties": {"minutes": j}}))
                .expect("shape")
                .validate(now)
                .expect("valid")
            })
            .collect()
    };
    let missing_org: OrgId = touchpoint_store::new_id();
    // Batches 0–3 and 4–7 carry the same four series: each event arrives twice.
    let mut calls: Vec<_> = (0..8)
        .map(|k| store.ingest_events(org_id, batch(k % 4)))
        .collect();
    calls.insert(3, store.ingest_events(missing_org, batch(9)));
    let mut results = futures_util::future::join_all(calls).await;
    assert!(
        matches!(results.remove(3), Err(StoreError::NotFound)),
        "the batch of an unknown organisation fails"
    );
    let outcomes: Vec<EventOutcome> = results
        .into_iter()
        .flat_map(|r| r.expect("the other batches are stored"))
        .collect();
    let created: std::collections::BTreeSet<&str> = outcomes
        .iter()
        .filter_map(|o| match o {
            EventOutcome::Created(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let replayed = outcomes
        .iter()
        .filter(|o| matches!(o, EventOutcome::Replayed(_)))
        .count();
    assert_eq!((created.len(), replayed), (400, 400), "{outcomes:?}");
    assert_eq!(store.count_customers(org_id).await.expect("count"), 30);
    let counted: i64 = store
        .event_counts(org_id, 0, i64::MAX / 86_400_000)
        .await
        .expect("counts")
        .values()
        .sum();
    assert_eq!(counted, 400);
}

// ---------------------------------------------------------------------------------------------
// Mail outbox and the account lifecycle
// ---------------------------------------------------------------------------------------------

fn new_mail(to: &str, template: &'static str) -> touchpoint_store::mail::NewMail {
    touchpoint_store::mail::NewMail {
        to: to.into(),
        language: touchpoint_domain::Language::En,
        template,
        subject: "Subject".into(),
        text_body: "text with a secret link".into(),
        html_body: "<p>html with a secret link</p>".into(),
        secret: true,
    }
}

fn invitation(
    email: &str,
    hash: &str,
    expires_at: i64,
) -> touchpoint_store::lifecycle::NewInvitation {
    touchpoint_store::lifecycle::NewInvitation {
        email: email.into(),
        role: touchpoint_domain::Role::Analyst,
        language: touchpoint_domain::Language::De,
        department_ids: vec!["0190d5a0-0000-7000-8000-000000000001".into()],
        token_hash: hash.into(),
        expires_at,
    }
}

async fn actions(store: &Store, org_id: OrgId) -> Vec<String> {
    store
        .audit_entries(org_id, &AuditFilter::default(), &Cursor::start(), 500)
        .await
        .expect("audit")
        .items
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn outbox_delivery_states_and_failure(store: Store, _db: TestDatabase) {
    use touchpoint_store::mail::{MAIL_SEND, MailState};
    let org_id = org(&store).await;
    let first = store
        .enqueue_mail(org_id, &new_mail("a@example.com", "password_changed"))
        .await
        .expect("enqueue");
    let second = store
        .enqueue_mail(org_id, &new_mail("b@example.com", "password_reset"))
        .await
        .expect("enqueue");
    assert!(
        store.has_pending_job(MAIL_SEND).await.expect("query"),
        "queued with its job"
    );
    let mail = store.outbox_mail(org_id, first).await.expect("mail");
    assert_eq!(
        (mail.state, mail.attempts, mail.to.as_str()),
        (MailState::Queued, 0, "a@example.com")
    );

    assert!(store.mail_sending(org_id, first, 1).await.expect("sending"));
    store
        .mail_retry(org_id, first, "SMTP: connection refused", 123)
        .await
        .expect("retry");
    let mail = store.outbox_mail(org_id, first).await.expect("mail");
    assert_eq!(mail.state, MailState::Queued);
    assert_eq!(mail.attempts, 1);
    assert_eq!(mail.last_error.as_deref(), Some("SMTP: connection refused"));
    assert_eq!(mail.next_attempt_at, 123);
    assert!(store.mail_sending(org_id, first, 2).await.expect("sending"));
    store.mail_sent(org_id, first, true).await.expect("sent");
    let mail = store.outbox_mail(org_id, first).await.expect("mail");
    assert_eq!(mail.state, MailState::Sent);
    assert!(mail.sent_at.is_some() && mail.last_error.is_none());
    assert!(
        mail.text_body.is_empty() && mail.html_body.is_empty(),
        "secrets blanked once sent"
    );
    assert!(
        !store.mail_sending(org_id, first, 3).await.expect("sending"),
        "never twice"
    );
    store
        .mail_retry(org_id, first, "late", 1)
        .await
        .expect("no-op");
    assert_eq!(
        store.outbox_mail(org_id, first).await.expect("mail").state,
        MailState::Sent
    );

    store
        .mail_failed(org_id, second, "SMTP: 550 no such user")
        .await
        .expect("failed");
    let mail = store.outbox_mail(org_id, second).await.expect("mail");
    assert_eq!(mail.state, MailState::Failed);
    assert!(
        !mail.text_body.is_empty(),
        "a failed mail keeps its body for the operator"
    );
    let failed = store
        .audit_entries(
            org_id,
            &AuditFilter {
                action: Some("mail.failed".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            10,
        )
        .await
        .expect("audit");
    assert_eq!(failed.items.len(), 1);
    let summary = failed.items[0].summary.to_string();
    assert!(
        !summary.contains("b@example.com") && !summary.contains("secret link"),
        "{summary}"
    );

    let page = store
        .outbox(org_id, &Cursor::start(), 1)
        .await
        .expect("page");
    assert_eq!(page.items[0].id, second, "newest first");
    let cursor = Cursor::parse(page.next_cursor.as_deref().expect("more")).expect("cursor");
    let rest = store.outbox(org_id, &cursor, 10).await.expect("page");
    assert_eq!(
        rest.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![first]
    );
    let other: OrgId = uuid::Uuid::now_v7().into();
    assert!(matches!(
        store.outbox_mail(other, first).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .outbox(other, &Cursor::start(), 10)
            .await
            .expect("page")
            .items
            .is_empty()
    );
}

async fn invitations_are_single_use_and_per_organisation(store: Store, _db: TestDatabase) {
    use touchpoint_store::lifecycle::InvitationState;
    let org_id = org(&store).await;
    let now = touchpoint_store::now_ms();
    let ctx = AuditContext::system();
    let id = store
        .create_invitation(
            org_id,
            &invitation(" Ann@Example.com ", "inv-1", now + 60_000),
            &new_mail("ann@example.com", "invitation"),
            &ctx,
        )
        .await
        .expect("invite");
    for (email, constraint) in [
        ("ann@example.com", "invitations.pending_email"),
        ("admin@example.com", "users.email"),
    ] {
        match store
            .create_invitation(
                org_id,
                &invitation(email, "inv-x", now + 60_000),
                &new_mail(email, "invitation"),
                &ctx,
            )
            .await
        {
            Err(StoreError::Conflict { constraint: c }) => assert_eq!(c, constraint),
            other => panic!("{email}: {other:?}"),
        }
    }
    let listed = store.invitations(org_id).await.expect("list");
    assert_eq!(listed.len(), 1, "a refused invitation leaves nothing");
    assert_eq!(listed[0].email, "ann@example.com");
    assert_eq!(listed[0].state(now), InvitationState::Pending);
    assert_eq!(listed[0].mail_state.as_deref(), Some("queued"));
    assert_eq!(listed[0].department_ids.len(), 1);
    assert_eq!(
        store
            .outbox(org_id, &Cursor::start(), 10)
            .await
            .expect("outbox")
            .items
            .len(),
        1
    );

    assert!(matches!(
        store.invitation_by_token("nope", now).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .invitation_by_token("inv-1", now)
            .await
            .expect("valid")
            .id,
        id
    );
    let principal = store
        .accept_invitation("inv-1", "Ann <b>", "$argon2id$fake", None)
        .await
        .expect("accept");
    let ann = store.user(org_id, principal.user_id).await.expect("user");
    assert_eq!(
        (
            ann.email.as_str(),
            ann.role.as_str(),
            ann.display_name.as_str()
        ),
        ("ann@example.com", "analyst", "Ann <b>")
    );
    assert!(matches!(
        store.accept_invitation("inv-1", "Eve", "x", None).await,
        Err(StoreError::Gone("used"))
    ));
    assert!(matches!(
        store.invitation_by_token("inv-1", now).await,
        Err(StoreError::Gone("used"))
    ));
    assert!(matches!(
        store.revoke_invitation(org_id, id, &ctx).await,
        Err(StoreError::Conflict { .. })
    ));

    let second = store
        .create_invitation(
            org_id,
            &invitation("bob@example.com", "inv-2", now + 60_000),
            &new_mail("bob@example.com", "invitation"),
            &ctx,
        )
        .await
        .expect("invite");
    let other: OrgId = uuid::Uuid::now_v7().into();
    assert!(matches!(
        store.revoke_invitation(other, second, &ctx).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.invitations(other).await.expect("list").is_empty());
    store
        .revoke_invitation(org_id, second, &ctx)
        .await
        .expect("revoke");
    store
        .revoke_invitation(org_id, second, &ctx)
        .await
        .expect("again");
    assert!(matches!(
        store.accept_invitation("inv-2", "Bob", "x", None).await,
        Err(StoreError::Gone("revoked"))
    ));
    assert!(matches!(
        store
            .resend_invitation(
                org_id,
                second,
                "inv-2b",
                now + 60_000,
                &new_mail("bob@example.com", "invitation"),
                &ctx
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));

    let expired = store
        .create_invitation(
            org_id,
            &invitation("cid@example.com", "inv-3", now - 1),
            &new_mail("cid@example.com", "invitation"),
            &ctx,
        )
        .await
        .expect("invite");
    assert!(matches!(
        store.accept_invitation("inv-3", "Cid", "x", None).await,
        Err(StoreError::Gone("expired"))
    ));
    store
        .resend_invitation(
            org_id,
            expired,
            "inv-3b",
            now + 60_000,
            &new_mail("cid@example.com", "invitation"),
            &ctx,
        )
        .await
        .expect("resend renews");
    assert!(
        matches!(
            store.invitation_by_token("inv-3", now).await,
            Err(StoreError::NotFound)
        ),
        "the old link is dead"
    );
    store
        .accept_invitation("inv-3b", "Cid", "x", None)
        .await
        .expect("the new link works");

    let log = actions(&store, org_id).await;
    let count = |a: &str| log.iter().filter(|x| *x == a).count();
    assert_eq!(count("invitation.create"), 3);
    assert_eq!(count("invitation.accept"), 2);
    assert_eq!(
        count("invitation.revoke"),
        1,
        "revoking twice is audited once"
    );
    assert_eq!(count("invitation.resend"), 1);
}

async fn password_resets_deactivation_and_totp_steps(store: Store, _db: TestDatabase) {
    let done = store
        .initialise(&init("admin@example.com", "hash-1"))
        .await
        .expect("init");
    let org_id = done.org_id;
    let ctx = AuditContext::system();
    let user = store.user(org_id, done.user_id).await.expect("user");
    let principal = Principal {
        org_id,
        user_id: user.id,
    };
    let now = touchpoint_store::now_ms();
    store
        .create_session("s-1", principal, now + 60_000)
        .await
        .expect("session");

    // Reset: single use, ends sessions, queues the notice.
    store
        .request_password_reset(
            &user,
            "reset-1",
            now + 60_000,
            &new_mail("admin@example.com", "password_reset"),
            &ctx,
        )
        .await
        .expect("request");
    store
        .request_password_reset(
            &user,
            "reset-old",
            now - 1,
            &new_mail("admin@example.com", "password_reset"),
            &ctx,
        )
        .await
        .expect("request");
    assert!(matches!(
        store.password_reset_target("reset-old", now).await,
        Err(StoreError::Gone("expired"))
    ));
    assert!(matches!(
        store.password_reset_target("nope", now).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .password_reset_target("reset-1", now)
            .await
            .expect("valid")
            .id,
        user.id
    );
    store
        .reset_password(
            "reset-1",
            "$argon2id$new",
            &new_mail("admin@example.com", "password_changed"),
            None,
        )
        .await
        .expect("reset");
    assert_eq!(
        store
            .user(org_id, user.id)
            .await
            .expect("user")
            .password_hash,
        "$argon2id$new"
    );
    assert!(
        store.session("s-1", now).await.expect("q").is_none(),
        "sessions end"
    );
    assert!(matches!(
        store
            .reset_password(
                "reset-1",
                "$argon2id$again",
                &new_mail("a@example.com", "password_changed"),
                None
            )
            .await,
        Err(StoreError::Gone("used"))
    ));
    assert_eq!(
        store
            .user(org_id, user.id)
            .await
            .expect("user")
            .password_hash,
        "$argon2id$new"
    );

    // Deactivation: sessions and tokens stop at once; reactivation restores the token.
    store
        .create_session("s-2", principal, now + 60_000)
        .await
        .expect("session");
    store
        .create_signin_challenge("c-1", principal, now + 60_000)
        .await
        .expect("challenge");
    store
        .set_user_active(org_id, user.id, false, &ctx)
        .await
        .expect("deactivate");
    store
        .set_user_active(org_id, user.id, false, &ctx)
        .await
        .expect("again: no-op");
    assert!(store.session("s-2", now).await.expect("q").is_none());
    assert!(
        store
            .principal_for_token("hash-1", now)
            .await
            .expect("q")
            .is_none()
    );
    assert!(
        store
            .signin_challenge_attempt("c-1", now)
            .await
            .expect("q")
            .is_none(),
        "pending sign-ins end too"
    );
    assert!(!store.user(org_id, user.id).await.expect("user").is_active());
    store
        .create_session("s-3", principal, now + 60_000)
        .await
        .expect("session");
    assert!(
        store.session("s-3", now).await.expect("q").is_none(),
        "no session of a deactivated user counts"
    );
    store
        .set_user_active(org_id, user.id, true, &ctx)
        .await
        .expect("reactivate");
    assert!(
        store
            .principal_for_token("hash-1", now)
            .await
            .expect("q")
            .is_some()
    );
    let other: OrgId = uuid::Uuid::now_v7().into();
    assert!(matches!(
        store.set_user_active(other, user.id, false, &ctx).await,
        Err(StoreError::NotFound)
    ));
    let summaries = store.users(org_id).await.expect("users");
    assert_eq!(summaries.len(), 1);
    assert!(summaries[0].deactivated_at.is_none() && !summaries[0].totp_enabled);

    // TOTP steps are spent once, in order.
    let user = store.user(org_id, user.id).await.expect("user");
    assert!(
        !store.spend_totp_step(org_id, user.id, 5).await.expect("q"),
        "not enabled"
    );
    store
        .enable_totp(
            &user,
            "JBSWY3DPEHPK3PXP",
            5,
            &new_mail("admin@example.com", "totp_enabled"),
            &ctx,
        )
        .await
        .expect("enable");
    assert_eq!(
        store
            .user(org_id, user.id)
            .await
            .expect("user")
            .totp_secret
            .as_deref(),
        Some("JBSWY3DPEHPK3PXP")
    );
    assert!(
        !store.spend_totp_step(org_id, user.id, 5).await.expect("q"),
        "spent when enabled"
    );
    assert!(!store.spend_totp_step(org_id, user.id, 4).await.expect("q"));
    assert!(store.spend_totp_step(org_id, user.id, 6).await.expect("q"));
    assert!(!store.spend_totp_step(org_id, user.id, 6).await.expect("q"));
    store
        .create_signin_challenge("c-2", principal, now + 60_000)
        .await
        .expect("challenge");
    let (p, attempts) = store
        .signin_challenge_attempt("c-2", now)
        .await
        .expect("q")
        .expect("live");
    assert_eq!((p, attempts), (principal, 1));
    assert_eq!(
        store
            .signin_challenge_attempt("c-2", now)
            .await
            .expect("q")
            .expect("live")
            .1,
        2
    );
    assert!(
        store
            .signin_challenge_attempt("c-2", now + 120_000)
            .await
            .expect("q")
            .is_none(),
        "expired"
    );
    store.delete_signin_challenge("c-2").await.expect("delete");
    let user = store.user(org_id, user.id).await.expect("user");
    store.disable_totp(&user, &ctx).await.expect("disable");
    assert!(
        store
            .user(org_id, user.id)
            .await
            .expect("user")
            .totp_secret
            .is_none()
    );
    let revoked = store
        .revoke_all_sessions(org_id, user.id, &ctx)
        .await
        .expect("revoke");
    assert_eq!(revoked, 1, "s-3 was still stored");

    let log = actions(&store, org_id).await;
    for action in [
        "password.reset_request",
        "password.reset",
        "user.deactivate",
        "user.reactivate",
        "totp.enable",
        "totp.disable",
        "session.revoke_all",
    ] {
        assert!(log.iter().any(|a| a == action), "{action} in {log:?}");
    }
    assert_eq!(log.iter().filter(|a| *a == "user.deactivate").count(), 1);
    for entry in store
        .audit_entries(org_id, &AuditFilter::default(), &Cursor::start(), 500)
        .await
        .expect("audit")
        .items
    {
        let summary = entry.summary.to_string();
        assert!(
            !summary.contains("JBSWY3DP") && !summary.contains("argon2"),
            "{summary}"
        );
    }
}

async fn departments_are_per_organisation_and_deleted_only_unused(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let other = store
        .create_organisation(&init("boss@other.example", "hash-2"))
        .await
        .expect("second organisation");
    assert_eq!(
        store
            .initialise(&init("x@example.com", "hash-3"))
            .await
            .err()
            .map(|e| e.to_string()),
        Some(StoreError::AlreadyInitialised.to_string()),
        "initialise still refuses once an organisation exists"
    );
    let keys = |list: Vec<touchpoint_store::Department>| {
        list.into_iter().map(|d| d.key).collect::<Vec<_>>()
    };
    let defaults = vec!["marketing", "product", "sales", "service"];
    assert_eq!(
        keys(store.departments(org_id).await.expect("list")),
        defaults
    );
    assert_eq!(
        keys(store.departments(other.org_id).await.expect("list")),
        defaults
    );

    let ctx = AuditContext::system();
    let ops = store
        .create_department(org_id, "ops", "<script>alert(1)</script>", &ctx)
        .await
        .expect("create");
    assert_eq!(ops.name, "<script>alert(1)</script>", "stored as text");
    assert!(matches!(
        store.create_department(org_id, "ops", "Again", &ctx).await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .create_department(other.org_id, "ops", "Same key elsewhere", &ctx)
        .await
        .expect("keys are per organisation");
    let renamed = store
        .rename_department(org_id, ops.id, "Operations", &ctx)
        .await
        .expect("rename");
    assert_eq!(renamed.name, "Operations");
    assert!(matches!(
        store
            .rename_department(other.org_id, ops.id, "Stolen", &ctx)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_department(other.org_id, ops.id, &ctx).await,
        Err(StoreError::NotFound)
    ));
    // In use by a touchpoint: refused, nothing changes.
    let desk = store
        .create_touchpoint_in(
            org_id,
            &TouchpointFields {
                name: "Desk".into(),
                channel: "phone".into(),
                ..Default::default()
            },
            Some(ops.id),
            &ctx,
        )
        .await
        .expect("touchpoint");
    assert_eq!(desk.department_id, Some(ops.id));
    assert!(
        !store
            .delete_department(org_id, ops.id, &ctx)
            .await
            .expect("delete")
    );
    assert_eq!(store.departments(org_id).await.expect("list").len(), 5);
    // Another organisation's department cannot own this one's touchpoint.
    let foreign = store.departments(other.org_id).await.expect("list")[0].id;
    assert!(matches!(
        store
            .update_touchpoint(
                org_id,
                desk.id,
                &TouchpointFields {
                    name: "Desk".into(),
                    channel: "phone".into(),
                    ..Default::default()
                },
                Some(foreign),
                &ctx
            )
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .update_touchpoint(
            org_id,
            desk.id,
            &TouchpointFields {
                name: "Desk".into(),
                channel: "phone".into(),
                ..Default::default()
            },
            None,
            &ctx,
        )
        .await
        .expect("organisation-wide again");
    assert!(
        store
            .delete_department(org_id, ops.id, &ctx)
            .await
            .expect("delete")
    );
    assert_eq!(store.departments(org_id).await.expect("list").len(), 4);
    let audit = store
        .audit_entries(
            org_id,
            &AuditFilter {
                action: Some("department".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            50,
        )
        .await
        .expect("audit");
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "department.delete",
            "department.rename",
            "department.create"
        ]
    );
    let created = store
        .audit_entries(
            other.org_id,
            &AuditFilter {
                action: Some("organisation.create".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            5,
        )
        .await
        .expect("audit");
    assert_eq!(created.items.len(), 1);
    assert_eq!(created.items[0].interface, "cli");
}

async fn roles_and_department_scopes(store: Store, _db: TestDatabase) {
    let done = store
        .initialise(&init("admin@example.com", "hash-1"))
        .await
        .expect("initialise");
    let org_id = done.org_id;
    let departments = store.departments(org_id).await.expect("list");
    let sales = departments
        .iter()
        .find(|d| d.key == "sales")
        .expect("sales")
        .id;
    let service = departments
        .iter()
        .find(|d| d.key == "service")
        .expect("service")
        .id;
    let agent = touchpoint_store::testing::add_user(
        &store,
        org_id,
        "agent@example.com",
        Role::Agent,
        "x",
        &[],
    )
    .await;
    let ctx = AuditContext::system();
    // The last owner stays.
    assert_eq!(
        store
            .set_user_access(
                org_id,
                done.user_id,
                Role::Admin,
                &DepartmentScope::All,
                &ctx
            )
            .await
            .expect("set"),
        AccessChange::LastOwner
    );
    assert_eq!(
        store
            .user_access(org_id, done.user_id)
            .await
            .expect("user")
            .role,
        Role::Owner
    );
    // A department of another organisation is refused, nothing changes.
    let other = store
        .create_organisation(&init("boss@other.example", "hash-2"))
        .await
        .expect("second organisation");
    let foreign = store.departments(other.org_id).await.expect("list")[0].id;
    assert_eq!(
        store
            .set_user_access(
                org_id,
                agent,
                Role::Agent,
                &DepartmentScope::from_ids(vec![service, foreign]),
                &ctx
            )
            .await
            .expect("set"),
        AccessChange::UnknownDepartment(foreign)
    );
    assert_eq!(
        store
            .user_access(org_id, agent)
            .await
            .expect("user")
            .departments,
        DepartmentScope::All
    );
    // Scoped, then listed with the scope.
    let scope = DepartmentScope::from_ids(vec![service, sales]);
    assert_eq!(
        store
            .set_user_access(org_id, agent, Role::Agent, &scope, &ctx)
            .await
            .expect("set"),
        AccessChange::Done
    );
    let users = store.users_with_access(org_id).await.expect("users");
    let listed = users.iter().find(|u| u.id == agent).expect("agent listed");
    assert_eq!((listed.role, &listed.departments), (Role::Agent, &scope));
    assert_eq!(users.len(), 2, "only this organisation's users");
    // Another organisation cannot touch this user.
    assert!(matches!(
        store
            .set_user_access(
                other.org_id,
                agent,
                Role::Viewer,
                &DepartmentScope::All,
                &ctx
            )
            .await,
        Err(StoreError::NotFound)
    ));
    // A second owner can be made, then the first demoted.
    store
        .set_user_access(org_id, agent, Role::Owner, &DepartmentScope::All, &ctx)
        .await
        .expect("promote");
    assert_eq!(
        store
            .set_user_access(
                org_id,
                done.user_id,
                Role::Viewer,
                &DepartmentScope::All,
                &ctx
            )
            .await
            .expect("demote"),
        AccessChange::Done
    );
    // The token carries the user's fresh role and departments.
    let access = store
        .principal_for_token("hash-1", touchpoint_store::now_ms())
        .await
        .expect("query")
        .expect("live token");
    assert_eq!(access.role, Role::Viewer);
    // In use by a member: the department stays.
    store
        .set_user_access(
            org_id,
            done.user_id,
            Role::Viewer,
            &DepartmentScope::from_ids(vec![sales]),
            &ctx,
        )
        .await
        .expect("scope");
    assert!(
        !store
            .delete_department(org_id, sales, &ctx)
            .await
            .expect("delete")
    );
    let changes = store
        .audit_entries(
            org_id,
            &AuditFilter {
                action: Some("user.access_change".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            50,
        )
        .await
        .expect("audit");
    assert_eq!(
        changes.items.len(),
        4,
        "refusals are not audited as changes"
    );
}

async fn scoped_lists_hold_only_their_departments(store: Store, _db: TestDatabase) {
    let org_id = org(&store).await;
    let departments = store.departments(org_id).await.expect("list");
    let sales = departments
        .iter()
        .find(|d| d.key == "sales")
        .expect("sales")
        .id;
    let service = departments
        .iter()
        .find(|d| d.key == "service")
        .expect("service")
        .id;
    let ctx = AuditContext::system();
    let touchpoint = |name: &'static str, department| {
        let store = store.clone();
        async move {
            store
                .create_touchpoint_in(
                    org_id,
                    &TouchpointFields {
                        name: name.into(),
                        channel: "web".into(),
                        ..Default::default()
                    },
                    department,
                    &AuditContext::system(),
                )
                .await
                .expect("touchpoint")
        }
    };
    let shop = touchpoint("Shop", Some(sales)).await;
    let desk = touchpoint("Desk", Some(service)).await;
    let _wide = touchpoint("Website", None).await;
    let mut surveys = Vec::new();
    for tp in [shop.id, desk.id] {
        let token = uuid::Uuid::now_v7().simple().to_string();
        let s = store
            .create_survey(org_id, &nps_survey(), Some(tp), &token, &ctx)
            .await
            .expect("survey");
        store
            .submit_response(&s, response(&s, json!({"answers": {"nps": 5}})))
            .await
            .expect("submit");
        surveys.push(s);
    }
    let unattached = survey(&store, org_id).await;
    store
        .submit_response(
            &unattached,
            response(&unattached, json!({"answers": {"nps": 9}})),
        )
        .await
        .expect("submit");
    let only_service = DepartmentScope::from_ids(vec![service]);
    let tps = store
        .list_touchpoints(org_id, &only_service, &Cursor::start(), 50)
        .await
        .expect("list");
    assert_eq!(
        tps.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [desk.id]
    );
    let all = store
        .list_touchpoints(org_id, &DepartmentScope::All, &Cursor::start(), 50)
        .await
        .expect("list");
    assert_eq!(all.items.len(), 3);
    let listed = store
        .list_surveys(org_id, &only_service, &Cursor::start(), 50)
        .await
        .expect("list");
    assert_eq!(
        listed.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        [surveys[1].id]
    );
    let responses = store
        .list_responses(
            org_id,
            &only_service,
            &touchpoint_store::ResponseQuery::default(),
            &Cursor::start(),
            50,
        )
        .await
        .expect("list");
    assert_eq!(responses.items.len(), 1);
    assert_eq!(responses.items[0].survey_id, surveys[1].id);
    let both = DepartmentScope::from_ids(vec![service, sales]);
    let responses = store
        .list_responses(
            org_id,
            &both,
            &touchpoint_store::ResponseQuery::default(),
            &Cursor::start(),
            50,
        )
        .await
        .expect("list");
    assert_eq!(
        responses.items.len(),
        2,
        "the unattached survey's response is organisation-wide"
    );
}

/// An organisation that existed before migration 0007 gets the default departments, with
/// distinct UUIDs, when the migration runs.
async fn migration_gives_existing_organisations_default_departments(db: TestDatabase) {
    let org_id: OrgId = uuid::Uuid::now_v7().into();
    touchpoint_store::testing::legacy_organisation(&db, 6, org_id).await;
    let store = db.open().await;
    let departments = store.departments(org_id).await.expect("list");
    let keys: Vec<&str> = departments.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["marketing", "product", "sales", "service"]);
    let ids: std::collections::BTreeSet<_> = departments.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), 4, "distinct ids");
    store.close().await;
}

/// Attribute values stored before migration 0016 rebuilt `customer_attributes` survive it:
/// the same rows, found by the same list filters, and replaced by a later upsert.
async fn attribute_values_survive_the_compact_migration(db: TestDatabase) {
    use sqlx::Row;
    use touchpoint_domain::AttributeValue;
    use touchpoint_store::{AttributeFilter, CustomerQuery};
    let org_id: OrgId = uuid::Uuid::now_v7().into();
    touchpoint_store::testing::legacy_organisation(&db, 14, org_id).await;
    // Rows as the 0009 schema held them: a rowid table with three indexes on SQLite.
    let org = org_id.to_string();
    let customers = [
        (
            "C-1",
            uuid::Uuid::now_v7().to_string(),
            "Gold",
            250.0,
            "2024-03-01",
            19_783.0,
        ),
        (
            "C-2",
            uuid::Uuid::now_v7().to_string(),
            "Silver",
            80.5,
            "2023-07-15",
            19_553.0,
        ),
        (
            "C-3",
            uuid::Uuid::now_v7().to_string(),
            "Gold",
            1_200.0,
            "2023-07-15",
            19_553.0,
        ),
    ];
    let mut sql = String::new();
    for (key, label, t) in [
        ("plan", "Plan", "string"),
        ("value", "Value", "number"),
        ("since", "Since", "date"),
    ] {
        sql.push_str(&format!(
            "INSERT INTO attribute_definitions (org_id, key, label, type, created_at) \
             VALUES ('{org}', '{key}', '{label}', '{t}', 1);"
        ));
    }
    for (i, (external_id, id, plan, value, since, days)) in customers.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO customers (id, org_id, external_id, consent_email, consent_sms, consent_in_app, \
             attributes, fingerprint, created_at, updated_at) VALUES ('{id}', '{org}', '{external_id}', \
             0, 0, 0, '{{\"plan\":\"{plan}\",\"since\":\"{since}\",\"value\":{value}}}', 'old', {i}, {i});\
             INSERT INTO customer_attributes (org_id, customer_id, key, value_text, value_num) VALUES \
             ('{org}', '{id}', 'plan', '{plan}', NULL), ('{org}', '{id}', 'value', '{value}', {value}), \
             ('{org}', '{id}', 'since', '{since}', {days});"
        ));
    }
    let pool = db.raw_pool().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&pool)
        .await
        .expect("legacy customers");
    pool.close().await;

    let store = db.open().await;
    let ids = |filters: Vec<AttributeFilter>| {
        let store = store.clone();
        async move {
            let query = CustomerQuery {
                attributes: filters,
                ..Default::default()
            };
            let page = store
                .list_customers(org_id, &query, &Cursor::start(), 50)
                .await
                .expect("list");
            let mut ids: Vec<String> = page.items.into_iter().map(|c| c.external_id).collect();
            ids.sort();
            ids
        }
    };
    let equals = |key: &str, value: AttributeValue| AttributeFilter::Equals {
        key: key.into(),
        value,
    };
    let gold = || equals("plan", AttributeValue::String("Gold".into()));
    assert_eq!(ids(vec![gold()]).await, ["C-1", "C-3"]);
    assert_eq!(
        ids(vec![equals("value", AttributeValue::Number(80.5))]).await,
        ["C-2"]
    );
    let range = |key: &str, min: f64, max: f64| AttributeFilter::Range {
        key: key.into(),
        min: Some(min),
        max: Some(max),
    };
    assert_eq!(ids(vec![range("value", 100.0, 1_000.0)]).await, ["C-1"]);
    assert_eq!(
        ids(vec![range("since", 19_553.0, 19_553.0), gold()]).await,
        ["C-3"]
    );
    let date = AttributeValue::parse_text(touchpoint_domain::AttributeType::Date, "2023-07-15")
        .expect("date");
    assert_eq!(ids(vec![equals("since", date)]).await, ["C-2", "C-3"]);
    // The most valuable first, from the number index.
    let at_risk_free = store
        .at_risk_customers(
            org_id,
            &touchpoint_store::AtRiskQuery {
                value_key: "value".into(),
                ..Default::default()
            },
            &Cursor::start(),
            10,
        )
        .await
        .expect("at risk");
    assert!(at_risk_free.items.is_empty(), "no scores, nobody at risk");

    // An upsert after the migration replaces C-1's values: one row per key, none left over.
    let draft = json!({"external_id": "C-1", "attributes": {"plan": "Silver", "value": 90}});
    let report = store
        .import_customers(org_id, lines(vec![draft]))
        .await
        .expect("upsert");
    assert_eq!((report.updated, report.rejected), (1, 0));
    assert_eq!(ids(vec![gold()]).await, ["C-3"]);
    assert_eq!(ids(vec![range("value", 80.0, 100.0)]).await, ["C-1", "C-2"]);
    assert_eq!(
        ids(vec![range("since", 0.0, 30_000.0)]).await,
        ["C-2", "C-3"]
    );
    let reopened = db.raw_pool().await;
    let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM customer_attributes")
        .fetch_one(&reopened)
        .await
        .expect("count")
        .try_get("n")
        .expect("n");
    assert_eq!(rows, 8, "3 + 3 untouched, 2 for C-1 now");
    reopened.close().await;
    store.close().await;
}

/// Migration 0015 rebuilds the events table: events stored before it keep every field, new
/// ones are ingested next to them, and the events' foreign keys are now checked at commit
/// (a statement naming a missing customer passes; its transaction's commit fails).
async fn migration_0015_keeps_events_and_defers_their_keys(db: TestDatabase) {
    let org_id: OrgId = uuid::Uuid::now_v7().into();
    touchpoint_store::testing::legacy_organisation(&db, 14, org_id).await;
    let pool = db.raw_pool().await;
    let (touchpoint, customer) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    sqlx::query("INSERT INTO touchpoints (id, org_id, name, channel, key, created_at, updated_at) VALUES ($1, $2, 'Hotline', 'phone', 'hotline', 0, 0)")
        .bind(touchpoint.to_string())
        .bind(org_id.to_string())
        .execute(&pool)
        .await
        .expect("touchpoint");
    sqlx::query("INSERT INTO customers (id, org_id, external_id, consent_email, consent_sms, consent_in_app, attributes, fingerprint, created_at, updated_at) VALUES ($1, $2, 'C-1', 0, 0, 0, '{}', 'f', 0, 0)")
        .bind(customer.to_string())
        .bind(org_id.to_string())
        .execute(&pool)
        .await
        .expect("customer");
    for (i, at) in [(1, 1_767_261_600_000i64), (2, 1_767_348_000_000)] {
        sqlx::query("INSERT INTO events (id, org_id, external_id, customer_id, touchpoint_id, channel, type, outcome, properties, fingerprint, occurred_at, received_at) VALUES ($1, $2, $3, $4, $5, 'phone', 'call.completed', 'resolved', $6, 'fp', $7, $7)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(org_id.to_string())
            .bind(format!("old-{i}"))
            .bind(customer.to_string())
            .bind(touchpoint.to_string())
            .bind(format!("{{\"minutes\":{i}}}"))
            .bind(at)
            .execute(&pool)
            .await
            .expect("event");
    }
    pool.close().await;

    let store = db.open().await;
    let now = touchpoint_store::now_ms();
    let new_event = serde_json::from_value::<touchpoint_domain::event::EventDraft>(json!({
        "external_id": "new-1", "customer_external_id": "C-1", "touchpoint": "hotline",
        "channel": "phone", "type": "call.completed", "occurred_at": "2026-01-03T10:00:00Z"}))
    .expect("shape")
    .validate(now)
    .expect("valid");
    store
        .ingest_events(org_id, vec![new_event])
        .await
        .expect("ingest after the migration");
    let page = store
        .customer_events(org_id, customer.into(), &Cursor::start(), 10)
        .await
        .expect("events");
    let kept: Vec<(&str, &str, Option<&str>, &serde_json::Value)> = page
        .items
        .iter()
        .map(|e| {
            (
                e.external_id.as_str(),
                e.channel.as_str(),
                e.outcome.as_deref(),
                &e.properties,
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("new-1", "phone", None, &json!({})),
            ("old-2", "phone", Some("resolved"), &json!({"minutes": 2})),
            ("old-1", "phone", Some("resolved"), &json!({"minutes": 1})),
        ]
    );
    store.close().await;

    let pool = db.raw_pool().await;
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("INSERT INTO events (id, org_id, external_id, customer_id, touchpoint_id, channel, type, properties, fingerprint, occurred_at, received_at) VALUES ($1, $2, 'orphan', $3, $4, 'phone', 'x', '{}', 'fp', 0, 0)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(org_id.to_string())
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(touchpoint.to_string())
        .execute(&mut *tx)
        .await
        .expect("the statement itself passes: the keys are checked at commit");
    assert!(tx.commit().await.is_err(), "the commit refuses the orphan");
    pool.close().await;
}

/// More events and more daily counts than one statement takes: every event is stored and
/// counted once, per day and in total.
async fn a_large_event_batch_is_stored_and_counted_completely(store: Store, _db: TestDatabase) {
    use touchpoint_domain::event::NewEvent;
    use touchpoint_store::events::EventOutcome;
    let org_id = org(&store).await;
    let hotline = touchpoint_named(&store, org_id, "Hotline").await;
    let day = 86_400_000;
    let start = 20_000 * day; // 2024-10-04
    // 250 events of three customers over 50 days: 5 a day.
    let batch: Vec<NewEvent> = (0..250i64)
        .map(|i| NewEvent {
            external_id: format!("big-{i:03}"),
            customer_external_id: format!("C-{}", i % 3),
            touchpoint: hotline.to_string(),
            channel: "phone".into(),
            kind: "call.completed".into(),
            occurred_at_ms: start + (i % 50) * day + i * 1_000,
            outcome: None,
            properties: serde_json::Map::new(),
        })
        .collect();
    let outcomes = store
        .ingest_events(org_id, batch.clone())
        .await
        .expect("ingest");
    assert_eq!(outcomes.len(), 250);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, EventOutcome::Created(_)))
    );
    let counts = |from: i64, to: i64| {
        let store = store.clone();
        async move {
            store
                .event_counts(org_id, from, to)
                .await
                .expect("counts")
                .get(&hotline)
                .copied()
        }
    };
    assert_eq!(counts(20_000, 20_049).await, Some(250));
    assert_eq!(counts(20_000, 20_000).await, Some(5));
    assert_eq!(counts(20_049, 20_049).await, Some(5));
    assert_eq!(counts(20_010, 20_019).await, Some(50));
    let customer = store
        .customer_by_external_id(org_id, "C-1")
        .await
        .expect("customer");
    let page = store
        .customer_events(org_id, customer.id, &Cursor::start(), 500)
        .await
        .expect("events");
    assert_eq!(page.items.len(), 83, "i = 1, 4, …, 247");
}
