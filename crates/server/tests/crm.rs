//! The CRM link over real HTTP, on SQLite and PostgreSQL: segments (CRUD, validation,
//! members), the `segment=` filter and `group_by=attribute:KEY` with hand-computed NPS, and
//! the at-risk list's order and paging.

#[macro_use]
mod running;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use touchpoint_store::testing::{TestBackend, TestDatabase};

on_both_backends!(
    segment_metrics_and_attribute_groups_match_hand_computed_nps,
    segments_validate_every_field_and_change_nothing_when_refused,
    segment_filters_on_lists_and_their_permissions,
    at_risk_list_orders_by_value_and_pages,
    journey_map_of_a_segment,
);

struct TestApp {
    base: String,
    token: String,
    client: reqwest::Client,
    _store: touchpoint_store::Store,
    _db: TestDatabase,
}

impl TestApp {
    async fn start(backend: TestBackend) -> Option<TestApp> {
        let running = running::start(backend, false).await?;
        Some(TestApp {
            base: running.base,
            token: running.token,
            client: reqwest::Client::new(),
            _store: running.store,
            _db: running.db,
        })
    }

    async fn send_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        running::reply(request).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send_as(&self.token, Method::GET, path, None).await
    }

    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn json(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        self.send_as(&self.token, method, path, Some(body)).await
    }

    async fn created(&self, path: &str, body: Value) -> Value {
        let (status, reply) = self.json(Method::POST, path, body).await;
        assert!(status.is_success(), "{path}: {status} {reply}");
        reply
    }

    /// Attributes, a survey, customers and their answers (all in November 2026):
    /// - Business: b1 … b6 answer NPS 10, 9, 9, 8, 3, 0 (b1, b2 VIPs); values 100 … 600
    /// - Private: p1 … p3 answer NPS 10, 7, 6; p1 has no value
    /// - one anonymous answer, NPS 2
    async fn population(&self) -> String {
        for (key, t) in [("plan", "string"), ("value", "number"), ("vip", "boolean")] {
            self.created("/customer-attributes", json!({"key": key, "type": t}))
                .await;
        }
        let survey = self
            .created(
                "/surveys",
                json!({"name": "Relationship", "languages": ["en"], "questions": [
                    {"id": "nps", "type": "nps", "text": {"en": "Recommend us?"}},
                    {"id": "why", "type": "text", "text": {"en": "Why?"}}]}),
            )
            .await;
        let survey_id = survey["id"].as_str().expect("survey").to_owned();
        let people = [
            ("b1", "Business", Some(100), true, 10),
            ("b2", "Business", Some(200), true, 9),
            ("b3", "Business", Some(300), false, 9),
            ("b4", "Business", Some(400), false, 8),
            ("b5", "Business", Some(500), false, 3),
            ("b6", "Business", Some(600), false, 0),
            ("p1", "Private", None, false, 10),
            ("p2", "Private", Some(50), false, 7),
            ("p3", "Private", Some(60), false, 6),
        ];
        for (i, (id, plan, value, vip, nps)) in people.into_iter().enumerate() {
            let mut attributes = json!({"plan": plan, "vip": vip});
            if let Some(value) = value {
                attributes["value"] = json!(value);
            }
            let (status, body) = self
                .json(
                    Method::PUT,
                    &format!("/customers/by-external-id/{id}"),
                    json!({"name": format!("Customer {id}"), "attributes": attributes}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            self.created(
                &format!("/surveys/{survey_id}/responses"),
                json!({"answers": {"nps": nps}, "customer_external_id": id,
                       "submitted_at": format!("2026-11-{:02}T10:00:00Z", 2 + i)}),
            )
            .await;
        }
        self.created(
            &format!("/surveys/{survey_id}/responses"),
            json!({"answers": {"nps": 2}, "submitted_at": "2026-11-20T10:00:00Z"}),
        )
        .await;
        survey_id
    }

    async fn segment(&self, name: &str, conditions: Value) -> String {
        let body = self
            .created("/segments", json!({"name": name, "conditions": conditions}))
            .await;
        body["id"].as_str().expect("segment id").to_owned()
    }
}

fn estimate(v: &Value) -> (Value, Value, Value) {
    (v["value"].clone(), v["n"].clone(), v["ci95"].clone())
}

async fn segment_metrics_and_attribute_groups_match_hand_computed_nps(app: TestApp) {
    let survey = app.population().await;
    let business = app
        .segment(
            "Business",
            json!([{"type": "attribute", "key": "plan", "equals": "Business"}]),
        )
        .await;
    let range = "from=2026-11-01&to=2026-11-30&interval=month";
    // Everyone: 10 answers, P = 4 (10, 9, 9, 10), D = 4 (3, 0, 6, 2) → NPS 0.0.
    let all = app
        .ok(&format!("/metrics?survey_id={survey}&{range}"))
        .await;
    assert_eq!(
        estimate(&all),
        (json!(0.0), json!(10), json!([-55.4, 55.4]))
    );
    // Business: 10, 9, 9, 8, 3, 0 → P = 3, D = 2, n = 6 → NPS 100 · 1/6 = 16.7,
    // CI 16.7 ± 1.96 · 100 · √((0.5 + 0.333 − 0.167²)/6) = 16.7 ± 71.8.
    let report = app
        .ok(&format!(
            "/metrics?survey_id={survey}&{range}&segment={business}"
        ))
        .await;
    assert_eq!(
        estimate(&report),
        (json!(16.7), json!(6), json!([-55.2, 88.5]))
    );
    assert_eq!(
        report["breakdown"],
        json!({"promoters": 3, "passives": 1, "detractors": 2})
    );
    assert_eq!(report["segment"]["name"], "Business");
    assert_eq!(report["series"][0]["n"], json!(6));
    // By plan: Business as above; Private 10, 7, 6 → 0.0 (CI ± 92.4); the anonymous 2 → −100.
    let grouped = app
        .ok(&format!(
            "/metrics?survey_id={survey}&{range}&group_by=attribute:plan"
        ))
        .await;
    assert_eq!(grouped["group_by"], "attribute:plan");
    assert_eq!(estimate(&grouped), estimate(&all), "the total is unchanged");
    let groups: Vec<(Value, Value, (Value, Value, Value))> = grouped["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["key"].clone(), g["label"].clone(), estimate(g)))
        .collect();
    assert_eq!(
        groups,
        vec![
            (
                json!("Business"),
                json!("Business"),
                (json!(16.7), json!(6), json!([-55.2, 88.5]))
            ),
            (
                json!("Private"),
                json!("Private"),
                (json!(0.0), json!(3), json!([-92.4, 92.4]))
            ),
            (
                Value::Null,
                json!("(none)"),
                (json!(-100.0), json!(1), json!([-100.0, -100.0]))
            ),
        ]
    );
    // Booleans group by true/false; a segment and a group together.
    let vip = app
        .ok(&format!(
            "/metrics?survey_id={survey}&{range}&group_by=attribute:vip&segment={business}"
        ))
        .await;
    let vip_groups: Vec<(Value, Value)> = vip["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["key"].clone(), g["n"].clone()))
        .collect();
    assert_eq!(
        vip_groups,
        vec![(json!("false"), json!(4)), (json!("true"), json!(2))]
    );
    // Number bins: < 100: p2, p3 (7, 6 → −50); 100 – < 400: b1–b3 (10, 9, 9 → 100);
    // ≥ 400: b4–b6 (8, 3, 0 → −66.7); none: p1 and the anonymous answer.
    let binned = app
        .ok(&format!(
            "/metrics?survey_id={survey}&{range}&group_by=attribute:value&bins=100,400"
        ))
        .await;
    assert_eq!(binned["bins"], json!([100.0, 400.0]));
    let mut bins: Vec<(Value, Value, Value)> = binned["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["key"].clone(), g["n"].clone(), g["value"].clone()))
        .collect();
    bins.sort_by_key(|(k, _, _)| k.to_string());
    assert_eq!(
        bins,
        vec![
            (json!("100 – < 400"), json!(3), json!(100.0)),
            (json!("< 100"), json!(2), json!(-50.0)),
            (json!("≥ 400"), json!(3), json!(-66.7)),
            (Value::Null, json!(2), json!(0.0)),
        ]
    );
    // A segment of detractors (latest NPS 0–6): b5, b6, p3 → NPS −100 on 3 answers.
    let detractors = app
        .segment(
            "Detractors",
            json!([{"type": "nps_category", "one_of": ["detractor"]}]),
        )
        .await;
    let report = app
        .ok(&format!(
            "/metrics?survey_id={survey}&{range}&segment={detractors}"
        ))
        .await;
    assert_eq!(
        (report["value"].clone(), report["n"].clone()),
        (json!(-100.0), json!(3))
    );
}

async fn segments_validate_every_field_and_change_nothing_when_refused(app: TestApp) {
    let survey = app.population().await;
    let id = app
        .segment(
            "VIP",
            json!([{"type": "attribute", "key": "vip", "equals": true}]),
        )
        .await;
    let before = app.ok(&format!("/segments/{id}")).await;
    assert_eq!(before["customer_count"], json!(2), "b1 and b2");
    assert_eq!(
        before["conditions"],
        json!([{"type": "attribute", "key": "vip", "equals": true}])
    );
    let bad = json!({"name": "", "description": "x", "conditions": [
        {"type": "attribute", "key": "tier", "equals": "Gold"},
        {"type": "attribute", "key": "value", "equals": "lots"},
        {"type": "attribute", "key": "plan", "min": 3},
        {"type": "nps_category", "one_of": ["fan"]},
        {"type": "contacts", "days": 30},
        {"type": "latest_score", "metric": "csat", "min": 9},
        {"type": "open_case"},
    ]});
    let (status, problem) = app
        .json(Method::PUT, &format!("/segments/{id}"), bad.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        vec![
            "name",
            "conditions[0].key",
            "conditions[1].equals",
            "conditions[2].min",
            "conditions[3].one_of[0]",
            "conditions[4].min",
            "conditions[5].min",
            "conditions[6].type",
        ]
    );
    assert_eq!(
        app.ok(&format!("/segments/{id}")).await,
        before,
        "unchanged"
    );
    let (status, _) = app.json(Method::POST, "/segments", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .json(Method::POST, "/segments", json!({"name": "VIP"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "names are unique");
    let (status, _) = app
        .json(
            Method::POST,
            "/segments",
            json!({"name": "X", "conditions": [], "colour": "red"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "unknown field");
    assert_eq!(
        app.ok("/segments").await["items"].as_array().map(Vec::len),
        Some(1)
    );
    // Unknown and malformed ids are 404, as paths and as filters.
    let unknown = uuid::Uuid::now_v7();
    for path in [
        format!("/segments/{unknown}"),
        "/segments/nope".to_owned(),
        format!("/segments/{unknown}/customers"),
        format!("/metrics?survey_id={survey}&segment={unknown}"),
        format!("/responses?segment={unknown}"),
        format!("/customers?segment={unknown}"),
        format!("/customers/at-risk?value=value&segment={unknown}"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = app
        .json(
            Method::PUT,
            &format!("/segments/{unknown}"),
            json!({"name": "Y"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Grouping problems are 422 naming the parameter.
    for (query, field) in [
        ("group_by=attribute:tier", "group_by"),
        ("group_by=attribute:value", "bins"),
        ("group_by=attribute:value&bins=5,1", "bins"),
        ("group_by=attribute:plan&bins=1", "bins"),
        ("group_by=channel&bins=1", "bins"),
        ("group_by=region", "group_by"),
    ] {
        let (status, problem) = app
            .get(&format!("/metrics?survey_id={survey}&{query}"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    // Deleting: 204, then 404.
    let (status, _) = app
        .send_as(&app.token, Method::DELETE, &format!("/segments/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&format!("/segments/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn segment_filters_on_lists_and_their_permissions(app: TestApp) {
    let survey = app.population().await;
    let vip = app
        .segment(
            "VIP",
            json!([{"type": "attribute", "key": "vip", "equals": true}]),
        )
        .await;
    let responses = app.ok(&format!("/responses?segment={vip}")).await;
    let mut scores: Vec<i64> = responses["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["answers"]["nps"].as_i64())
        .collect();
    scores.sort();
    assert_eq!(scores, vec![9, 10]);
    let customers = app.ok(&format!("/customers?segment={vip}&q=cust")).await;
    assert_eq!(customers["items"].as_array().map(Vec::len), Some(2));
    // Members, one per page, newest first.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .ok(&format!("/segments/{vip}/customers?limit=1{cursor}"))
            .await;
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["external_id"].as_str().unwrap_or("").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, vec!["b2", "b1"]);
    // A token without the customers resource may read metrics, not filter them by segment.
    let (status, narrow) = app
        .json(
            Method::POST,
            "/tokens",
            json!({"name": "dashboards", "scope": "read_only", "resources": ["metrics", "surveys"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{narrow}");
    let narrow = narrow["token"].as_str().expect("secret");
    let (status, _) = app
        .send_as(
            narrow,
            Method::GET,
            &format!("/metrics?survey_id={survey}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for query in [
        format!("segment={vip}"),
        "group_by=attribute:plan".to_owned(),
    ] {
        let (status, body) = app
            .send_as(
                narrow,
                Method::GET,
                &format!("/metrics?survey_id={survey}&{query}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{query}: {body}");
    }
    let (status, _) = app.send_as(narrow, Method::GET, "/segments", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn at_risk_list_orders_by_value_and_pages(app: TestApp) {
    app.population().await;
    // At risk: b5 (3), b6 (0), p3 (6) are detractors; p1 (no value) is not listed.
    let all = app.ok("/customers/at-risk?value=value").await;
    let items = all["items"].as_array().expect("items");
    let listed: Vec<(&str, f64)> = items
        .iter()
        .map(|i| {
            (
                i["customer"]["external_id"].as_str().unwrap_or(""),
                i["value"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect();
    assert_eq!(listed, vec![("b6", 600.0), ("b5", 500.0), ("p3", 60.0)]);
    let first = &items[0];
    assert_eq!(first["reasons"], json!(["nps_detractor"]));
    assert_eq!(first["latest"]["nps"]["score"], json!(0));
    assert_eq!(
        first["latest_experience"]["submitted_at"],
        json!("2026-11-07T10:00:00.000Z")
    );
    assert_eq!(first["customer"]["name"], "Customer b6");
    // Ascending, one per page.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .ok(&format!(
                "/customers/at-risk?value=value&order=value_asc&limit=1{cursor}"
            ))
            .await;
        seen.extend(page["items"].as_array().expect("items").iter().map(|c| {
            c["customer"]["external_id"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        }));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, vec!["p3", "b5", "b6"]);
    let business = app
        .segment(
            "Business",
            json!([{"type": "attribute", "key": "plan", "equals": "Business"}]),
        )
        .await;
    let filtered = app
        .ok(&format!(
            "/customers/at-risk?value=value&segment={business}&min_value=550"
        ))
        .await;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1));
    let none_since = app
        .ok("/customers/at-risk?value=value&since=2026-11-30")
        .await;
    assert_eq!(none_since["items"], json!([]));
    for (query, field) in [
        ("", "value"),
        ("value=plan", "value"),
        ("value=tier", "value"),
        ("value=value&order=cheapest", "order"),
        ("value=value&min_value=lots", "min_value"),
        ("value=value&since=yesterday", "since"),
    ] {
        let (status, problem) = app.get(&format!("/customers/at-risk?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

async fn journey_map_of_a_segment(app: TestApp) {
    app.created(
        "/customer-attributes",
        json!({"key": "plan", "type": "string"}),
    )
    .await;
    let touchpoint = app
        .created(
            "/touchpoints",
            json!({"name": "Hotline", "channel": "phone"}),
        )
        .await;
    let touchpoint_id = touchpoint["id"].as_str().expect("touchpoint").to_owned();
    let survey = app
        .created(
            "/surveys",
            json!({"name": "Hotline", "languages": ["en"], "touchpoint_id": touchpoint_id,
                "questions": [{"id": "nps", "type": "nps", "text": {"en": "Recommend us?"}}]}),
        )
        .await;
    let survey_id = survey["id"].as_str().expect("survey").to_owned();
    let journey = app
        .created("/journeys", json!({"name": "Support", "stages": ["Call"]}))
        .await;
    let journey_id = journey["id"].as_str().expect("journey").to_owned();
    let stage = journey["stages"][0]["id"]
        .as_str()
        .expect("stage")
        .to_owned();
    let (status, body) = app
        .json(
            Method::PUT,
            &format!("/journeys/{journey_id}/layout"),
            json!({"stages": [{"id": stage, "touchpoint_ids": [touchpoint_id]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Business: 10, 9, 2 → NPS 100 · (2 − 1)/3 = 33.3; everyone adds Private 0, 0 → −20.
    for (who, plan, nps) in [
        ("a", "Business", 10),
        ("b", "Business", 9),
        ("c", "Business", 2),
        ("d", "Private", 0),
        ("e", "Private", 0),
    ] {
        let (status, body) = app
            .json(
                Method::PUT,
                &format!("/customers/by-external-id/{who}"),
                json!({"attributes": {"plan": plan}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        app.created(
            &format!("/surveys/{survey_id}/responses"),
            json!({"answers": {"nps": nps}, "customer_external_id": who,
                   "submitted_at": "2026-11-10T10:00:00Z"}),
        )
        .await;
    }
    let business = app
        .segment(
            "Business",
            json!([{"type": "attribute", "key": "plan", "equals": "Business"}]),
        )
        .await;
    let range = "from=2026-11-01&to=2026-11-30";
    let everyone = app.ok(&format!("/journeys/{journey_id}/map?{range}")).await;
    let card = |map: &Value| map["stages"][0]["touchpoints"][0].clone();
    assert_eq!(
        (
            card(&everyone)["value"].clone(),
            card(&everyone)["n"].clone()
        ),
        (json!(-20.0), json!(5))
    );
    let segment_map = app
        .ok(&format!(
            "/journeys/{journey_id}/map?{range}&segment={business}"
        ))
        .await;
    assert_eq!(
        (
            card(&segment_map)["value"].clone(),
            card(&segment_map)["n"].clone()
        ),
        (json!(33.3), json!(3))
    );
    let (status, _) = app
        .get(&format!(
            "/journeys/{journey_id}/map?segment={}",
            uuid::Uuid::now_v7()
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
