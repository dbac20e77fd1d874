//! API integration tests: the real server on a random port, over real HTTP, on SQLite and
//! PostgreSQL. Every rejected request is also checked to have stored nothing.

#[macro_use]
mod running;

use reqwest::StatusCode;
use serde_json::{Value, json};
use touchpoint_store::AuditContext;
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{Cursor, Store};

struct TestApp {
    base: String,
    token: String,
    client: reqwest::Client,
    store: Store,
    _db: TestDatabase,
}

impl TestApp {
    async fn start(backend: TestBackend) -> Option<TestApp> {
        let running = running::start(backend, false).await?;
        Some(TestApp {
            base: running.base,
            token: running.token,
            client: reqwest::Client::new(),
            store: running.store,
            _db: running.db,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.send_as(&self.token, method, path, body).await
    }

    /// The same request with another token.
    /// A token that must no longer work: 401 on a read and on a write.
    async fn assert_refused(&self, token: &str) {
        let (status, problem) = self
            .send_as(token, reqwest::Method::GET, "/surveys", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
        let (status, _) = self
            .send_as(
                token,
                reqwest::Method::POST,
                "/surveys",
                Some(example_survey()),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn send_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        running::reply(request).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn create_survey(&self, body: Value) -> String {
        let (status, survey) = self.post("/surveys", body).await;
        assert_eq!(status, StatusCode::CREATED, "{survey}");
        survey["id"].as_str().expect("id").to_owned()
    }

    /// Whom the test's own token acts for.
    async fn principal(&self) -> touchpoint_store::accounts::Principal {
        self.store
            .principal_for_token(
                &touchpoint_server::auth::sha256_hex(&self.token),
                touchpoint_store::now_ms(),
            )
            .await
            .expect("query")
            .expect("token")
            .principal
    }

    /// A new token made with the test's full token; returns the secret and the metadata.
    async fn create_token(&self, body: Value) -> (String, Value) {
        let (status, created) = self.post("/tokens", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["token"].as_str().expect("secret").to_owned();
        (secret, created)
    }

    /// The organisation's tokens, straight from the store.
    async fn stored_tokens(&self) -> usize {
        let principal = self.principal().await;
        self.store
            .api_tokens(principal.org_id)
            .await
            .expect("tokens")
            .len()
    }

    /// Responses stored for the organisation, counted straight from the store.
    async fn stored_responses(&self) -> usize {
        let principal = self.principal().await;
        self.store
            .list_responses(
                principal.org_id,
                &touchpoint_domain::DepartmentScope::All,
                &touchpoint_store::ResponseQuery::default(),
                &Cursor::start(),
                500,
            )
            .await
            .expect("list")
            .items
            .len()
    }
}

fn example_survey() -> Value {
    json!({"name":"Relationship NPS","languages":["de","en"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"de":"Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?","en":"How likely are you to recommend us?"}},
        {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]})
}

fn every_type_survey() -> Value {
    json!({"name":"All types","languages":["en"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"en":"Recommend?"}},
        {"id":"csat","type":"csat","text":{"en":"Satisfied?"}},
        {"id":"ces","type":"ces","text":{"en":"Easy?"}},
        {"id":"stars","type":"rating","min":1,"max":5,"text":{"en":"Stars"}},
        {"id":"reason","type":"single_choice","text":{"en":"Why?"},"options":[{"id":"price","text":{"en":"Price"}},{"id":"service","text":{"en":"Service"}}]},
        {"id":"tags","type":"multi_choice","text":{"en":"Tags"},"options":[{"id":"a","text":{"en":"A"}},{"id":"b","text":{"en":"B"}}]},
        {"id":"why","type":"text","text":{"en":"Comment"}}]})
}

on_both_backends!(
    surveys_are_created_listed_updated_and_closed,
    auth_is_required,
    malformed_and_unknown_input_is_rejected_without_writes,
    responses_are_idempotent,
    every_bad_answer_gets_its_own_error_and_nothing_is_stored,
    oversized_bodies_get_413,
    unknown_and_closed_surveys,
    text_round_trips_exactly,
    anonymous_surveys_store_nothing_identifying,
    journey_map_matches_hand_computed_values,
    customers_are_exported_and_erased_with_metrics_corrected,
    touchpoint_keys_name_touchpoints_in_events,
    responses_page_through_the_api,
    csv_export_streams_every_response,
    metrics_match_hand_computed_values,
    touchpoints_crud,
    health_and_readiness,
    read_only_tokens_read_but_never_write,
    tokens_are_limited_to_their_resources,
    revoked_tokens_fail_at_once,
    expired_tokens_fail,
    token_list_shows_metadata_but_never_the_secret,
    bad_token_requests_get_422_per_field_and_create_nothing,
    survey_changes_are_audited_with_actor_and_before_after,
    audit_filters_pages_and_csv,
    audit_needs_a_token_with_the_audit_resource,
);

fn assert_forbidden(status: StatusCode, problem: &Value) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["type"], "/problems/forbidden", "{problem}");
    assert_eq!(problem["status"], 403);
}

async fn surveys_are_created_listed_updated_and_closed(app: TestApp) {
    let (status, survey) = app.post("/surveys", example_survey()).await;
    assert_eq!(status, StatusCode::CREATED, "{survey}");
    let id = survey["id"].as_str().expect("id");
    let public_url = survey["public_url"].as_str().expect("url");
    assert!(
        public_url.starts_with(&format!("{}/s/", app.base)),
        "{public_url}"
    );
    assert_eq!(survey["status"], "open");
    assert_eq!(survey["questions"][0]["type"], "nps");

    let (status, list) = app.get("/surveys").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().expect("items").len(), 1);

