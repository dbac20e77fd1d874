//! The storage contract, run against SQLite and PostgreSQL alike.

use proptest::prelude::*;
use serde_json::json;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{DepartmentScope, Role};
use touchpoint_domain::{
    NewResponse, OrgId, Resources, ResponseDraft, SurveyDefinition, TokenGrant, TokenScope,
};
use touchpoint_store::accounts::{Initialisation, NewApiToken, Principal};
use touchpoint_store::jobs::{JobState, NewJob};
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{AccessChange, AuditContext, AuditEntry, AuditFilter};
use touchpoint_store::{Cursor, GroupBy, Store, StoreError, SubmitOutcome, Survey};

/// Declares one test per backend for an `async fn(Store)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::run(touchpoint_store::testing::TestBackend::Sqlite, super::$name).await }
            )*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::run(touchpoint_store::testing::TestBackend::Postgres, super::$name).await }
            )*
        }
    };
}

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
    departments_are_per_organisation_and_deleted_only_unused,
    roles_and_department_scopes,
    scoped_lists_hold_only_their_departments,
);

async fn run<F, Fut>(backend: TestBackend, test: F)
where
    F: FnOnce(Store, TestDatabase) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(db) = TestDatabase::fresh(backend).await else {
        return;
    };
    let store = db.open().await;
    test(store.clone(), db).await;
    store.close().await;
}

fn init(email: &str, token: &str) -> Initialisation {
    Initialisation {
        org_name: "Nordwind".into(),
        email: email.into(),
        display_name: "Admin".into(),
        password_hash: "$argon2id$fake".into(),
        language: touchpoint_domain::Language::De,
        token: NewApiToken {
            name: "init".into(),
            prefix: "tp_abc".into(),
            hash: token.into(),
        },
    }
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
                    channel: "phone".into()
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
async fn migration_gives_existing_organisations_default_departments(backend: TestBackend) {
    let Some(db) = TestDatabase::fresh(backend).await else {
        return;
    };
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

#[tokio::test]
async fn migration_gives_existing_organisations_default_departments_sqlite() {
    migration_gives_existing_organisations_default_departments(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn migration_gives_existing_organisations_default_departments_postgres() {
    migration_gives_existing_organisations_default_departments(TestBackend::Postgres).await;
}
