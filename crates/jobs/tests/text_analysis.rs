//! Text analysis in the product, on SQLite and PostgreSQL: comments are analysed by the job the
//! writer queues, analyses and theme rollups agree, and a taxonomy change re-analyses stored
//! comments and moves the rollups with them.

use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use touchpoint_domain::{NewResponse, OrgId, ResponseDraft, SurveyDefinition};
use touchpoint_jobs::Worker;
use touchpoint_jobs::text::TextEngine;
use touchpoint_store::AuditContext;
use touchpoint_store::accounts::{Initialisation, NewApiToken};
use touchpoint_store::jobs::JobState;
use touchpoint_store::testing::{TestBackend, TestDatabase, temp_dir};
use touchpoint_store::{Cursor, ResponseQuery, Store, Survey, TextFilter};

const COMMENTS: [(i64, &str); 6] = [
    (
        2,
        "Die Rechnung ist falsch, schon wieder zu viel berechnet!",
    ),
    (3, "The invoice was wrong and nobody at the hotline helped."),
    (10, "Super freundliche Beratung im Shop, danke!"),
    (9, "Great app, everything works."),
    (
        1,
        "Seit Wochen keine Antwort, die Warteschleife ist eine Zumutung.",
    ),
    (
        6,
        "Die Rechnung ist unverständlich, aber der Service war super.",
    ),
];

async fn setup(store: &Store) -> (OrgId, Survey) {
    let org_id = store
        .initialise(&Initialisation {
            org_name: "Test".into(),
            email: "a@example.com".into(),
            display_name: "A".into(),
            password_hash: "x".into(),
            language: touchpoint_domain::Language::De,
            token: NewApiToken {
                name: "t".into(),
                prefix: "tp_x".into(),
                hash: "h".into(),
            },
        })
        .await
        .expect("initialise")
        .org_id;
    let definition =
        SurveyDefinition::from_json(json!({"name":"NPS","languages":["de","en"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"de":"Empfehlen?","en":"Recommend?"}},
        {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]}))
        .expect("survey");
    let survey = store
        .create_survey(org_id, &definition, None, "token", &AuditContext::system())
        .await
        .expect("create");
    let responses: Vec<NewResponse> = COMMENTS
        .iter()
        .map(|(nps, why)| {
            let draft: ResponseDraft =
                serde_json::from_value(json!({"answers":{"nps":nps,"why":why}})).expect("draft");
            NewResponse::validate(&survey.definition, draft, "api", touchpoint_store::now_ms())
                .expect("valid")
        })
        .chain(std::iter::once({
            let draft: ResponseDraft =
                serde_json::from_value(json!({"answers":{"nps":8}})).expect("draft");
            NewResponse::validate(&survey.definition, draft, "api", touchpoint_store::now_ms())
                .expect("valid")
        }))
        .collect();
    store.submit_responses(&survey, responses).await;
    (org_id, survey)
}

/// Theme rollup totals recomputed from the stored analyses and theme rows.
async fn expected_totals(store: &Store, org_id: OrgId) -> HashMap<(String, String), i64> {
    let page = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &ResponseQuery {
                commented: true,
                ..Default::default()
            },
            &Cursor::start(),
            500,
        )
        .await
        .expect("list");
    let mut totals = HashMap::new();
    for response in &page.items {
        let analysis = response.analysis.as_ref().expect("analysed");
        let sentiment = analysis["sentiment"]["label"]
            .as_str()
            .expect("label")
            .to_owned();
        *totals.entry((String::new(), sentiment)).or_insert(0) += 1;
        let mut seen = std::collections::BTreeSet::new();
        for theme in analysis["themes"].as_array().expect("themes") {
            let id = theme["id"].as_str().expect("id").to_owned();
            if seen.insert(id.clone()) {
                *totals
                    .entry((
                        id,
                        theme["sentiment"].as_str().expect("sentiment").to_owned(),
                    ))
                    .or_insert(0) += 1;
            }
        }
    }
    totals
}