    let mut edited = example_survey();
    edited["name"] = json!("Beziehungs-NPS");
    let (status, updated) = app
        .send(
            reqwest::Method::PUT,
            &format!("/surveys/{id}"),
            Some(edited),
        )
        .await;
    assert_eq!(
        (status, updated["name"].as_str()),
        (StatusCode::OK, Some("Beziehungs-NPS"))
    );

    app.post(
        &format!("/surveys/{id}/responses"),
        json!({"answers":{"nps":9}}),
    )
    .await;
    let mut retyped = example_survey();
    retyped["questions"][0]["type"] = json!("csat");
    let (status, problem) = app
        .send(
            reqwest::Method::PUT,
            &format!("/surveys/{id}"),
            Some(retyped),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a question with answers keeps its type: {problem}"
    );
    let (_, unchanged) = app.get(&format!("/surveys/{id}")).await;
    assert_eq!(unchanged["questions"][0]["type"], "nps");

    let (status, closed) = app.post(&format!("/surveys/{id}/close"), json!({})).await;
    assert_eq!(
        (status, closed["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
}

async fn auth_is_required(app: TestApp) {
    let response = app
        .client
        .get(app.url("/surveys"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let response = app
        .client
        .get(app.url("/surveys"))
        .bearer_auth("tp_wrong")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .client
        .post(app.url("/surveys"))
        .bearer_auth("tp_wrong")
        .json(&example_survey())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (_, list) = app.get("/surveys").await;
    assert!(
        list["items"].as_array().expect("items").is_empty(),
        "nothing was created"
    );
}

async fn malformed_and_unknown_input_is_rejected_without_writes(app: TestApp) {
    let response = app
        .client
        .post(app.url("/surveys"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem: Value = response.json().await.expect("problem");
    assert_eq!(
        (problem["status"].as_u64(), problem["type"].as_str()),
        (Some(400), Some("/problems/bad-request"))
    );

    let mut unknown = example_survey();
    unknown["questions"][0]["colour"] = json!("red");
    let (status, problem) = app.post("/surveys", unknown).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "questions[0].colour");

    let (status, problem) = app
        .post(
            "/surveys",
            json!({"name":"x","questions":[{"id":"q","type":"slider","text":{"de":"a","en":"b"}}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "questions[0].type");

    let (status, problem) = app.post("/surveys", json!({"name":"x","touchpoint_id":"00000000-0000-7000-8000-000000000000","questions":[{"id":"q","type":"nps","text":{"de":"a","en":"b"}}]})).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("touchpoint_id"))
    );

    let (_, list) = app.get("/surveys").await;
    assert!(
        list["items"].as_array().expect("items").is_empty(),
        "nothing was created"
    );
}

async fn responses_are_idempotent(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    let body = json!({"answers":{"nps":9,"why":"Schnelle Hilfe"},"language":"de","channel":"api","touchpoint_id":null,"external_id":"crm-42"});
    let (status, first) = app
        .post(&format!("/surveys/{id}/responses"), body.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = app.post(&format!("/surveys/{id}/responses"), body).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &first["id"]));
    let changed =
        json!({"answers":{"nps":2,"why":"Schnelle Hilfe"},"language":"de","external_id":"crm-42"});
    let (status, problem) = app.post(&format!("/surveys/{id}/responses"), changed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(app.stored_responses().await, 1);
}

async fn every_bad_answer_gets_its_own_error_and_nothing_is_stored(app: TestApp) {
    let id = app.create_survey(every_type_survey()).await;
    let path = format!("/surveys/{id}/responses");
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"answers":{"nps":11}}), vec!["answers.nps"]),
        (json!({"answers":{"nps":5,"csat":0}}), vec!["answers.csat"]),
        (json!({"answers":{"nps":5,"ces":8}}), vec!["answers.ces"]),
        (
            json!({"answers":{"nps":5,"stars":6}}),
            vec!["answers.stars"],
        ),
        (json!({"answers":{"nps":7.5}}), vec!["answers.nps"]),
        (json!({"answers":{"nps":"7"}}), vec!["answers.nps"]),
        (
            json!({"answers":{"nps":5,"reason":"weather"}}),
            vec!["answers.reason"],
        ),
        (
            json!({"answers":{"nps":5,"tags":["a","z"]}}),
            vec!["answers.tags"],
        ),
        (
            json!({"answers":{"nps":5,"ghost":1}}),
            vec!["answers.ghost"],
        ),
        (json!({"answers":{"why":"no score"}}), vec!["answers.nps"]),
        (
            json!({"answers":{"nps":5,"why":"x".repeat(10_001)}}),
            vec!["answers.why"],
        ),
        (
            json!({"answers":{"nps":5},"submitted_at":"2999-01-01T00:00:00Z"}),
            vec!["submitted_at"],
        ),
        (
            json!({"answers":{"nps":5},"language":"fr"}),
            vec!["language"],
        ),
        (
            json!({"answers":{"nps":11,"csat":0,"ces":8,"stars":0},"submitted_at":"2999-01-01T00:00:00Z"}),
            vec![
                "answers.nps",
                "answers.csat",
                "answers.ces",
                "answers.stars",
                "submitted_at",
            ],
        ),
    ];
    for (body, fields) in cases {
        let (status, problem) = app.post(&path, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {problem}"
        );
        let got: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    let (status, _) = app
        .post(&path, json!({"answers":{"nps":5},"mood":"happy"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown top-level field"
    );
    assert_eq!(
        app.stored_responses().await,
        0,
        "no rejected response was stored"
    );
    let (status, _) = app.post(&path, json!({"answers":{"nps":10,"csat":5,"ces":7,"stars":5,"reason":"price","tags":["a","b"],"why":"ok"}})).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn oversized_bodies_get_413(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    let big = json!({"answers":{"nps":5,"why":"x".repeat(300 * 1024)}});
    let (status, problem) = app.post(&format!("/surveys/{id}/responses"), big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(app.stored_responses().await, 0);
}

async fn unknown_and_closed_surveys(app: TestApp) {
    let (status, _) = app
        .post(
            "/surveys/01a20000-0000-7000-8000-000000000000/responses",
            json!({"answers":{"nps":1}}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/surveys/not-a-uuid").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let id = app.create_survey(example_survey()).await;
    app.post(&format!("/surveys/{id}/close"), json!({})).await;
    let (status, problem) = app
        .post(
            &format!("/surveys/{id}/responses"),
            json!({"answers":{"nps":1}}),
        )
        .await;
    assert_eq!(status, StatusCode::GONE, "{problem}");
    assert_eq!(app.stored_responses().await, 0);
}

async fn text_round_trips_exactly(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    let text =
        "Üble Wartezeit 😡🙈 — שלום — مرحبا بكم — \u{202E}rtl\u{202C} <b>bold</b> & \"quotes\"";
    let (_, created) = app
        .post(
            &format!("/surveys/{id}/responses"),
            json!({"answers":{"nps":3,"why":text}}),
        )
        .await;
    let (status, stored) = app
        .get(&format!(
            "/responses/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["answers"]["why"], json!(text));
}

async fn anonymous_surveys_store_nothing_identifying(app: TestApp) {
    let mut body = example_survey();
    body["anonymous"] = json!(true);
    let id = app.create_survey(body.clone()).await;
    let (_, survey) = app.get(&format!("/surveys/{id}")).await;
    assert_eq!(survey["anonymous"], json!(true));
    let path = format!("/surveys/{id}/responses");
    let (status, problem) = app
        .post(
            &path,
            json!({"answers":{"nps":3},"external_id":"ticket-4711"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "external_id");
    assert_eq!(app.stored_responses().await, 0, "nothing stored");

    let (status, created) = app
        .post(
            &path,
            json!({"answers":{"nps":3,"why":"Ruft mich an: +49 171 2345678, max@example.com"},
                   "submitted_at":"2026-03-04T17:45:12Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let response_id = created["id"].as_str().expect("id");
    let uuid: uuid::Uuid = response_id.parse().expect("uuid");
    assert_eq!(
        uuid.get_version_num(),
        4,
        "a random id, not a timestamped UUIDv7"
    );
    let (_, stored) = app.get(&format!("/responses/{response_id}")).await;
    assert_eq!(stored["answers"]["why"], "Ruft mich an: [number], [email]");
    assert_eq!(stored["submitted_at"], "2026-03-04T00:00:00.000Z");
    assert!(
        stored["received_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("T00:00:00.000Z")),
        "{stored}"
    );

    body["anonymous"] = json!(false);
    let (status, problem) = app
        .send(reqwest::Method::PUT, &format!("/surveys/{id}"), Some(body))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "anonymous");
    let (_, survey) = app.get(&format!("/surveys/{id}")).await;
    assert_eq!(survey["anonymous"], json!(true), "unchanged");
}

async fn journey_map_matches_hand_computed_values(app: TestApp) {
    let mut touchpoints = Vec::new();
    for name in ["Hotline", "Shop", "Letter"] {
        let (status, created) = app
            .post("/touchpoints", json!({"name": name, "channel": "phone"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        touchpoints.push(created["id"].as_str().expect("id").to_owned());
    }
    let survey = app.create_survey(example_survey()).await;
    // Hotline: 2 promoters, 6 passives, 12 detractors (NPS −50, n 20); shop: 48, 24, 8
    // (NPS +50, n 80); the letter has no answers.
    for (touchpoint, counts) in [
        (&touchpoints[0], [2, 6, 12]),
        (&touchpoints[1], [48, 24, 8]),
    ] {
        for (score, count) in [10, 8, 0].into_iter().zip(counts) {
            for _ in 0..count {
                let (status, body) = app
                    .post(
                        &format!("/surveys/{survey}/responses"),
                        json!({"answers": {"nps": score}, "touchpoint_id": touchpoint,
                               "submitted_at": "2026-05-12T10:00:00Z"}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
            }
        }
    }
    let (_, journey) = app
        .post(
            "/journeys",
            json!({"name": "Telco", "stages": ["Support", "Purchase"]}),
        )
        .await;
    let id = journey["id"].as_str().expect("id");
    let (support, purchase) = (&journey["stages"][0]["id"], &journey["stages"][1]["id"]);
    let (status, laid) = app
        .send(
            reqwest::Method::PUT,
            &format!("/journeys/{id}/layout"),
            Some(json!({"stages": [
                {"id": support, "touchpoint_ids": [touchpoints[0], touchpoints[2]]},
                {"id": purchase, "touchpoint_ids": [touchpoints[1]]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{laid}");
    let (status, map) = app
        .get(&format!("/journeys/{id}/map?from=2026-05-01&to=2026-05-31"))
        .await;
    assert_eq!(status, StatusCode::OK, "{map}");
    assert_eq!(map["overall"]["value"], json!(30.0));
    assert_eq!(map["overall"]["n"], json!(100));
    let hotline = &map["stages"][0]["touchpoints"][0];
    assert_eq!(hotline["value"], json!(-50.0));
    assert_eq!(hotline["n"], json!(20));
    // Friction: share 0.2 × gap to the rest (50 − (−50) = 100) = 20 points. The gap's SE is
    // 100·sqrt(0.45/20 + 0.45/80) = 16.77, so its interval is 100 ± 32.87 and the impact's
    // 0.2 × that: [13.4, 26.6].
    assert_eq!(hotline["friction"]["rank"], json!(1));
    assert_eq!(hotline["friction"]["impact"], json!(20.0));
    assert_eq!(hotline["friction"]["share"], json!(0.2));
    assert_eq!(hotline["friction"]["ci95"], json!([13.4, 26.6]));
    assert_eq!(hotline["friction"]["significant"], json!(true));
    let letter = &map["stages"][0]["touchpoints"][1];
    assert_eq!(
        (letter["n"].clone(), letter["value"].clone()),
        (json!(0), Value::Null)
    );
    assert_eq!(letter["friction"], Value::Null);
    assert_eq!(
        map["stages"][1]["touchpoints"][0]["friction"]["impact"],
        json!(-80.0)
    );
    assert_eq!(map["friction"][0]["touchpoint_id"], json!(touchpoints[0]));

    // CSAT has no answers here: an empty map, not an error.
    let (status, csat) = app
        .get(&format!(
            "/journeys/{id}/map?metric=csat&from=2026-05-01&to=2026-05-31"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csat["overall"]["n"], json!(0));
    assert_eq!(csat["friction"], json!([]));
}

async fn customers_are_exported_and_erased_with_metrics_corrected(app: TestApp) {
    let survey = app.create_survey(example_survey()).await;
    for (who, nps, why) in [
        ("crm-1", 0, "Ruf mich an: erika@example.org"),
        ("crm-1", 10, "top"),
        ("crm-2", 9, "gut"),
    ] {
        let (status, body) = app
            .post(
                &format!("/surveys/{survey}/responses"),
                json!({"answers": {"nps": nps, "why": why}, "customer_external_id": who,
                       "submitted_at": "2026-05-12T10:00:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let metrics = format!("/metrics?survey_id={survey}&from=2026-05-01&to=2026-05-31");
    let (_, before) = app.get(&metrics).await;
    assert_eq!(
        (before["n"].clone(), before["value"].clone()),
        (json!(3), json!(33.3))
    );
    let (_, customers) = app.get("/customers?q=").await;
    let id = customers["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["external_id"] == "crm-1"))
        .and_then(|c| c["id"].as_str())
        .expect("crm-1 was created on the fly")
        .to_owned();
    let (status, export) = app.get(&format!("/customers/{id}/export")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["responses"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        export["responses"][0]["answers"]["why"],
        "Ruf mich an: erika@example.org"
    );
    let (status, erased) = app
        .send(reqwest::Method::DELETE, &format!("/customers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased["responses_deleted"], json!(2));
    let (_, after) = app.get(&metrics).await;
    assert_eq!(
        (after["n"].clone(), after["value"].clone()),
        (json!(1), json!(100.0)),
        "aggregates corrected"
    );
    let (status, _) = app.get(&format!("/customers/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn touchpoint_keys_name_touchpoints_in_events(app: TestApp) {
    let (status, hotline) = app
        .post(
            "/touchpoints",
            json!({"name": "Hotline", "channel": "phone", "key": "hotline", "moment_of_truth": true,
                   "description": "Solve it in the first call"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hotline}");
    assert_eq!(
        (hotline["key"].clone(), hotline["moment_of_truth"].clone()),
        (json!("hotline"), json!(true))
    );
    let (status, _) = app
        .post(
            "/touchpoints",
            json!({"name": "Other", "channel": "phone", "key": "hotline"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "keys are unique");
    let (status, problem) = app
        .post(
            "/touchpoints",
            json!({"name": "Odd", "channel": "phone", "key": "Hot Line", "description": "x".repeat(2001)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(2),
        "{problem}"
    );
    let (status, sent) = app
        .post(
            "/events",
            json!({"events": [{"external_id": "e-1", "customer_external_id": "C-1", "touchpoint": "hotline",
                "channel": "phone", "type": "call.completed", "occurred_at": "2026-05-12T10:00:00Z"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sent["created"], json!(1), "{sent}");
    // Events of the wrong shape are refused one by one, next to a valid one that is stored.
    let (status, sent) = app
        .post(
            "/events",
            json!({"events": [
                {"external_id": "e-2", "customer_external_id": "C-1", "touchpoint": "hotline",
                 "channel": "phone", "type": "call.completed", "occurred_at": 1_778_580_000},
                {"external_id": "e-3", "customer_external_id": "C-1", "touchpoint": "hotline",
                 "channel": "phone", "type": "call.completed", "occurred_at": "2026-05-12T11:00:00Z"},
                {"external_id": "e-4", "customer_external_id": "C-1", "touchpoint": "hotline",
                 "channel": "phone", "type": "call.completed", "occurred_at": "2026-05-12T11:00:00Z",
                 "severity": "high"},
                "not an event"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let statuses: Vec<(&str, usize)> = sent["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap_or(""),
                r["errors"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("rejected", 1),
            ("created", 0),
            ("rejected", 1),
            ("rejected", 1)
        ],
        "{sent}"
    );
    assert_eq!(
        (sent["created"].clone(), sent["rejected"].clone()),
        (json!(1), json!(3))
    );
    let (status, problem) = app.post("/events", json!({"events": [], "extra": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (_, journey) = app
        .post(
            "/journeys",
            json!({"name": "Support", "stages": ["Contact"]}),
        )
        .await;
    let id = journey["id"].as_str().expect("id");
    app.send(
        reqwest::Method::PUT,
        &format!("/journeys/{id}/layout"),
        Some(json!({"stages": [{"id": journey["stages"][0]["id"], "touchpoint_ids": [hotline["id"]]}]})),
    )
    .await;
    let (_, map) = app
        .get(&format!("/journeys/{id}/map?from=2026-05-01&to=2026-05-31"))
        .await;
    let card = &map["stages"][0]["touchpoints"][0];
    assert_eq!(
        (card["moment_of_truth"].clone(), card["events"].clone()),
        (json!(true), json!(2)),
        "{map}"
    );
}

async fn responses_page_through_the_api(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    for n in 0..7 {
        let at = format!("2026-02-0{}T10:00:00Z", n + 1);
        app.post(
            &format!("/surveys/{id}/responses"),
            json!({"answers":{"nps":n},"submitted_at":at}),
        )
        .await;
    }
    let mut scores = Vec::new();
    let mut path = format!("/responses?survey_id={id}&limit=3");
    loop {
        let (status, page) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        scores.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|r| r["answers"]["nps"].as_i64().expect("nps")),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/responses?survey_id={id}&limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(scores, vec![6, 5, 4, 3, 2, 1, 0]);
    let (status, _) = app.get("/responses?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.get("/responses?cursor=garbage").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn csv_export_streams_every_response(app: TestApp) {
    let id = app.create_survey(every_type_survey()).await;
    let responses: Vec<Value> = (0..2_500)
        .map(|i| json!({"answers":{"nps": i % 11, "tags":["a","b"], "why": if i == 0 {"=HYPERLINK(\"x\")"} else {"fine, thanks"}}}))
        .collect();
    for body in responses {
        let (status, _) = app.post(&format!("/surveys/{id}/responses"), body).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let response = app
        .client
        .get(app.url(&format!("/surveys/{id}/responses.csv")))
        .bearer_auth(&app.token)
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let body = response.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(&headers[0], "response_id");
    assert!(headers.iter().any(|h| h == "tags"));
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), 2_500);
    let why = headers.iter().position(|h| h == "why").expect("why column");
    let tags = headers
        .iter()
        .position(|h| h == "tags")
        .expect("tags column");
    assert!(
        records.iter().any(|r| &r[why] == "'=HYPERLINK(\"x\")"),
        "formula neutralised"
    );
    assert!(records.iter().all(|r| &r[tags] == "a;b"));
}

async fn metrics_match_hand_computed_values(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    // 200 answers in March 2026: 100 promoters (50 %), 60 passives, 40 detractors (20 %).
    // NPS = 30.0; CI = 30 ± 1.96·100·sqrt((0.5 + 0.2 − 0.3²)/200) = 30 ± 10.8 → [19.2, 40.8].
    let mut bodies = Vec::new();
    for i in 0..200 {
        let score = if i < 100 {
            9 + i % 2
        } else if i < 160 {
            7 + i % 2
        } else {
            i % 7
        };
        let channel = if i % 2 == 0 { "web" } else { "email" };
        let day = 1 + i % 28;
        bodies.push(json!({"answers":{"nps":score},"channel":channel,"submitted_at":format!("2026-03-{day:02}T12:00:00Z")}));
    }
    // One answer in February, outside the requested range.
    bodies.push(json!({"answers":{"nps":0},"submitted_at":"2026-02-27T12:00:00Z"}));
    let path = format!("/surveys/{id}/responses");
    let results =
        futures_util::future::join_all(bodies.into_iter().map(|b| app.post(&path, b))).await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::CREATED));

    let (status, report) = app
        .get(&format!("/metrics?survey_id={id}&metric=nps&from=2026-03-01&to=2026-03-31&interval=week&group_by=channel"))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["value"], json!(30.0));
    assert_eq!(report["n"], json!(200));
    assert_eq!(report["ci95"], json!([19.2, 40.8]));
    assert_eq!(report["small_sample"], json!(false));
    assert_eq!(
        report["breakdown"],
        json!({"promoters":100,"passives":60,"detractors":40})
    );
    let series = report["series"].as_array().expect("series");
    assert_eq!(
        series
            .iter()
            .map(|p| p["n"].as_u64().expect("n"))
            .sum::<u64>(),
        200
    );
    assert_eq!(
        series[0]["period"], "2026-W09",
        "the week of 1 March 2026 starts on Monday 23 February"
    );
    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    assert_eq!(
        groups
            .iter()
            .map(|g| g["n"].as_u64().expect("n"))
            .sum::<u64>(),
        200
    );

    let (status, monthly) = app
        .get(&format!(
            "/metrics?survey_id={id}&from=2026-02-01&to=2026-03-31"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(monthly["series"][0]["n"], json!(1));
    assert_eq!(monthly["series"][0]["small_sample"], json!(true));
    assert_eq!(monthly["change"]["from_period"], "2026-02");

    for (query, field) in [
        ("metric=csat", "metric"),
        ("interval=year", "interval"),
        ("group_by=weather", "group_by"),
        ("question_id=why", "question_id"),
        ("from=2026-04-01&to=2026-03-01", "from"),
        ("from=yesterday", "from"),
    ] {
        let (status, problem) = app.get(&format!("/metrics?survey_id={id}&{query}")).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
    let (status, _) = app.get("/metrics").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn touchpoints_crud(app: TestApp) {
    let (status, created) = app
        .post("/touchpoints", json!({"name":"Hotline","channel":"phone"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id");
    let (status, _) = app
        .post("/touchpoints", json!({"name":"Hotline","channel":"phone"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, problem) = app
        .post("/touchpoints", json!({"name":"","channel":"Tele fon"}))
        .await;
    assert_eq!(
        (status, problem["errors"].as_array().map(Vec::len)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some(2))
    );
    let (status, updated) = app
        .send(
            reqwest::Method::PUT,
            &format!("/touchpoints/{id}"),
            Some(json!({"name":"Service-Hotline","channel":"phone"})),
        )
        .await;
    assert_eq!(
        (status, updated["name"].as_str()),
        (StatusCode::OK, Some("Service-Hotline"))
    );
    let (status, list) = app.get("/touchpoints").await;
    assert_eq!(
        (status, list["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let mut survey = example_survey();
    survey["touchpoint_id"] = json!(id);
    let survey_id = app.create_survey(survey).await;
    let (_, response) = app
        .post(
            &format!("/surveys/{survey_id}/responses"),
            json!({"answers":{"nps":10}}),
        )
        .await;
    let (_, stored) = app
        .get(&format!(
            "/responses/{}",
            response["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(
        stored["touchpoint_id"],
        json!(id),
        "responses inherit the survey's touchpoint"
    );
}

async fn health_and_readiness(app: TestApp) {
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), StatusCode::OK);
    let ready: Value = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["status"], "ready");
    let headers = health.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

async fn read_only_tokens_read_but_never_write(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    let (reader, created) = app
        .create_token(json!({"name": "dashboard", "scope": "read_only", "resources": ["*"]}))
        .await;
    assert_eq!(created["scope"], "read_only");
    assert_eq!(created["resources"], json!(["*"]));
    assert!(reader.starts_with("tp_"), "{reader}");

    let (status, list) = app
        .send_as(&reader, reqwest::Method::GET, "/surveys", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let (status, _) = app
        .send_as(
            &reader,
            reqwest::Method::GET,
            &format!("/surveys/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Every kind of write is refused before the body is even read, and nothing changes.
    let (status, problem) = app
        .send_as(
            &reader,
            reqwest::Method::POST,
            "/surveys",
            Some(example_survey()),
        )
        .await;
    assert_forbidden(status, &problem);
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("read-only"),
        "{problem}"
    );
    let (status, problem) = app
        .send_as(
            &reader,
            reqwest::Method::POST,
            "/surveys",
            Some(json!({"bogus": 1})),
        )
        .await;
    assert_forbidden(status, &problem);
    let mut edited = example_survey();
    edited["name"] = json!("Changed");
    let (status, problem) = app
        .send_as(
            &reader,
            reqwest::Method::PUT,
            &format!("/surveys/{id}"),
            Some(edited),
        )
        .await;
    assert_forbidden(status, &problem);
    let (status, problem) = app
        .send_as(
            &reader,
            reqwest::Method::POST,
            &format!("/surveys/{id}/close"),
            Some(json!({})),
        )
        .await;
    assert_forbidden(status, &problem);
    let (status, problem) = app
        .send_as(
            &reader,
            reqwest::Method::POST,
            &format!("/surveys/{id}/responses"),
            Some(json!({"answers": {"nps": 9}})),
        )
        .await;
    assert_forbidden(status, &problem);
    let (status, problem) = app
        .send_as(
            &reader,
            reqwest::Method::POST,
            "/touchpoints",
            Some(json!({"name": "Hotline", "channel": "phone"})),
        )
        .await;
    assert_forbidden(status, &problem);
    // A read-only token cannot mint or revoke tokens either.
    let (status, problem) = app
        .send_as(
            &reader,
            reqwest::Method::POST,
            "/tokens",
            Some(json!({"name": "escalate", "scope": "read_write", "resources": ["*"]})),
        )
        .await;
    assert_forbidden(status, &problem);

    let (_, list) = app.get("/surveys").await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["name"], "Relationship NPS");
    assert_eq!(items[0]["status"], "open");
    assert_eq!(app.stored_responses().await, 0);
    let (_, touchpoints) = app.get("/touchpoints").await;
    assert_eq!(touchpoints["items"], json!([]));
    assert_eq!(app.stored_tokens().await, 2);
}

async fn tokens_are_limited_to_their_resources(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    let (metrics_only, _) = app
        .create_token(json!({"name": "bi", "scope": "read_write", "resources": ["metrics"]}))
        .await;
    let (status, problem) = app
        .send_as(&metrics_only, reqwest::Method::GET, "/surveys", None)
        .await;
    assert_forbidden(status, &problem);
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("surveys"),
        "{problem}"
    );
    for path in [
        format!("/surveys/{id}"),
        "/responses".to_owned(),
        format!("/surveys/{id}/responses.csv"),
        "/touchpoints".to_owned(),
        "/text/themes".to_owned(),
        "/tokens".to_owned(),
    ] {
        let (status, problem) = app
            .send_as(&metrics_only, reqwest::Method::GET, &path, None)
            .await;
        assert_forbidden(status, &problem);
    }
    let (status, body) = app
        .send_as(
            &metrics_only,
            reqwest::Method::GET,
            &format!("/metrics?survey_id={id}&from=2026-02-01&to=2026-03-31"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Read-write, but not for every resource: may not manage tokens.
    let (status, problem) = app
        .send_as(
            &metrics_only,
            reqwest::Method::POST,
            "/tokens",
            Some(json!({"name": "wider", "scope": "read_write", "resources": ["*"]})),
        )
        .await;
    assert_forbidden(status, &problem);
    assert_eq!(app.stored_tokens().await, 2);

    let (both, created) = app
        .create_token(json!({"name": "ops", "scope": "read_only", "resources": ["surveys", "responses", "surveys"]}))
        .await;
    assert_eq!(created["resources"], json!(["surveys", "responses"]));
    for path in ["/surveys", "/responses"] {
        let (status, body) = app.send_as(&both, reqwest::Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, problem) = app
        .send_as(&both, reqwest::Method::GET, "/touchpoints", None)
        .await;
    assert_forbidden(status, &problem);
}

async fn revoked_tokens_fail_at_once(app: TestApp) {
    let (secret, created) = app
        .create_token(json!({"name": "ci", "scope": "read_write", "resources": ["*"]}))
        .await;
    let id = created["id"].as_str().expect("id");
    // Used once, so it sits in the token cache when it is revoked.
    let (status, _) = app
        .send_as(&secret, reqwest::Method::GET, "/surveys", None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = app
        .send(reqwest::Method::DELETE, &format!("/tokens/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.assert_refused(&secret).await;
    let (_, list) = app.get("/surveys").await;
    assert_eq!(list["items"], json!([]));

    // Revoking again is fine and keeps the first time; unknown ids are 404.
    let (_, tokens) = app.get("/tokens").await;
    let revoked_at = tokens["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == id)
        .expect("listed")["revoked_at"]
        .clone();
    assert!(revoked_at.is_string(), "{tokens}");
    let (status, _) = app
        .send(reqwest::Method::DELETE, &format!("/tokens/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, tokens) = app.get("/tokens").await;
    let again = tokens["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == id)
        .expect("listed")["revoked_at"]
        .clone();
    assert_eq!(again, revoked_at);
    for unknown in ["0190f3a0-0000-7000-8000-000000000000", "nonsense"] {
        let (status, problem) = app
            .send(reqwest::Method::DELETE, &format!("/tokens/{unknown}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    }

    // A token can revoke itself; its next request is refused.
    let (own, created) = app
        .create_token(json!({"name": "leaked", "scope": "read_write", "resources": ["*"]}))
        .await;
    let own_id = created["id"].as_str().expect("id");
    let (status, _) = app
        .send_as(
            &own,
            reqwest::Method::DELETE,
            &format!("/tokens/{own_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .send_as(&own, reqwest::Method::GET, "/tokens", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn expired_tokens_fail(app: TestApp) {
    let principal = app.principal().await;
    let now = touchpoint_store::now_ms();
    let grant = touchpoint_domain::TokenGrant::full();

    let (soon, stored) = touchpoint_server::auth::new_api_token("short-lived");
    app.store
        .create_api_token(
            principal,
            &stored,
            &grant,
            Some(now + 600),
            &AuditContext::system(),
        )
        .await
        .expect("create");
    let (status, _) = app
        .send_as(&soon, reqwest::Method::GET, "/surveys", None)
        .await;
    assert_eq!(status, StatusCode::OK, "valid before its expiry");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    // Still in the few-second cache, yet refused: the expiry holds to the millisecond.
    app.assert_refused(&soon).await;

    let (stale, stored) = touchpoint_server::auth::new_api_token("already expired");
    app.store
        .create_api_token(
            principal,
            &stored,
            &grant,
            Some(now - 1),
            &AuditContext::system(),
        )
        .await
        .expect("create");
    let (status, _) = app
        .send_as(
            &stale,
            reqwest::Method::POST,
            "/surveys",
            Some(example_survey()),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, list) = app.get("/surveys").await;
    assert_eq!(list["items"], json!([]));
}

async fn token_list_shows_metadata_but_never_the_secret(app: TestApp) {
    let (secret, created) = app
        .create_token(json!({
            "name": "nightly export", "scope": "read_only", "resources": ["responses"],
            "expires_at": "2099-01-01T00:00:00Z"
        }))
        .await;
    assert_eq!(created["name"], "nightly export");
    assert_eq!(created["prefix"], json!(&secret[..10]));
    assert_eq!(created["expires_at"], "2099-01-01T00:00:00.000Z");
    assert_eq!(created["last_used_at"], Value::Null);
    assert_eq!(created["revoked_at"], Value::Null);
    assert_eq!(created["user"]["email"], "admin@example.com");

    let (status, list) = app.get("/tokens").await;
    assert_eq!(status, StatusCode::OK);
    let text = list.to_string();
    assert!(!text.contains(&secret), "the secret is shown once only");
    assert!(
        !text.contains(&touchpoint_server::auth::sha256_hex(&secret)),
        "never the hash"
    );
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let listed = items
        .iter()
        .find(|t| t["id"] == created["id"])
        .expect("listed");
    assert!(listed.get("token").is_none(), "{listed}");
    assert_eq!(listed["prefix"], json!(&secret[..10]));
    assert_eq!(listed["scope"], "read_only");
    assert_eq!(listed["resources"], json!(["responses"]));
    assert_eq!(listed["last_used_at"], Value::Null);

    let (status, _) = app
        .send_as(&secret, reqwest::Method::GET, "/responses", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = app.get("/tokens").await;
    let listed = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == created["id"])
        .expect("listed")
        .clone();
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(!list.to_string().contains(&secret));
}

async fn bad_token_requests_get_422_per_field_and_create_nothing(app: TestApp) {
    let cases = [
        (
            json!({"name": "x", "scope": "admin", "resources": ["*"]}),
            "scope",
        ),
        (
            json!({"name": "x", "scope": "read_only", "resources": ["cases"]}),
            "resources",
        ),
        (
            json!({"name": "x", "scope": "read_only", "resources": []}),
            "resources",
        ),
        (
            json!({"name": "x", "scope": "read_only", "resources": ["*", "surveys"]}),
            "resources",
        ),
        (
            json!({"name": "x", "scope": "read_only", "resources": ["*"], "expires_at": "2020-01-01T00:00:00Z"}),
            "expires_at",
        ),
        (
            json!({"name": "x", "scope": "read_only", "resources": ["*"], "expires_at": "tomorrow"}),
            "expires_at",
        ),
        (
            json!({"name": "   ", "scope": "read_only", "resources": ["*"]}),
            "name",
        ),
        (json!({"scope": "read_only", "resources": ["*"]}), "name"),
        (json!({"name": "x", "resources": ["*"]}), "scope"),
        (json!({"name": "x", "scope": "read_only"}), "resources"),
        (
            json!({"name": "x", "scope": "read_only", "resources": ["*"], "admin": true}),
            "admin",
        ),
        (
            json!({"name": "x", "scope": "read_only", "resources": "surveys"}),
            "resources",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = app.post("/tokens", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["type"], "/problems/validation");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert!(fields.contains(&field), "{body}: {problem}");
    }
    // Several mistakes at once are all reported.
    let (status, problem) = app
        .post(
            "/tokens",
            json!({"name": "", "scope": "root", "resources": ["everything"], "expires_at": "1999-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"].as_array().expect("errors").len(),
        4,
        "{problem}"
    );
    assert_eq!(app.stored_tokens().await, 1, "only the test's own token");
}

/// The id of the test's own token.
async fn own_token_id(app: &TestApp) -> String {
    app.store
        .principal_for_token(
            &touchpoint_server::auth::sha256_hex(&app.token),
            touchpoint_store::now_ms(),
        )
        .await
        .expect("query")
        .expect("token")
        .id
        .to_string()
}

async fn audit_items(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, page) = app.get(&format!("/audit{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().expect("items").clone()
}

async fn survey_changes_are_audited_with_actor_and_before_after(app: TestApp) {
    let token_id = own_token_id(&app).await;
    let user_id = app.principal().await.user_id.to_string();
    let id = app.create_survey(example_survey()).await;
    let mut edited = example_survey();
    edited["name"] = json!("Beziehungs-NPS");
    let (status, _) = app
        .send(
            reqwest::Method::PUT,
            &format!("/surveys/{id}"),
            Some(edited),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Refused changes leave no trace.
    let mut invalid = example_survey();
    invalid["questions"] = json!([]);
    let (status, _) = app
        .send(
            reqwest::Method::PUT,
            &format!("/surveys/{id}"),
            Some(invalid),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.post("/surveys", json!({"name": ""})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.post(&format!("/surveys/{id}/close"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    // Responses are data, not configuration: not audited.
    let (status, _) = app
        .post(
            &format!(
                "/surveys/{}/responses",
                app.create_survey(example_survey()).await
            ),
            json!({"answers": {"nps": 9}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let items = audit_items(&app, &format!("?target_id={id}")).await;
    let actions: Vec<&str> = items.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["survey.close", "survey.update", "survey.create"]);
    for entry in &items {
        assert_eq!(entry["interface"], "api", "{entry}");
        assert_eq!(entry["actor_token_id"], json!(token_id), "{entry}");
        assert_eq!(entry["actor_user_id"], json!(user_id), "{entry}");
        assert_eq!(entry["address"], "127.0.0.1", "{entry}");
        assert_eq!(entry["target_type"], "survey", "{entry}");
    }
    assert_eq!(items[2]["summary"]["before"], Value::Null);
    assert_eq!(items[2]["summary"]["after"]["name"], "Relationship NPS");
    assert_eq!(items[1]["summary"]["before"]["name"], "Relationship NPS");
    assert_eq!(items[1]["summary"]["after"]["name"], "Beziehungs-NPS");
    assert_eq!(items[0]["summary"]["before"]["status"], "open");
    assert_eq!(items[0]["summary"]["after"]["status"], "closed");
    let all = audit_items(&app, "").await;
    assert_eq!(
        all.len(),
        5,
        "initialisation, three changes and the second survey's creation"
    );
    assert!(
        all.iter()
            .all(|e| !e["action"].as_str().unwrap_or("").starts_with("response"))
    );
}

async fn audit_filters_pages_and_csv(app: TestApp) {
    let id = app.create_survey(example_survey()).await;
    let (status, touchpoint) = app
        .post(
            "/touchpoints",
            json!({"name": "=HYPERLINK(\"x\")", "channel": "web"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{touchpoint}");
    let (secret, created) = app
        .create_token(json!({"name": "auditor", "scope": "read_only", "resources": ["audit"]}))
        .await;
    assert!(created["resources"] == json!(["audit"]), "{created}");

    assert_eq!(audit_items(&app, "?action=survey").await.len(), 1);
    assert_eq!(
        audit_items(&app, "?action=touchpoint.create").await.len(),
        1
    );
    let tokens = audit_items(&app, "?action=token").await;
    assert_eq!(tokens.len(), 1);
    assert!(!tokens[0].to_string().contains(&secret), "never the secret");
    assert_eq!(tokens[0]["summary"]["after"]["resources"], "audit");
    assert_eq!(
        audit_items(&app, &format!("?actor={}", own_token_id(&app).await))
            .await
            .len(),
        3
    );
    assert!(
        audit_items(&app, &format!("?actor={}", uuid::Uuid::now_v7()))
            .await
            .is_empty()
    );
    assert!(audit_items(&app, "?from=2999-01-01").await.is_empty());
    assert_eq!(audit_items(&app, "?to=2999-01-01").await.len(), 4);
    assert!(
        audit_items(&app, "?to=2000-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    let (status, problem) = app.get("/audit?actor=someone&from=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 2);

    let (status, first) = app.get("/audit?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["items"].as_array().expect("items").len(), 2);
    let cursor = first["next_cursor"].as_str().expect("more");
    let (_, second) = app.get(&format!("/audit?limit=2&cursor={cursor}")).await;
    assert_eq!(second["items"][0]["action"], "survey.create");
    assert!(second["next_cursor"].is_null());

    // The read-only audit token reads the log and its CSV export.
    let (status, csv) = app
        .send_as(&secret, reqwest::Method::GET, "/audit.csv", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().expect("CSV text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,at,action,interface,address,actor_user_id,actor_token_id,target_type,target_id,summary"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[3].contains("survey.create") && lines[3].contains(&id),
        "{csv}"
    );
    assert!(csv.contains("touchpoint.create"), "{csv}");
    assert!(!csv.contains(&secret));
    let (_, filtered) = app
        .send_as(
            &secret,
            reqwest::Method::GET,
            "/audit.csv?action=survey",
            None,
        )
        .await;
    assert_eq!(filtered.as_str().expect("CSV").lines().count(), 2);
}

async fn audit_needs_a_token_with_the_audit_resource(app: TestApp) {
    app.create_survey(example_survey()).await;
    let (reader, _) = app
        .create_token(json!({"name": "reader", "scope": "read_only", "resources": ["surveys", "responses", "touchpoints", "metrics", "text"]}))
        .await;
    for path in ["/audit", "/audit.csv"] {
        let (status, problem) = app.send_as(&reader, reqwest::Method::GET, path, None).await;
        assert_forbidden(status, &problem);
    }
    // No route writes or deletes entries.
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let (status, _) = app.send(method.clone(), "/audit", Some(json!({}))).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    assert_eq!(
        audit_items(&app, "").await.len(),
        3,
        "initialisation, survey and token creation"
    );
}