async fn comments_are_analysed_and_reanalysed(backend: TestBackend) {
    let Some(db) = TestDatabase::fresh(backend).await else {
        return;
    };
    let store = db.open().await;
    let (org_id, survey) = setup(&store).await;
    // One analysis job per write batch; the writer may take the responses in one or more batches.
    let queued = store.count_jobs(JobState::Queued).await.expect("count");
    assert!(
        (1..=6).contains(&queued),
        "{queued} analysis jobs for 6 comments"
    );

    let builtin = Arc::new(TextEngine::builtin().expect("engine"));
    let worker = Worker::new(store.clone(), builtin.clone());
    worker.drain().await.expect("drain");
    let all = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &ResponseQuery::default(),
            &Cursor::start(),
            100,
        )
        .await
        .expect("list");
    assert_eq!(all.items.len(), 7);
    assert_eq!(
        all.items.iter().filter(|r| r.analysis.is_some()).count(),
        6,
        "only responses with text are analysed"
    );

    let negative = ResponseQuery {
        sentiment: Some("negative".into()),
        ..Default::default()
    };
    let negative = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &negative,
            &Cursor::start(),
            100,
        )
        .await
        .expect("list");
    assert!(negative.items.len() >= 3, "the complaints are negative");
    let billing = ResponseQuery {
        theme: Some("billing".into()),
        ..Default::default()
    };
    let billing = store
        .list_responses(
            org_id,
            &touchpoint_domain::DepartmentScope::All,
            &billing,
            &Cursor::start(),
            100,
        )
        .await
        .expect("list");
    assert_eq!(
        billing.items.len(),
        3,
        "three comments are about the invoice"
    );

    assert_eq!(
        store.theme_rollup_totals(survey.id).await.expect("totals"),
        expected_totals(&store, org_id).await
    );
    let day = touchpoint_domain::period::day_of_ms(touchpoint_store::now_ms());
    let filter = TextFilter {
        theme: Some("billing".into()),
        sentiment: None,
    };
    let rows = store
        .rollup_rows(
            org_id,
            survey.id,
            &touchpoint_store::RollupQuery {
                question_id: "nps",
                from_day: day - 1,
                to_day: day + 1,
                group_by: None,
                filter: &filter,
                period_starts: &[],
            },
        )
        .await
        .expect("rows");
    assert_eq!(
        rows.iter().map(|r| r.histogram.n()).sum::<u64>(),
        3,
        "NPS filtered by theme counts the billing comments"
    );

    // The fingerprint is recorded once everything is analysed with this engine.
    builtin.check_fingerprint(&store).await.expect("check");
    assert!(
        store.latest_text_run().await.expect("run").is_none(),
        "nothing to re-analyse"
    );

    // An edited taxonomy without the billing theme re-analyses the stored comments.
    let dir = temp_dir("taxonomy");
    let taxonomy = dir.join("taxonomy.toml");
    std::fs::write(
        &taxonomy,
        "version = 1\n[[theme]]\nid = \"waiting\"\nlabel = { de = \"Wartezeit\", en = \"Waiting\" }\n\
         de = [\"warteschleife*\", \"antwort\"]\nen = [\"hotline\"]\n",
    )
    .expect("write taxonomy");
    let edited = Arc::new(TextEngine::load(None, Some(&taxonomy)).expect("edited engine"));
    assert_ne!(edited.fingerprint(), builtin.fingerprint());
    edited.check_fingerprint(&store).await.expect("check");
    let run = store
        .latest_text_run()
        .await
        .expect("run")
        .expect("a run started");
    assert_eq!((run.total, run.done, run.finished_at), (6, 0, None));
    Worker::new(store.clone(), edited.clone())
        .drain()
        .await
        .expect("drain");
    let run = store.latest_text_run().await.expect("run").expect("run");
    assert_eq!(run.done, 6);
    assert!(
        run.finished_at.is_some(),
        "the run is closed with visible progress"
    );

    let totals = store.theme_rollup_totals(survey.id).await.expect("totals");
    assert_eq!(
        totals,
        expected_totals(&store, org_id).await,
        "rollups moved with the re-analysis"
    );
    assert!(
        totals.keys().all(|(theme, _)| theme != "billing"),
        "the removed theme is gone: {totals:?}"
    );
    assert!(
        totals.keys().any(|(theme, _)| theme == "waiting"),
        "the new theme is counted: {totals:?}"
    );
    edited.check_fingerprint(&store).await.expect("check");
    assert_eq!(
        store.count_jobs(JobState::Queued).await.expect("count"),
        0,
        "no second run once up to date"
    );
    let _ = std::fs::remove_dir_all(dir);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_comments_are_analysed_and_reanalysed() {
    comments_are_analysed_and_reanalysed(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_comments_are_analysed_and_reanalysed() {
    comments_are_analysed_and_reanalysed(TestBackend::Postgres).await;
}
